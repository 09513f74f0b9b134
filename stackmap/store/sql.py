"""Set-based statements on any table: the generic half of the store.

Core statements, not ORM bulk operations: the ORM's per-row bookkeeping costs more than the
database's work at 20,000 rows. This is the code most exposed to a SQLAlchemy upgrade (bind
processors, driver-level executemany, id sequences), so it is kept apart, knows no entity,
and is tested on its own on SQLite and PostgreSQL (tests/test_sql.py).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from stackmap.db import json_dumps

CHUNK = 900  # stays under SQLite's default limit of bound parameters per statement


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """The values in slices small enough for one statement's bound parameters."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _memoised(process: Any) -> Any:
    """Wrap a bind processor so a value seen before (a date, the batch's timestamp) is
    converted once; unhashable values (JSON lists) are converted every time."""
    if process is None:
        return None
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = process(value)
            return result
        except TypeError:
            return process(value)

    return convert


def processor(column_type: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> Any:
    """Return the function that turns a Python value into what the driver stores, or None.

    The dialect's own implementation of the type decides (a generic DateTime has no processor,
    SQLite's stores text in its own format): rows written here must be stored exactly like
    rows the ORM writes. SQLite's JSON is serialised directly, skipping SQLAlchemy's wrapper,
    and every other processor is memoised (dates and the batch timestamp repeat).
    """
    if dialect.name == "sqlite" and isinstance(column_type, sa.JSON):
        return json_dumps
    return _memoised(column_type.dialect_impl(dialect).bind_processor(dialect))


def insert(
    connection: sa.Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    ids: Sequence[int] | None = None,
) -> None:
    """Insert rows with one driver-level executemany; `ids`, when given, are their `id`s.

    Values go through each column type's own bind processor, so they are stored exactly as
    SQLAlchemy would store them; what is skipped is its per-row statement bookkeeping. The
    first row's keys name the columns; a key missing from a later row is NULL.
    """
    if not rows:
        return
    dialect = connection.dialect
    names = list(rows[0])
    if ids is not None and ("id" in names or len(ids) != len(rows)):
        raise ValueError(f"{len(ids)} ids for {len(rows)} rows (which must carry none)")
    processors = [processor(table.c[name].type, dialect) for name in names]
    # Take every row's values in one C-level call, then convert only the columns whose type
    # has a bind processor (dates, JSON, money): most columns need none.
    getter = operator.itemgetter(*names)
    ids_placed = False
    try:
        if len(names) == 1:
            data = [[getter(row)] for row in rows]
        elif ids is None:
            data = [list(getter(row)) for row in rows]
        else:  # the ids go at the end of each row's values, not into a copy of every row
            data = [[*getter(row), i] for row, i in zip(rows, ids, strict=True)]
            ids_placed = True
    except KeyError:  # rows of uneven shape: missing keys are NULL
        data = [[row.get(name) for name in names] for row in rows]
    if ids is not None:
        if not ids_placed:
            for values, i in zip(data, ids, strict=True):
                values.append(i)
        names.append("id")
    for index, process in enumerate(processors):
        if process is None:
            continue
        for values in data:
            value = values[index]
            if value is not None:
                values[index] = process(value)
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(n) for n in names)}) VALUES ({', '.join([marker] * len(names))})"
    )
    connection.exec_driver_sql(sql, [tuple(values) for values in data])


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
