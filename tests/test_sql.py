"""The store's generic statements, on every backend: rows written by executemany read back
exactly as the ORM would have stored them, ids come back in the rows' order, and updates
touch only what they name — past the bound-parameter chunk size too."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from stackmap import bulk, db
from stackmap.store import sql

METADATA = sa.MetaData()
ITEM = sa.Table(
    "sql_item",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("day", sa.Date),
    sa.Column("at", sa.DateTime),
    sa.Column("amount", sa.Numeric(14, 2)),
    sa.Column("tags", sa.JSON),
    sa.Column("note", sa.Text),
)
# A value for each of ITEM's columns but its id.
ITEM_ROW = {
    "name": "x",
    "day": date(2027, 1, 1),
    "at": datetime(2027, 1, 1, 9),
    "amount": Decimal("1.50"),
    "tags": ["a"],
    "note": "n",
}
MANY = sql.CHUNK * 2 + 7  # more rows than one statement's bound parameters allow


@pytest.fixture
def engine(backend_url: str) -> Iterator[sa.Engine]:
    engine = db.open_database(backend_url)
    METADATA.create_all(engine)
    yield engine
    METADATA.drop_all(engine)
    engine.dispose()


def _rows(engine: sa.Engine) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as connection:
        return list(connection.execute(sa.select(ITEM).order_by(ITEM.c.id)))


def test_inserted_values_read_back_as_the_orm_stores_them(engine: sa.Engine) -> None:
    at = datetime(2027, 3, 31, 9, 30, tzinfo=UTC).replace(tzinfo=None)
    row = {
        "name": "HubSpot",
        "day": date(2027, 3, 31),
        "at": at,
        "amount": Decimal("12600.50"),
        "tags": ["crm", "email"],
        "note": None,
    }
    with engine.begin() as connection:
        sql.insert(connection, ITEM, [row])
        connection.execute(ITEM.insert().values(**{**row, "name": "by core"}))
    fast, core = _rows(engine)
    assert fast._mapping["name"] == "HubSpot"
    # Whatever the ORM's statement stores, the executemany path stores the same.
    for column in ("day", "at", "amount", "tags", "note"):
        assert fast._mapping[column] == core._mapping[column], column
    assert fast._mapping["amount"] == Decimal("12600.50")
    assert fast._mapping["tags"] == ["crm", "email"]
    assert fast._mapping["day"] == date(2027, 3, 31)


def test_json_objects_shared_by_rows_are_each_stored_as_they_are(engine: sa.Engine) -> None:
    # Serialised once per object, by identity: a shared list, a list equal to it but its
    # own, lists made and dropped while the rows are built (whose ids Python may reuse), and
    # no value, each read back as it was given.
    shared = ["crm", "email"]
    rows: list[dict[str, object]] = [
        {"name": "a", "tags": shared},
        {"name": "b", "tags": ["crm", "email"]},
    ]
    rows += [{"name": f"c{n}", "tags": [n, str(n)]} for n in range(50)]
    rows += [{"name": "d", "tags": shared}, {"name": "e", "tags": None}, {"name": "f"}]
    with engine.begin() as connection:
        sql.insert(connection, ITEM, rows)
    assert [(r.name, r.tags) for r in _rows(engine)] == [
        (row["name"], row.get("tags")) for row in rows
    ]


@pytest.mark.parametrize("count", [1, 3, 4, 5, 8, 9])
def test_rows_split_across_statements_read_back_whole_and_in_order(
    engine: sa.Engine, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Four rows a statement: one short, one exact, one over, two full, two full and one.
    monkeypatch.setattr(sql, "ROWS_PER_STATEMENT", 4)
    rows = [{"name": f"t{n}", "day": date(2027, 1, 1 + n), "tags": [n]} for n in range(count)]
    with engine.begin() as connection:
        ids = sql.insert_returning_ids(connection, ITEM, rows)
    assert [(r.id, r.name, r.day, r.tags) for r in _rows(engine)] == [
        (i, row["name"], row["day"], row["tags"]) for i, row in zip(ids, rows, strict=True)
    ]


def test_a_sqlite_build_binding_few_parameters_gets_statements_it_accepts(
    engine: sa.Engine,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's limit on bound parameters; PostgreSQL writes by executemany")
    rows = [{"name": f"t{n}", "note": "n", "amount": Decimal(n)} for n in range(50)]
    with engine.begin() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        # Ten parameters: three rows of three values, then one row of seven (with its id).
        driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)
        sql.insert(connection, ITEM, rows)
        sql.insert(
            connection, ITEM, [{**ITEM_ROW, "name": f"w{n}"} for n in range(5)], range(90, 95)
        )
    read = _rows(engine)
    assert [(r.name, r.note, r.amount) for r in read[:50]] == [
        (row["name"], "n", row["amount"]) for row in rows
    ]
    assert [(r.id, r.name) for r in read[50:]] == [(90 + n, f"w{n}") for n in range(5)]


def test_a_key_missing_from_a_later_row_is_null(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        sql.insert(connection, ITEM, [{"name": "a", "note": "x"}, {"name": "b"}])
    assert [(r.name, r.note) for r in _rows(engine)] == [("a", "x"), ("b", None)]


def test_ids_come_back_in_the_order_of_the_rows_after_the_existing_ones(
    engine: sa.Engine,
) -> None:
    with engine.begin() as connection:
        connection.execute(ITEM.insert().values(name="already there"))
    names = [f"tool {n:05d}" for n in range(MANY)][::-1]  # not in id or name order
    with engine.begin() as connection:
        ids = sql.insert_returning_ids(connection, ITEM, [{"name": n} for n in names])
    assert len(ids) == len(set(ids)) == MANY
    stored = {r.id: r.name for r in _rows(engine)}
    assert [stored[i] for i in ids] == names
    assert min(ids) > min(stored)  # after the row the ORM inserted, no collision
    with engine.begin() as connection:  # and the backend's own numbering carries on after them
        connection.execute(ITEM.insert().values(name="after"))
    assert max(stored) < max(r.id for r in _rows(engine))


def test_ids_go_with_their_rows_of_any_shape_and_a_row_with_its_own_id_is_refused(
    engine: sa.Engine,
) -> None:
    day = date(2027, 1, 31)
    rows: list[dict[str, object]] = [
        {"name": "a", "day": day, "tags": ["x"]},
        {"name": "b", "day": None, "tags": []},
    ]
    uneven: list[dict[str, object]] = [{"name": "c", "note": "kept"}, {"name": "d"}]
    with engine.begin() as connection:
        first = sql.insert_returning_ids(connection, ITEM, rows)
        second = sql.insert_returning_ids(connection, ITEM, uneven)
    stored = {r.id: (r.name, r.day, r.tags, r.note) for r in _rows(engine)}
    assert [stored[i] for i in first + second] == [
        ("a", day, ["x"], None),
        ("b", None, [], None),
        ("c", None, None, "kept"),
        ("d", None, None, None),
    ]
    with engine.begin() as connection, pytest.raises(ValueError, match="ids for"):
        sql.insert(connection, ITEM, [{"id": 99, "name": "e"}], [100])


def test_updates_by_id_touch_only_the_columns_each_row_names(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        ids = sql.insert_returning_ids(
            connection, ITEM, [{"name": f"t{n}", "note": "keep"} for n in range(MANY)]
        )
    updates = [{"id": i, "name": f"renamed {i}"} for i in ids[: MANY // 2]]
    updates += [{"id": i, "note": f"noted {i}", "amount": Decimal(i)} for i in ids[MANY // 2 :]]
    with engine.begin() as connection:
        sql.update_by_id(connection, ITEM, updates)
    rows = {r.id: r for r in _rows(engine)}
    for i in ids[: MANY // 2]:
        assert (rows[i].name, rows[i].note, rows[i].amount) == (f"renamed {i}", "keep", None)
    for i in ids[MANY // 2 :]:
        assert rows[i].name.startswith("t") and rows[i].note == f"noted {i}"
        assert rows[i].amount == Decimal(i)


def test_nothing_to_write_is_no_statement(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        sql.insert(connection, ITEM, [])
        assert sql.insert_returning_ids(connection, ITEM, []) == []
        sql.update_by_id(connection, ITEM, [])
    assert _rows(engine) == []


def test_chunks_cover_every_value_once_within_the_limit() -> None:
    values = list(range(MANY))
    parts = list(sql.chunks(values))
    assert [v for part in parts for v in part] == values
    assert max(len(p) for p in parts) == sql.CHUNK and len(parts) == 3


def test_columns_of_repeated_and_missing_values_read_back_row_by_row(engine: sa.Engine) -> None:
    # Each distinct value of a column is converted once and shared by the rows that hold it:
    # every row must still read back its own value, NULLs included, as the ORM stores them.
    days = [date(2027, 3, 31), None, date(2026, 1, 1)]
    amounts = [Decimal("12600.50"), Decimal("0.00"), None, Decimal("1")]
    rows = [
        {
            "name": f"Tool {i}",
            "day": days[i % 3],
            "at": datetime(2027, 1, 1 + i % 5, 9, 30),
            "amount": amounts[i % 4],
            "tags": [f"t{i % 2}"] if i % 3 else [],
            "note": None if i % 2 else "n",
        }
        for i in range(MANY)
    ]
    with engine.begin() as connection:
        sql.insert(connection, ITEM, rows)
        connection.execute(ITEM.insert(), [{**row, "name": f"core {row['name']}"} for row in rows])
    read = _rows(engine)
    fast, core = read[:MANY], read[MANY:]
    for row, one, other in zip(rows, fast, core, strict=True):
        for column in ("day", "at", "amount", "tags", "note"):
            assert one._mapping[column] == other._mapping[column], (row["name"], column)
        assert one._mapping["day"] == row["day"] and one._mapping["tags"] == row["tags"]
        assert one._mapping["amount"] == row["amount"]


@pytest.mark.parametrize("count", [3, bulk.IN_LIST_LIMIT, bulk.IN_LIST_LIMIT + 1, MANY])
def test_reads_among_keys_find_the_same_rows_by_chunks_or_the_whole_table(
    engine: sa.Engine, count: int
) -> None:
    with engine.begin() as connection:
        sql.insert(connection, ITEM, [{"name": f"Tool {i}"} for i in range(2 * MANY)])
        wanted = [f"Tool {i}" for i in range(0, 2 * count, 2)]  # every other row
        statements = sql.among(sa.select(ITEM.c.name), ITEM.c.name, wanted)
        found = {name for s in statements for (name,) in connection.execute(s)}
    whole = count > bulk.IN_LIST_LIMIT
    assert len(statements) == (1 if whole else len(list(sql.chunks(wanted))))
    assert all((s.whereclause is None) == whole for s in statements)
    # The whole table holds every wanted row (the caller keeps those it asked for).
    assert set(wanted) <= found and (whole or found == set(wanted))


@pytest.mark.parametrize("count", [1, 2, 5, MANY])
def test_a_column_holding_one_value_in_every_row_reads_back_as_written_row_by_row(
    engine: sa.Engine, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite binds such a column once per statement; the rows must read back as the ORM
    # stores them, whatever their number, across statements, and with every column the same
    # (then nothing varies and every value is bound with its row).
    monkeypatch.setattr(sql, "ROWS_PER_STATEMENT", 4)
    moment, tags = datetime(2027, 1, 1, 9), ["a"]
    rows = [
        {"name": f"t{n}", "at": moment, "tags": tags, "note": None, "amount": Decimal("2.00")}
        for n in range(count)
    ]
    alike = [{"name": "same", "at": moment, "tags": tags} for _ in range(count)]
    with engine.begin() as connection:
        sql.insert(connection, ITEM, rows)
        connection.execute(ITEM.insert(), [{**row, "name": f"core {row['name']}"} for row in rows])
        sql.insert(connection, ITEM, alike)
    read = _rows(engine)
    fast, core, same = read[:count], read[count : 2 * count], read[2 * count :]
    for one, other in zip(fast, core, strict=True):
        for column in ("at", "amount", "tags", "note", "day"):
            assert one._mapping[column] == other._mapping[column], column
    assert [r.name for r in fast] == [row["name"] for row in rows]
    assert [(r.name, r.at, r.tags) for r in same] == [("same", moment, tags)] * count


def test_equal_values_of_two_types_in_one_column_are_each_stored_as_their_own(
    engine: sa.Engine,
) -> None:
    # 1, 1.0 and TRUE are equal in Python: a column of them is not one value bound once.
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite stores each value with its own type; PostgreSQL's column decides")
    # A column of no declared type, as SQLite allows: each value keeps its own storage class.
    table = sa.Table(
        "sql_loose",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.types.NullType()),
    )
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE sql_loose (id INTEGER PRIMARY KEY, value)")
        sql.insert_columns(connection, table, {"value": [1, 1.0, True, 1]}, [1, 2, 3, 4])
        stored = connection.exec_driver_sql(
            "SELECT typeof(value), value FROM sql_loose ORDER BY id"
        ).fetchall()
    assert stored == [("integer", 1), ("real", 1.0), ("integer", 1), ("integer", 1)]
