"""The dump's files as `stackmap.dumpfiles` writes them down without SQLAlchemy: held to the
models, and written the same, byte for byte, however the catalog was opened."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from catalogs import arrange_everything
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import SQLModel
from typer.testing import CliRunner

from stackmap import db
from stackmap.cli import app
from stackmap.connect import head_revision
from stackmap.dump import PARTS, dump_catalog
from stackmap.dumpfiles import DECISION_FIELDS, LAYOUTS, Kind, yaml_safe, yaml_safe_utf8
from stackmap.inventory import Inventory
from stackmap.reader import Reader, open_for_reading
from stackmap.reference import Reference

runner = CliRunner()


def _kind(column: sa.Column[object]) -> Kind | None:
    """How the dump must write a column's value, from its SQLAlchemy type."""
    kind = column.type
    while isinstance(kind, sa.TypeDecorator):  # SQLModel's UTCDateTime, AutoString, ...
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return "json"
    if isinstance(kind, sa.DateTime):
        return "timestamp"
    if isinstance(kind, sa.Numeric):
        assert kind.scale == 2, column  # money: the only numbers kept at a scale
        return "money"
    if isinstance(kind, sa.Boolean):
        return "flag"
    assert isinstance(kind, sa.Integer | sa.String | sa.Date), column  # written as given
    return None


def test_each_file_holds_its_tables_columns_in_order_each_written_as_its_type_says() -> None:
    for part in PARTS:
        table_columns = tuple(c.name for c in part.table.columns)
        if part.file == "decisions.yaml":
            expected: tuple[str, ...] = ("id", "name", *DECISION_FIELDS)
        elif part.table.name == "tool":
            expected = tuple(n for n in table_columns if n not in DECISION_FIELDS)
        else:
            expected = table_columns
        assert part.layout.columns == expected, part.file
        kinds = {c.name: k for c in part.columns if (k := _kind(c)) is not None}
        assert part.layout.kinds == kinds, part.file
        assert set(part.layout.order) <= set(part.layout.columns)


def test_every_table_of_the_catalog_is_in_the_dump() -> None:
    assert {layout.table for layout in LAYOUTS} == set(SQLModel.metadata.tables)


@pytest.fixture
def filled(backend_inventory: Inventory) -> Inventory:
    arrange_everything(backend_inventory)
    return backend_inventory


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_every_way_of_opening_a_catalog_writes_the_same_dump(
    filled: Inventory, backend_url: str, tmp_path: Path, reference: Reference
) -> None:
    dump_catalog(filled.engine, tmp_path / "engine")
    expected = files(tmp_path / "engine")
    assert b'"decided_by":"tester"' in expected["decisions.yaml"]
    assert b'"amount":"1234.56"' in expected["contracts.yaml"]  # money at its two places
    assert b'"auto_renew":true' in expected["contracts.yaml"] or (
        b'"auto_renew":false' in expected["contracts.yaml"]
    )
    assert b"+00:00" in expected["history.yaml"]  # timestamps in UTC

    filled.dump(tmp_path / "inventory")
    assert files(tmp_path / "inventory") == expected
    if backend_url == "sqlite://":
        return  # in memory: nothing else can open it
    catalog = open_for_reading(backend_url, reference_dirs=())
    try:
        # The embedded catalog at this schema is read through sqlite3 alone.
        assert isinstance(catalog, Reader) == backend_url.startswith("sqlite")
        catalog.dump(tmp_path / "reader")
    finally:
        catalog.close()
    assert files(tmp_path / "reader") == expected
    result = runner.invoke(app, ["--db", backend_url, "dump", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "cli") == expected


def test_a_dump_of_an_empty_catalog_has_every_file_and_no_record(
    tmp_path: Path, reference: Reference
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    Inventory(db.open_database(url), reference, actor="tester").close()
    result = runner.invoke(app, ["--db", url, "dump", str(tmp_path / "dump")])
    assert result.exit_code == 0, result.output
    written = files(tmp_path / "dump")
    assert set(written) == {layout.file for layout in LAYOUTS} | {"stackmap.yaml"}
    assert all(written[layout.file] == b"[]\n" for layout in LAYOUTS)
    assert f"schema: '{head_revision()}'".encode() in written["stackmap.yaml"]


# Text near the characters YAML refuses raw: C1 controls, DEL, line separators, the BOM, and
# the characters whose UTF-8 shares their lead bytes.
_NEAR = st.sampled_from(
    ["\x7f", "\x80", "\x9f", "\xa0", "\xc2", "\u2027", "\u2028", "\u2029", "\u202a", "\ufeff"]
)


@given(st.lists(st.one_of(st.text(), _NEAR)).map("".join))
def test_escaping_utf8_bytes_escapes_exactly_what_escaping_the_text_does(text: str) -> None:
    assert yaml_safe_utf8(text.encode("utf-8")) == yaml_safe(text).encode("utf-8")
