"""Set-based statements on any table: the generic half of the store.

Core statements, not ORM bulk operations: the ORM's per-row bookkeeping costs more than the
database's work at 20,000 rows. This is the code most exposed to a SQLAlchemy upgrade (bind
processors, driver-level executemany, id sequences), so it is kept apart, knows no entity,
and is tested on its own on SQLite and PostgreSQL (tests/test_sql.py).
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterable, Sequence
from itertools import chain, islice, repeat
from typing import Any, TypeVar

import sqlalchemy as sa

from stackmap.bulk import IN_LIST_LIMIT
from stackmap.db import json_dumps
from stackmap.store.behind import behind

S = TypeVar("S", bound=sa.Select[*tuple[Any, ...]])
CHUNK = 900  # stays under SQLite's default limit of bound parameters per statement
# Rows per multi-row INSERT on SQLite (fewer when the build's parameter limit says so): one
# statement per row pays the driver's per-row round trip, a fifth of writing an import's
# 127,000 history rows; past about a thousand rows a statement gains nothing more.
ROWS_PER_STATEMENT = 1000


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """The values in slices small enough for one statement's bound parameters."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def among(statement: S, column: Any, keys: Sequence[Any]) -> list[S]:
    """The statements that read the rows whose `column` is one of `keys`: one per chunk of
    keys or, past bulk.IN_LIST_LIMIT keys, one over the whole table (the caller then keeps
    only the rows it asked for)."""
    if len(keys) > IN_LIST_LIMIT:
        return [statement]
    return [statement.where(column.in_(chunk)) for chunk in chunks(keys)]


def _converted(process: Any, column: Sequence[Any], json: bool) -> list[Any]:
    """One column's values as the driver stores them; NULL stays NULL.

    A column of hashable values (dates, the batch's timestamp, money, flags) repeats itself:
    each distinct value is converted once and the column mapped through the results in C.
    JSON values (lists, dicts) cannot be keys: each object is serialised once, by identity
    (the writers share one object among the rows that say the same thing: 100,000 new links
    carry a few dozen histories and lists of data objects). Every object is alive in
    `column` for the whole call, so no two of them share an id.
    """
    if not json:
        try:
            done = {value: process(value) for value in set(column) if value is not None}
        except TypeError:  # an unhashable value in a column that is not JSON
            pass
        else:
            done[None] = None
            return list(map(done.__getitem__, column))
        return [None if value is None else process(value) for value in column]
    ids = list(map(id, column))
    distinct = dict(zip(ids, column, strict=True))
    stored = {key: None if value is None else process(value) for key, value in distinct.items()}
    return list(map(stored.__getitem__, ids))


def processor(column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Any:
    """Return the function that turns a Python value into what the driver stores, or None.

    The dialect's own implementation of the type decides (a generic DateTime has no processor,
    SQLite's stores text in its own format): rows written here must be stored exactly like
    rows the ORM writes. SQLite's JSON is serialised directly, skipping SQLAlchemy's wrapper.
    """
    if dialect.name == "sqlite" and isinstance(column_type, sa.JSON):
        return json_dumps
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _column(rows: Sequence[dict[str, Any]], name: str) -> list[Any]:
    """One key's values across the rows, None where a row lacks it."""
    try:
        return list(map(operator.itemgetter(name), rows))
    except KeyError:  # rows of uneven shape: missing keys are NULL
        return [row.get(name) for row in rows]


def insert(
    connection: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    ids: Sequence[int] | None = None,
) -> None:
    """Insert rows in bulk (see insert_columns); `ids`, when given, are their `id`s.

    The first row's keys name the columns; a key missing from a later row is NULL (see
    insert_columns).
    """
    if not rows:
        return
    insert_columns(connection, table, {name: _column(rows, name) for name in rows[0]}, ids)


def insert_columns(
    connection: sa.Connection,
    table: sa.Table,
    columns: dict[str, Sequence[Any]],
    ids: Sequence[int] | None = None,
) -> None:
    """Insert rows given column by column (every column as long as the others): on SQLite
    with multi-row statements, elsewhere with one driver-level executemany; `ids`, when
    given, are their `id`s.

    Values go through each column type's own bind processor, so they are stored exactly as
    SQLAlchemy would store them; what is skipped is its per-row statement bookkeeping.
    """
    count = len(next(iter(columns.values()), ()))
    if not count:
        return
    if any(len(values) != count for values in columns.values()):
        raise ValueError("columns of different lengths")
    dialect = connection.dialect
    names = list(columns)
    if ids is not None and ("id" in names or len(ids) != count):
        raise ValueError(f"{len(ids)} ids for {count} rows (which must carry none)")
    # Column by column, so that converting the values and making the driver's parameter
    # tuples are C-level loops: a 20,000-tool import writes a million values.
    converted: list[Sequence[Any]] = []
    for name, column in columns.items():
        column_type = table.c[name].type
        process = processor(column_type, dialect)
        if process is not None:
            column = _converted(process, column, isinstance(column_type, sa.JSON))
        converted.append(column)
    if ids is not None:
        names.append("id")
        converted.append(ids)
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    into = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
    if dialect.name != "sqlite":
        # psycopg batches an executemany itself (pipeline mode).
        row = f"({', '.join([marker] * len(names))})"
        head = f"{into}({', '.join(quote(n) for n in names)}) VALUES "
        connection.exec_driver_sql(head + row, list(zip(*converted, strict=True)))
        return
    # A column holding one value in every row (the batch's timestamp, its actor, a link's
    # default status) is bound once per statement, not once per row: binding is most of a
    # multi-row insert's work, done holding the interpreter's lock. Only the very same object
    # in every row counts (equal values of two types are stored apart).
    # (all() over operator.is_ stops at the first other object, in C: a set of every row's
    # id per column cost 0.7 s for 500,000 links.)
    same = [
        i
        for i, column in enumerate(converted)
        if count > 1 and all(map(operator.is_, column, repeat(column[0])))
    ]
    varying = [i for i in range(len(names)) if i not in same]
    if not same or not varying:
        same, varying = [], list(range(len(names)))
    columns_sql = ", ".join(quote(names[i]) for i in [*varying, *same])
    row = f"({', '.join([marker] * len(varying))})"
    if same:
        picked = ", ".join(
            [f"column{n}" for n in range(1, len(varying) + 1)] + [marker] * len(same)
        )
        head = f"{into}({columns_sql}) SELECT {picked} FROM (VALUES "
        tail = ")"
        constants: tuple[Any, ...] = tuple(converted[i][0] for i in same)
    else:
        head, tail, constants = f"{into}({columns_sql}) VALUES ", "", ()
    # The rows made a statement's worth at a time: the first insert is on its way (see
    # store.behind) before the last rows are made.
    rows = zip(*(converted[i] for i in varying), strict=True)
    per = _rows_per_statement(connection, len(varying), len(same))
    full = head + ", ".join([row] * per) + tail
    writes = behind(connection)
    for _ in range(0, count, per):
        part = list(islice(rows, per))
        statement = full if len(part) == per else head + ", ".join([row] * len(part)) + tail
        values = constants + tuple(chain.from_iterable(part))
        if writes is not None:
            writes.insert(table.name, statement, values)
        else:
            connection.exec_driver_sql(statement, values)


def _rows_per_statement(connection: sa.Connection, width: int, once: int = 0) -> int:
    """How many rows of `width` values one SQLite statement may carry beside `once` values
    bound for all of them: ROWS_PER_STATEMENT, or fewer when this build of SQLite binds
    fewer parameters (999 before 3.32)."""
    driver = connection.connection.driver_connection
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if driver is not None else 999
    return max(1, min(ROWS_PER_STATEMENT, (limit - once) // width))


def reserve_ids(connection: sa.Connection, table: sa.Table, count: int) -> list[int]:
    """Ids for `count` new rows of a table with an integer `id` key, in ascending order."""
    if connection.dialect.name == "postgresql":
        # Sequences hand out ids safely to concurrent transactions.
        stmt = sa.text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
        )
        return list(connection.execute(stmt, {"table": table.name, "count": count}).scalars())
    # SQLite: writers hold the database's write lock (BEGIN IMMEDIATE), so the highest id
    # cannot move under us; this is the id SQLite itself would assign next.
    highest = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    return list(range(highest + 1, highest + 1 + count))


def insert_returning_ids(
    connection: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert rows and return their new ids, in the order of the rows.

    The ids are reserved first and inserted explicitly: SQLite cannot return the ids of a
    multi-row insert in order, and falls back to one statement per row.
    """
    if not rows:
        return []
    ids = reserve_ids(connection, table, len(rows))
    insert(connection, table, rows, ids)
    return ids


def update_by_id(
    connection: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Update rows by primary key; rows changing the same columns share one statement."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for columns, group in groups.items():
        stmt = (
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values({c: sa.bindparam(f"new_{c}") for c in columns})
        )
        params = [{"row_id": r["id"], **{f"new_{c}": r[c] for c in columns}} for r in group]
        for chunk in chunks(params):
            connection.execute(stmt, list(chunk))
