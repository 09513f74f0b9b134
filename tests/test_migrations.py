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


# --- a new embedded catalog is made from the recorded head schema ------------------------------


def _migrated(path: Path) -> sa.Engine:
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    return engine


def _normal(statement: str | None) -> tuple[str, ...]:
    """A schema statement with its table constraints in a fixed order: Alembic's batch mode
    writes a rebuilt table's constraints in an order that changes from run to run (it keeps
    them in a set), which means nothing to SQLite. Columns keep their order."""
    if statement is None:
        return ()
    lines = [line.strip().removesuffix(",").strip() for line in statement.splitlines()]
    constraints = sorted(line for line in lines if line.startswith("CONSTRAINT"))
    return (*(line for line in lines if not line.startswith("CONSTRAINT")), *constraints)


def _schema(engine: sa.Engine) -> tuple[list[tuple[object, ...]], list[str], int]:
    with engine.connect() as conn:
        master = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).all()
        versions = list(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
        user_version = conn.exec_driver_sql("PRAGMA user_version").scalar()
    rows: list[tuple[object, ...]] = [(k, n, t, _normal(sql)) for k, n, t, sql in master]
    return rows, versions, int(user_version or 0)


def test_the_recorded_head_schema_is_what_the_migrations_make(tmp_path: Path) -> None:
    engine = _migrated(tmp_path / "migrated.db")
    try:
        with engine.connect() as conn:
            made = db.schema_statements(conn)
    finally:
        engine.dispose()
    recorded = db.head_schema()
    assert recorded["revision"] == db.head_revision(), (
        "a migration was added: run `python scripts/record_head_schema.py`"
    )
    assert [_normal(s) for s in recorded["statements"]] == [_normal(s) for s in made], (
        "the migrations changed: run `python scripts/record_head_schema.py`"
    )


def test_a_new_sqlite_catalog_is_made_from_the_record_exactly_as_the_migrations_make_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import alembic.command

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("a new catalog went through the migrations")

    migrated = _migrated(tmp_path / "migrated.db")
    monkeypatch.setattr(alembic.command, "upgrade", refused)
    made = db.open_database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert _schema(made) == _schema(migrated)
        assert _schema(made)[1] == [db.head_revision()]
        with made.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        made.dispose()
        migrated.dispose()


def test_a_file_with_tables_of_its_own_or_a_stale_record_goes_through_the_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = tmp_path / "foreign.db"
    with sa.create_engine(f"sqlite:///{foreign}").begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (body TEXT)")
        conn.exec_driver_sql("INSERT INTO notes VALUES ('kept')")
    engine = db.open_database(f"sqlite:///{foreign}")
    try:
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT body FROM notes").scalar() == "kept"
            assert sa.inspect(conn).has_table("tool")
    finally:
        engine.dispose()

    stale = {**db.head_schema(), "revision": "0003", "statements": ["CREATE TABLE wrong (x)"]}
    monkeypatch.setattr(db, "head_schema", lambda: stale)
    engine = db.open_database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert db.current_revision(engine) == db.head_revision()
        with engine.connect() as conn:
            assert not sa.inspect(conn).has_table("wrong")
    finally:
        engine.dispose()


def test_two_processes_making_the_same_new_catalog_at_once_both_open_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "shared.db"
    code = (
        "import sys; from stackmap import db; "
        "e = db.open_database(sys.argv[1]); print(db.current_revision(e)); e.dispose()"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, f"sqlite:///{path}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert out.strip() == db.head_revision()
    engine = db.make_engine(f"sqlite:///{path}")
    migrated = _migrated(tmp_path / "migrated.db")
    try:
        # The one that loses the race saw an empty file before it had the lock: under the
        # lock it finds the catalog made and leaves it as it is.
        db.create_schema(engine)
        assert _schema(engine) == _schema(migrated)
    finally:
        engine.dispose()
        migrated.dispose()
