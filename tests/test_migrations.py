"""Schema migrations: an empty database upgrades to head on each backend, the migration
scripts describe exactly the tables the models define, and a filled catalog at every earlier
revision upgrades with every value kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from catalogs import SAMPLES
from sqlmodel import SQLModel

from stackmap import connect, db
from stackmap.backup import restore_catalog
from stackmap.dump import dump_catalog
from stackmap.inventory import Inventory
from stackmap.reference import Reference


def test_an_empty_database_upgrades_to_head_and_back_down(backend_url: str) -> None:
    engine = db.make_engine(backend_url)
    try:
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert {
            "tool",
            "vendor",
            "owner",
            "contract",
            "integration",
            "tool_capability",
            "change",
            "import_batch",
        } <= tables
        db.downgrade(engine, "base")
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


def test_the_migrations_match_the_models_so_autogenerate_finds_nothing(backend_url: str) -> None:
    engine = db.make_engine(backend_url)
    try:
        db.upgrade(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_opening_a_catalog_applies_pending_migrations(backend_url: str) -> None:
    engine = db.open_database(backend_url)
    try:
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


# --- upgrades keep every value ---------------------------------------------------------------
# A catalog created at each earlier revision is filled with awkward values in every column of
# every table, upgraded to head, and read back: every value must be as it was.


def _revisions() -> list[str]:
    """Every revision before head, oldest first."""
    script = ScriptDirectory.from_config(db.alembic_config())
    ordered = [rev.revision for rev in script.walk_revisions()][::-1]
    return ordered[:-1]


ROWS = 4


def _value(table: sa.Table, column: sa.Column[Any], i: int, ids: dict[str, list[Any]]) -> Any:
    kind = column.type
    if column.foreign_keys:
        parent = next(iter(column.foreign_keys)).column.table.name
        choices = ids[parent]
        # A second key to the same table points elsewhere (an integration is not to itself).
        same = [c for c in table.columns if c.foreign_keys and c is not column]
        offset = sum(
            1
            for c in same
            if next(iter(c.foreign_keys)).column.table.name == parent
            and list(table.columns).index(c) < list(table.columns).index(column)
        )
        return choices[(i + offset) % len(choices)]
    if column.primary_key and isinstance(kind, sa.Integer):
        return i + 1
    if isinstance(kind, sa.Boolean):
        return i % 2 == 0
    if isinstance(kind, sa.Integer):
        return 1000 * i + 7
    if isinstance(kind, sa.Numeric):
        return Decimal(f"{i}12345678.9{i}")
    if isinstance(kind, sa.DateTime):
        return datetime(2025, 12, 31, 23, 59, 58, 123456, tzinfo=UTC) + timedelta(hours=i)
    if isinstance(kind, sa.Date):
        return date(2027, 2, 28) + timedelta(days=i)
    if isinstance(kind, sa.JSON):
        return {"row": i, "list": ["é", 1.5, None, True], "nested": {"k": "line\nbreak"}}
    length = getattr(kind, "length", None) or 200
    text = f"{table.name}.{column.name} #{i} — Café 'quoted' \"x\" <b>&amp;</b> 🚀"
    return text[: max(1, length - 3)] + str(i) if len(text) >= length else text


def _fill(conn: sa.Connection) -> dict[str, list[tuple[Any, ...]]]:
    metadata = sa.MetaData()
    metadata.reflect(conn)
    ids: dict[str, list[Any]] = {}
    written: dict[str, list[tuple[Any, ...]]] = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        rows = [
            {column.name: _value(table, column, i, ids) for column in table.columns}
            for i in range(ROWS)
        ]
        conn.execute(table.insert(), rows)
        if "id" in table.c:
            ids[table.name] = [row["id"] for row in rows]
        written[table.name] = _rows(conn, table)
    db.advance_sequences(conn, metadata.sorted_tables)
    return written


def _rows(conn: sa.Connection, table: sa.Table, columns: list[str] | None = None) -> list[Any]:
    names = columns or [c.name for c in table.columns]
    stmt = sa.select(*(table.c[n] for n in names)).order_by(*table.primary_key.columns)
    return [tuple(row) for row in conn.execute(stmt)]


@pytest.mark.parametrize("revision", _revisions())
def test_a_filled_catalog_at_an_earlier_revision_upgrades_with_every_value_kept(
    backend_url: str, revision: str, reference: Reference, tmp_path: Path
) -> None:
    engine = db.make_engine(backend_url)
    try:
        db.upgrade(engine, revision)
        with engine.begin() as conn:
            before = _fill(conn)
            columns = {
                name: [c.name for c in table.columns] for name, table in _reflect(conn).items()
            }
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            after_tables = _reflect(conn)
            for name, rows in before.items():
                assert _rows(conn, after_tables[name], columns[name]) == rows, name
        # The application reads the upgraded catalog, and writes to it.
        inventory = Inventory(engine, reference, actor="tester")
        assert len(inventory.tools()) == ROWS
        dump_catalog(engine, tmp_path / "dump")
        inventory.apply_import(inventory.plan_import(SAMPLES / "team-audit.xlsx"))
        inventory.apply_spend(
            inventory.plan_spend(SAMPLES / "ap-spend-report.csv"), skip_invalid=True
        )
        assert inventory.counts()["import_batches"] == ROWS + 2
    finally:
        engine.dispose()


def _reflect(conn: sa.Connection) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    metadata.reflect(conn)
    return dict(metadata.tables)


def test_a_backup_from_an_earlier_revision_restores_into_the_current_schema(
    tmp_path: Path, reference: Reference
) -> None:
    old = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        db.upgrade(old, _revisions()[0])
        with old.begin() as conn:
            before = _fill(conn)
    finally:
        old.dispose()
    inventory = Inventory(db.open_database("sqlite://"), reference, actor="tester")
    try:
        restore_catalog(inventory.engine, tmp_path / "old.db")
        assert inventory.counts()["tools"] == len(before["tool"])
        assert db.current_revision(inventory.engine) == db.head_revision()
    finally:
        inventory.close()


def test_the_quick_revision_reading_agrees_with_alembic(backend_url: str) -> None:
    # Opening a catalog reads the revisions from the scripts' headers and one query, without
    # importing Alembic: the answers must be Alembic's own.
    scripts = ScriptDirectory.from_config(db.alembic_config())
    assert db.head_revision() == scripts.get_current_head()
    every = {s.revision: s.down_revision for s in scripts.walk_revisions()}
    assert connect.revisions() == every
    assert not db.known_revision("9999")
    engine = db.make_engine(backend_url)
    try:
        db.upgrade(engine, "0002")
        with engine.connect() as conn:
            assert db.revision_of(conn) == MigrationContext.configure(conn).get_current_revision()
            assert db.revision_of(conn) == "0002"
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
    finally:
        db.downgrade(engine, "base")
        engine.dispose()
