"""The benchmarks' raw floors write what the catalog holds, as the catalog's connections do:
every row, every table, foreign keys checked."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest
from catalogs import SAMPLES

from benchmarks import floors
from stackmap import db
from stackmap.inventory import Inventory
from stackmap.reference import Reference


@pytest.fixture
def catalog(tmp_path: Path, reference: Reference) -> Path:
    path = tmp_path / "catalog.db"
    inventory = Inventory(db.open_database(f"sqlite:///{path}"), reference, actor="tester")
    for name in ("team-audit.xlsx", "saas-management-export.csv"):
        inventory.apply_import(inventory.plan_import(SAMPLES / name))
    inventory.close()
    return path


def _contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    tables = floors._tables(connection)
    found = {t: sorted(connection.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}
    connection.close()
    return found


def test_the_import_and_load_floors_write_every_row_with_foreign_keys_checked(
    catalog: Path, tmp_path: Path
) -> None:
    floors.prepare_import(catalog, tmp_path / "rows.pickle")
    floors.import_(SAMPLES / "team-audit.xlsx", tmp_path / "rows.pickle", tmp_path / "i.db")
    floors.prepare_load(catalog, tmp_path / "catalog.sql")
    floors.load(tmp_path / "catalog.sql", tmp_path / "l.db")
    expected = _contents(catalog)
    assert expected["integration"] and expected["change"] and expected["tool"]
    assert _contents(tmp_path / "i.db") == expected
    assert _contents(tmp_path / "l.db") == expected
    # Parents before children: a table's rows come after those of the tables it refers to.
    _schema, rows = pickle.loads((tmp_path / "rows.pickle").read_bytes())
    order = list(rows)
    assert order.index("vendor") < order.index("tool") < order.index("integration")
    assert order.index("import_batch") < order.index("change")


def test_the_import_floor_checks_foreign_keys_as_the_catalog_does(
    catalog: Path, tmp_path: Path
) -> None:
    floors.prepare_import(catalog, tmp_path / "rows.pickle")
    schema, rows = pickle.loads((tmp_path / "rows.pickle").read_bytes())
    dangling = list(rows["integration"][0])
    dangling[0], dangling[1] = 999_999, 888_888  # a new id, its source a tool that is not there
    rows["integration"].append(tuple(dangling))
    (tmp_path / "bad.pickle").write_bytes(pickle.dumps((schema, rows)))
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        floors.import_(SAMPLES / "team-audit.xlsx", tmp_path / "bad.pickle", tmp_path / "b.db")


def test_the_re_import_floor_reads_the_file_and_the_catalog_and_writes_nothing(
    catalog: Path,
) -> None:
    before = _contents(catalog)
    floors.reimport(SAMPLES / "team-audit.xlsx", catalog)
    assert _contents(catalog) == before
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        floors.reimport(SAMPLES / "team-audit.xlsx", catalog.with_name("empty.db"))
