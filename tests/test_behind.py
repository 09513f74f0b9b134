"""Writes behind (store.behind): a SQLite transaction's bulk inserts run on a second thread,
in order; a read waits for the inserts into the tables it reads, anything else for all of
them; a failed insert is raised as SQLAlchemy raises it and stops the rest; an import writes
the same catalog with them as without."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from benchmarks.generate import SyntheticStack, synthetic_stack, write_workbook
from stackmap import db, inventory
from stackmap.dump import snapshot
from stackmap.inventory import Inventory
from stackmap.reference import Reference
from stackmap.store import sql
from stackmap.store.behind import behind, writes_behind

METADATA = sa.MetaData()
ITEM = sa.Table(
    "behind_item",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
)
OTHER = sa.Table(
    "behind_other",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
)


@pytest.fixture
def engine(backend_url: str) -> Iterator[sa.Engine]:
    engine = db.open_database(backend_url)
    METADATA.create_all(engine)
    yield engine
    METADATA.drop_all(engine)
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = db.open_database(f"sqlite:///{tmp_path / 'behind.db'}")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


LOG = sa.Table(
    "behind_log",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item", sa.Integer, nullable=False),
)


class _Slow:
    """A trigger on ITEM that takes a while over each row (counting through a few hundred
    thousand numbers, in SQLite's own code) and logs the rows it saw: inserts that take long
    enough for the test to look while they run. Never Python called from SQLite: its thread
    would need the interpreter's lock inside a statement, which the store's inserts never do."""

    def __init__(self, connection: sa.Connection, count: int) -> None:
        self.connection = connection
        connection.exec_driver_sql(
            "CREATE TEMP TRIGGER slow_item AFTER INSERT ON behind_item BEGIN "
            "INSERT INTO behind_log (item) SELECT NEW.id + 0 * count(*) FROM ("
            f"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {count}) "
            "SELECT x FROM n); END"
        )

    @property
    def rows(self) -> int:
        """The rows inserted so far: a read of the log, which no insert behind goes into."""
        return int(
            self.connection.execute(sa.select(sa.func.count()).select_from(LOG)).scalar() or 0
        )


def _names(engine: sa.Engine, table: sa.Table) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(sa.select(table).order_by(table.c.id))]


def test_inserts_behind_land_in_order_and_a_read_of_their_table_waits_for_them(
    sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql, "ROWS_PER_STATEMENT", 2)
    rows = [{"name": f"t{n}"} for n in range(10)]  # five statements of two slow rows
    with sqlite_engine.begin() as connection:
        slow = _Slow(connection, 300_000)
        with writes_behind(connection):
            assert behind(connection) is not None
            ids = sql.insert_returning_ids(connection, ITEM, rows)
            assert slow.rows < len(rows)  # the call returned while its rows were being written
            count = connection.execute(sa.select(sa.func.count()).select_from(ITEM)).scalar()
            assert count == len(rows) == slow.rows
        assert behind(connection) is None
    assert _names(sqlite_engine, ITEM) == [(i, r["name"]) for i, r in zip(ids, rows, strict=True)]


def test_a_read_of_another_table_goes_first_and_a_write_waits_for_every_insert(
    sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql, "ROWS_PER_STATEMENT", 1)
    with sqlite_engine.begin() as connection:
        connection.execute(OTHER.insert().values(id=1, name="there before"))
        slow = _Slow(connection, 600_000)
        with writes_behind(connection):
            sql.insert(connection, ITEM, [{"name": f"t{n}"} for n in range(8)])
            # Waits at most for the insert running (SQLite runs one statement at a time on a
            # connection), not for the seven queued behind it.
            other = connection.execute(sa.select(OTHER.c.name)).scalars().all()
            assert other == ["there before"]
            assert slow.rows < 8
            # A write might depend on any row (a foreign key): it waits for all of them.
            connection.execute(OTHER.update().values(name="after"))
            assert slow.rows == 8
    assert len(_names(sqlite_engine, ITEM)) == 8


def test_an_insert_that_fails_behind_is_raised_as_sqlalchemy_raises_it_and_stops_the_rest(
    sqlite_engine: sa.Engine,
) -> None:
    interval = sys.getswitchinterval()
    many = [{"name": f"t{n}"} for n in range(3000)]  # three statements of a thousand rows
    with (
        pytest.raises(sa.exc.IntegrityError) as raised,
        sqlite_engine.begin() as connection,
        writes_behind(connection),
    ):
        sql.insert(connection, ITEM, many, list(range(1, 3001)))
        sql.insert(connection, ITEM, [{"name": "again"}], [2])  # the same id: refused
        sql.insert(connection, ITEM, [{"name": "after"}], [5000])
        connection.execute(sa.select(sa.func.count()).select_from(OTHER))  # not ITEM's
        assert sys.getswitchinterval() < interval
        connection.execute(sa.select(sa.func.count()).select_from(ITEM))
    assert "UNIQUE constraint failed" in str(raised.value.orig)
    assert len(str(raised.value)) < 500  # the statement named by its first row, not its 1,000
    assert _names(sqlite_engine, ITEM) == []  # the transaction rolled back: nothing landed
    assert sys.getswitchinterval() == interval


def test_on_every_backend_the_rows_are_the_same_and_postgresql_writes_them_itself(
    engine: sa.Engine,
) -> None:
    rows = [{"name": f"t{n}"} for n in range(2500)]
    with engine.begin() as connection, writes_behind(connection):
        assert (behind(connection) is None) == (engine.dialect.name != "sqlite")
        ids = sql.insert_returning_ids(connection, ITEM, rows)
        more = sql.insert_returning_ids(connection, ITEM, rows[:3])
    assert _names(engine, ITEM) == [
        (i, r["name"]) for i, r in zip(ids + more, rows + rows[:3], strict=True)
    ]


def test_a_sqlite_build_that_cannot_share_a_connection_between_threads_writes_in_place(
    sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite3, "threadsafety", 1)  # SQLITE_THREADSAFE=2: multi-thread
    with sqlite_engine.begin() as connection, writes_behind(connection):
        assert behind(connection) is None
        sql.insert(connection, ITEM, [{"name": "x"}])
    assert _names(sqlite_engine, ITEM) == [(1, "x")]


def test_two_threads_writing_behind_at_once_restore_the_switch_interval_once_both_end(
    tmp_path: Path,
) -> None:
    interval = sys.getswitchinterval()
    engines = [db.open_database(f"sqlite:///{tmp_path / f'{n}.db'}") for n in range(2)]
    for engine in engines:
        METADATA.create_all(engine)
    inside = threading.Barrier(2)
    leave = [threading.Event(), threading.Event()]
    during: list[float] = []

    def write(n: int) -> None:
        with engines[n].begin() as connection, writes_behind(connection):
            sql.insert(connection, ITEM, [{"name": "x"}])
            inside.wait()
            leave[n].wait()
            during.append(sys.getswitchinterval())

    threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    leave[0].set()
    threads[0].join()
    leave[1].set()
    threads[1].join()
    assert during[0] < interval and during[1] < interval  # still low while the other is open
    assert sys.getswitchinterval() == interval
    for engine in engines:
        engine.dispose()


@contextmanager
def _written_in_place(connection: sa.Connection) -> Iterator[None]:
    yield


def _catalog(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, without the moments they were written."""
    moments = {"at", "created_at", "updated_at", "decided_at"}
    return {
        part: [{k: v for k, v in row.items() if k not in moments} for row in rows]
        for part, rows in snapshot(engine).parts.items()
    }


def _changed(stack: SyntheticStack) -> SyntheticStack:
    """The same tools with every other one's category, owner and terms changed, and the links
    of another stack between the same tools."""
    other = synthetic_stack(len(stack.tools), len(stack.integrations), seed=99)
    tools = [
        replace(t, category=o.category, owner=o.owner, cost=o.cost, renewal=o.renewal)
        if n % 2
        else t
        for n, (t, o) in enumerate(zip(stack.tools, other.tools, strict=True))
    ]
    index = {t.name: n for n, t in enumerate(other.tools)}
    links = [
        (tools[index[s]].name, tools[index[t]].name, method, frequency)
        for s, t, method, frequency in other.integrations
    ]
    return SyntheticStack(tools, links)


def test_an_import_and_a_reimport_write_the_same_catalog_with_writes_behind_as_without(
    tmp_path: Path, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = synthetic_stack(1500, 4000, seed=3)
    first = write_workbook(tmp_path / "first.xlsx", stack)
    second = write_workbook(tmp_path / "second.xlsx", _changed(stack))
    catalogs = {}
    for name in ("behind", "in place"):
        if name == "in place":
            monkeypatch.setattr(inventory, "writes_behind", _written_in_place)
        engine = db.open_database(f"sqlite:///{tmp_path / name}.db")
        catalog = Inventory(engine, reference, actor="tester")
        for workbook in (first, second):
            catalog.apply_import(catalog.plan_import(workbook), skip_invalid=True)
        catalogs[name] = _catalog(engine)
        catalog.close()
    history = catalogs["behind"]["history.yaml"]
    assert {h["action"] for h in history} == {"create", "update"}
    assert len(catalogs["behind"]["integrations.yaml"]) > 4000
    assert catalogs["behind"] == catalogs["in place"]


def test_an_import_writes_its_links_first_and_the_keys_are_checked_at_once_again_after_it(
    tmp_path: Path, reference: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With writes behind, an import hands its links to the writer before their tools, the
    # foreign keys checked as it commits; the next transaction checks them at once again.
    order: list[str] = []
    insert = sql.insert_columns

    def noted(connection: sa.Connection, table: sa.Table, *args: Any, **kwargs: Any) -> None:
        order.append(table.name)
        insert(connection, table, *args, **kwargs)

    monkeypatch.setattr(sql, "insert_columns", noted)
    engine = db.open_database(f"sqlite:///{tmp_path / 'catalog.db'}")
    catalog = Inventory(engine, reference, actor="tester")
    stack = synthetic_stack(40, 80, seed=5)
    catalog.apply_import(catalog.plan_import(write_workbook(tmp_path / "s.xlsx", stack)))
    assert order.index("integration") < order.index("tool")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO integration (source_tool_id, target_tool_id, method, direction, "
            "status, data_objects, created_at, updated_at) VALUES (987654, 987655, 'api', "
            "'one_way', 'active', '[]', '2026-01-01', '2026-01-01')"
        )
    catalog.close()
