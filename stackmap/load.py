"""A dump read back into a catalog: every record checked against its column, written in one
transaction, the catalog refused unless empty (load) or emptied first (restore).

A directory is streamed a batch of records at a time (`load_catalog`); a snapshot already in
memory (a backup archive) is written whole (`load_snapshot`). Values are decoded from the
dump's text as `stackmap.dump` wrote them: dates and timestamps in ISO form, money as text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from stackmap import db
from stackmap.bulk import bulk_work
from stackmap.dump import (
    PARTS,
    TABLES,
    Part,
    Snapshot,
    file_records,
    manifest_revision,
    reader,
)
from stackmap.dumpfiles import DECISION_FIELDS, as_utc
from stackmap.errors import InvalidValueError
from stackmap.store import sql
from stackmap.store.behind import writes_behind


def _decoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    while isinstance(kind, sa.TypeDecorator):  # SQLModel's UTCDateTime, AutoString, ...
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return _structure
    if isinstance(kind, sa.Boolean):
        return _boolean
    if isinstance(kind, sa.Integer):
        return _integer
    if isinstance(kind, sa.Numeric):
        return _money
    if isinstance(kind, sa.DateTime):
        return lambda value: as_utc(datetime.fromisoformat(str(value)))
    if isinstance(kind, sa.Date):
        return lambda value: value if isinstance(value, date) else date.fromisoformat(str(value))
    return _text


def _structure(value: Any) -> list[Any] | dict[str, Any]:
    # Every JSON column holds a list (tags, business units) or a mapping (extra, changes).
    if not isinstance(value, list | dict):
        raise ValueError("expected a list or a mapping")
    return value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    return value


def _money(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected an amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("expected an amount") from None
    if not amount.is_finite():
        raise ValueError("expected an amount")
    return amount


def _text(value: Any) -> str:
    if isinstance(value, list | dict):
        raise ValueError("expected text")
    return str(value)


def _decoded(part: Part, rows: list[dict[str, Any]], first: int = 1) -> Iterator[dict[str, Any]]:
    """Check and decode records one by one: the error names the first bad record and field."""
    columns = {c.name: c for c in part.columns}
    decoders = {name: _decoder(column) for name, column in columns.items()}
    for number, row in enumerate(rows, start=first):
        unknown = set(row) - set(columns)
        if unknown:
            raise InvalidValueError(
                f"{part.file}: record {number}: unknown field {sorted(unknown)[0]!r}"
            )
        values: dict[str, Any] = {}
        for name, column in columns.items():
            value = row.get(name)
            if value is None:
                if not column.nullable:
                    raise InvalidValueError(
                        f"{part.file}: record {number}, field {name!r}: a value is required"
                    )
                values[name] = None
                continue
            try:
                values[name] = decoders[name](value)
            except (ValueError, TypeError) as exc:
                raise InvalidValueError(
                    f"{part.file}: record {number}, field {name!r}: {exc}: {str(value)[:60]!r}"
                ) from None
        yield values


class _Irregular(Exception):
    """A batch the column-wise decoder leaves to the record-by-record one."""


# What a decoder returns its value unchanged as: a column whose values are all of these types
# (or None) needs no call per value.
_ALREADY: dict[Callable[[Any], Any], frozenset[type]] = {
    _text: frozenset({str, type(None)}),
    _integer: frozenset({int, type(None)}),
    _boolean: frozenset({bool, type(None)}),
    _structure: frozenset({list, dict, type(None)}),
}


@dataclass(frozen=True)
class _Columns:
    names: tuple[str, ...]
    known: frozenset[str]
    checks: tuple[tuple[str, bool, Callable[[Any], Any], frozenset[type] | None], ...]


@functools.cache
def _columns(part: Part) -> _Columns:
    checks = []
    for column in part.columns:
        decoder = _decoder(column)
        checks.append((column.name, bool(column.nullable), decoder, _ALREADY.get(decoder)))
    names = tuple(c.name for c in part.columns)
    return _Columns(names, frozenset(names), tuple(checks))


def decode_batch(part: Part, rows: list[dict[str, Any]], first: int = 1) -> list[dict[str, Any]]:
    """Check and decode a batch of a part's records (numbered from `first`) into rows.

    Column by column, which is what makes loading 300,000 records quick: a column of text or
    whole numbers is checked with one pass over its types. Anything irregular (an unknown
    field, a missing value, a number where text belongs) sends the batch through `_decoded`,
    which converts what it can and names the first record it cannot."""
    try:
        return _decode_columns(_columns(part), rows)
    except _Irregular:
        return list(_decoded(part, rows, first))


def _decode_columns(spec: _Columns, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    known = spec.known
    for row in rows:
        if not row.keys() <= known:
            raise _Irregular
    values: list[list[Any]] = []
    for name, nullable, decoder, already in spec.checks:
        column = [row.get(name) for row in rows]
        if not nullable and None in column:
            raise _Irregular
        if already is not None:
            if not set(map(type, column)) <= already:
                raise _Irregular
        else:
            try:
                column = [None if v is None else decoder(v) for v in column]
            except (ValueError, TypeError):
                raise _Irregular from None
        values.append(column)
    names = spec.names
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def rows_by_table(snap: Snapshot) -> dict[sa.Table, list[dict[str, Any]]]:
    """Turn a snapshot's files into rows per table, decisions merged into their tools."""
    tables: dict[sa.Table, list[dict[str, Any]]] = {}
    decisions: dict[int, dict[str, Any]] = {}
    for part in PARTS:
        rows = decode_batch(part, snap.parts.get(part.file, []))
        if part.file == "decisions.yaml":
            decisions = {row["id"]: row for row in rows}
            continue
        tables[part.table] = rows
    tools = {row["id"]: row for row in tables[_TOOLS.table]}
    for tool_id, decision in decisions.items():
        if tool_id not in tools:
            raise InvalidValueError(f"decisions.yaml: tool id {tool_id} is not in tools.yaml")
        tools[tool_id].update({name: decision[name] for name in DECISION_FIELDS})
    for row in tools.values():
        for name in DECISION_FIELDS:
            row.setdefault(name, None)
    return tables


def catalog_rows(conn: sa.Connection) -> int:
    """Return how many rows the catalog holds in all."""
    return sum(
        int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)
        for table in TABLES
    )


def insert_rows(conn: sa.Connection, tables: dict[sa.Table, list[dict[str, Any]]]) -> None:
    """Insert rows with their ids kept, in foreign-key order, then move id sequences past them."""
    for table in TABLES:
        # The store's executemany with the columns' own bind processors: stored exactly as
        # the ORM stores them, without compiling parameters per row (4 s of a 20k load).
        rows = tables.get(table, [])
        for start in range(0, len(rows), 5000):  # the driver's copy of a batch, not a table
            sql.insert(conn, table, rows[start : start + 5000])
    db.advance_sequences(conn, TABLES)


def delete_rows(conn: sa.Connection) -> None:
    """Empty every catalog table, dependants first."""
    for table in reversed(TABLES):
        conn.execute(table.delete())


def load_catalog(engine: sa.Engine, directory: Path) -> dict[str, int]:
    """Load a dump directory into an empty catalog, all or nothing; return rows per file.

    Streamed: each file is read, checked and inserted a batch of records at a time, so memory
    stays flat however large the dump; one transaction, so a bad record anywhere leaves the
    catalog as it was. A file edited by hand into other YAML is read whole."""
    label = str(directory)
    read = reader(directory)
    manifest_revision(label, read)
    with bulk_work():  # hundreds of thousands of rows read and decoded: no cycles among them
        decisions = {
            row["id"]: row
            for row in decode_batch(_DECISIONS, file_records(_DECISIONS, label, read))
        }
        counts: dict[str, int] = {}
        with (
            db.write_connection(engine) as conn,
            _into_empty(conn, label, replace=False),
            # Each batch's rows are written while the next batch is read and checked.
            writes_behind(conn),
        ):
            for part in PARTS:
                if part is _DECISIONS:
                    counts[part.file] = len(decisions)
                    continue
                counts[part.file] = _load_part(conn, part, directory, label, decisions)
            db.advance_sequences(conn, TABLES)
    return counts


@contextmanager
def _into_empty(conn: sa.Connection, label: str, *, replace: bool) -> Iterator[None]:
    """Around writing a dump's rows: the catalog emptied first (replace) or refused unless
    empty, and rows that break a constraint reported as one line naming the dump."""
    if replace:
        delete_rows(conn)
    elif existing := catalog_rows(conn):
        raise InvalidValueError(
            f"the catalog is not empty ({existing:,} rows): load needs an empty catalog "
            "(restore replaces one)"
        )
    try:
        yield
    except sa.exc.IntegrityError as exc:
        reason = str(exc.orig).splitlines()[0]
        raise InvalidValueError(f"{label}: records contradict each other: {reason}") from None


_DECISIONS = next(part for part in PARTS if part.file == "decisions.yaml")
_TOOLS = next(part for part in PARTS if part.file == "tools.yaml")
_LOAD_BATCH = 1000  # the driver's copy of a batch, not of a table: a few MB


class _HandWritten(Exception):
    """A file that is not one record per line as dump writes it."""


def _load_part(
    conn: sa.Connection,
    part: Part,
    directory: Path,
    label: str,
    decisions: dict[int, dict[str, Any]],
) -> int:
    """Insert one file's records a batch at a time; return how many."""
    try:
        return _insert_batches(conn, part, _line_batches(directory / part.file), decisions)
    except _HandWritten:
        # Read whole with the YAML parser instead, in place of what was inserted so far.
        conn.execute(part.table.delete())
        rows = file_records(part, label, reader(directory))
        batches = (rows[i : i + _LOAD_BATCH] for i in range(0, len(rows), _LOAD_BATCH))
        return _insert_batches(conn, part, batches, decisions)


def _insert_batches(
    conn: sa.Connection,
    part: Part,
    batches: Iterator[list[dict[str, Any]]],
    decisions: dict[int, dict[str, Any]],
) -> int:
    count = 0
    seen: set[int] = set()
    for records in batches:
        rows = decode_batch(part, records, count + 1)
        if part is _TOOLS:
            seen.update(row["id"] for row in rows)
            for row in rows:
                decision = decisions.get(row["id"])
                for name in DECISION_FIELDS:
                    row[name] = decision[name] if decision else None
        sql.insert(conn, part.table, rows)
        count += len(rows)
    if part is _TOOLS:
        for tool_id in decisions:
            if tool_id not in seen:
                raise InvalidValueError(f"decisions.yaml: tool id {tool_id} is not in tools.yaml")
    return count


def _line_batches(path: Path) -> Iterator[list[dict[str, Any]]]:
    """A dump file's records, a batch at a time, read a line at a time; _HandWritten as soon
    as a line is not one record as dump writes it."""
    if not path.is_file():
        return
    loads = orjson.loads
    batch: list[dict[str, Any]] = []
    started = False
    try:
        with path.open("rb") as stream:
            for line in stream:
                if line.startswith(b"- {"):
                    try:
                        batch.append(loads(line[2:]))
                    except orjson.JSONDecodeError:
                        raise _HandWritten from None
                    started = True
                    if len(batch) == _LOAD_BATCH:
                        yield batch
                        batch = []
                elif line.strip() == b"" or (not started and line.strip() == b"[]"):
                    continue
                else:
                    raise _HandWritten
    except OSError as exc:
        raise InvalidValueError(f"{path}: {exc.strerror or exc}") from None
    if batch:
        yield batch


def load_snapshot(
    engine: sa.Engine, snap: Snapshot, label: str, *, replace: bool
) -> dict[str, int]:
    """Write a snapshot's rows into the catalog in one transaction; with replace, whatever
    the catalog held is deleted in the same transaction, else it must be empty."""
    tables = rows_by_table(snap)
    with (
        bulk_work(),
        db.write_connection(engine) as conn,
        _into_empty(conn, label, replace=replace),
    ):
        insert_rows(conn, tables)
    return snap.counts()
