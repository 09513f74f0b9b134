"""The whole catalog as plain, sorted YAML files a team can keep in git — and back.

One file per kind of record, one record per line, rows sorted by id, fields in the table's
column order, so a change in the catalog is a small, readable diff. Decisions (disposition,
note, who, when) are their own file because they are what a budget review changes.
`stackmap.load` reads such a directory into an empty catalog in one transaction; `dump` after
`load` gives the same files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import orjson
import sqlalchemy as sa
import yaml
from sqlmodel import SQLModel

from stackmap import __version__, db
from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.export.safe import atomic_write
from stackmap.models import (
    Change,
    Contract,
    ImportBatch,
    Integration,
    Owner,
    Tool,
    ToolCapability,
    ToolSpend,
    UntiedSpend,
    Vendor,
)

FORMAT = 1
MANIFEST = "stackmap.yaml"
DECISION_FIELDS = ("disposition", "decision_note", "decided_by", "decided_at")

try:  # libyaml's emitter and parser: a 20,000-tool catalog is half a million values
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def _table(model: type[SQLModel]) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class Part:
    """One file of a dump: which table, which of its columns, in which order."""

    file: str
    table: sa.Table
    exclude: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    order: tuple[str, ...] = ("id",)

    @property
    def columns(self) -> list[sa.Column[Any]]:
        if self.only:
            return [self.table.c[name] for name in self.only]
        return [c for c in self.table.columns if c.name not in self.exclude]


# In the order rows must be inserted: a row's foreign keys point to files above it.
PARTS = (
    Part("vendors.yaml", _table(Vendor)),
    Part("owners.yaml", _table(Owner)),
    Part("imports.yaml", _table(ImportBatch)),
    Part("tools.yaml", _table(Tool), exclude=DECISION_FIELDS),
    Part("decisions.yaml", _table(Tool), only=("id", "name", *DECISION_FIELDS)),
    Part("capabilities.yaml", _table(ToolCapability), order=("tool_id", "capability")),
    Part("contracts.yaml", _table(Contract)),
    Part("integrations.yaml", _table(Integration)),
    Part("spend.yaml", _table(ToolSpend)),
    Part("untied-spend.yaml", _table(UntiedSpend)),
    Part("history.yaml", _table(Change)),
)
TABLES = tuple(dict.fromkeys(part.table for part in PARTS))


# --- values ------------------------------------------------------------------------------


def as_utc(value: datetime) -> datetime:
    # Every timestamp is written in UTC; SQLite hands them back without a zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def encode(value: Any) -> Any:
    """Return a value as YAML writes it exactly: money and dates as text, the rest as is."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# --- reading the catalog -------------------------------------------------------------------


def read_part(conn: sa.Connection, part: Part) -> list[dict[str, Any]]:
    """Return a part's rows as plain values, sorted."""
    return list(_part_rows(conn, part))


def _part_rows(conn: sa.Connection, part: Part) -> Iterator[dict[str, Any]]:
    """A part's rows as plain values, sorted, fetched a batch at a time (a server cursor on
    PostgreSQL), never the whole table at once."""
    columns = part.columns
    stmt = sa.select(*columns).order_by(*(part.table.c[name] for name in part.order))
    if part.only:  # decisions: only the tools that have one
        stmt = stmt.where(sa.or_(*(part.table.c[name].is_not(None) for name in DECISION_FIELDS)))
    names = [c.name for c in columns]
    result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)
    for row in result:
        yield {name: encode(value) for name, value in zip(names, row, strict=True)}


_BATCH = 500


def _part_lines(conn: sa.Connection, part: Part) -> Iterator[bytes]:
    """A part's rows as the lines of its file (`- {json}`), sorted, a batch at a time.

    The same text as rows_text(read_part(...)), read straight from the driver: SQLAlchemy's
    result processing and `encode` cost seconds on a 20,000-tool catalog (a JSON decoder and
    a timestamp parser per value), and orjson writes dates, timestamps and numbers itself.
    Only the values the driver does not give as the dump writes them are converted."""
    columns = part.columns
    order = ", ".join(_quote(conn, name) for name in part.order)
    sql_text = (
        f"SELECT {', '.join(_quote(conn, c.name) for c in columns)} "
        f"FROM {_quote(conn, part.table.name)}"
    )
    if part.only:  # decisions: only the tools that have one
        sql_text += " WHERE " + " OR ".join(
            f"{_quote(conn, name)} IS NOT NULL" for name in DECISION_FIELDS
        )
    names = [c.name for c in columns]
    converters = [
        (index, convert)
        for index, column in enumerate(columns)
        if (convert := _driver_value(conn.dialect, column)) is not None
    ]
    dumps, options = orjson.dumps, orjson.OPT_NAIVE_UTC
    dbapi: Any = conn.connection.dbapi_connection
    # A server-side cursor on PostgreSQL: a batch at a time, never the whole table at once.
    named = (
        {"name": f"stackmap_dump_{part.table.name}"} if conn.dialect.name == "postgresql" else {}
    )
    cursor = dbapi.cursor(**named)
    try:
        cursor.execute(f"{sql_text} ORDER BY {order}")
        while batch := cursor.fetchmany(_BATCH):
            # Column by column: one comprehension per converted column, not a loop per value.
            values: list[Any] = list(zip(*batch, strict=True))
            for index, convert in converters:
                values[index] = [None if v is None else convert(v) for v in values[index]]
            yield _yaml_safe(
                b"".join(
                    [
                        b"- %s\n" % dumps(dict(zip(names, row, strict=True)), str, options)
                        for row in zip(*values, strict=True)
                    ]
                )
            )
    finally:
        cursor.close()


def _quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _driver_value(dialect: sa.Dialect, column: sa.Column[Any]) -> Callable[[Any], Any] | None:
    """What turns a column's value as the driver gives it into one orjson writes as `encode`
    does; None when the driver's value is already that (whole numbers, text, ISO dates)."""
    kind = column.type
    while isinstance(kind, sa.TypeDecorator):  # SQLModel's UTCDateTime, AutoString, ...
        kind = kind.impl_instance
    sqlite = dialect.name == "sqlite"
    if isinstance(kind, sa.JSON):
        # SQLite gives the JSON as text; PostgreSQL's driver has decoded it.
        if sqlite:
            return orjson.loads  # C, not a Python call per value: 300,000 of them at 20k
        return lambda value: orjson.loads(value) if isinstance(value, str | bytes) else value
    if isinstance(kind, sa.DateTime):
        # orjson writes a zoneless timestamp as UTC (+00:00), as `_utc` reads it; SQLite's
        # are stored zoneless, in UTC, always as text.
        return datetime.fromisoformat if sqlite else _timestamp
    if isinstance(kind, sa.Date):
        return None  # SQLite: ISO text already; PostgreSQL: a date orjson writes as ISO
    if isinstance(kind, sa.Numeric | sa.Boolean):
        # The column's own processor (SQLite: a number to Decimal at its scale, 0/1 to bool);
        # orjson writes the Decimal through `str`, as `encode` does.
        processor: Callable[[Any], Any] | None = kind.result_processor(  # type: ignore[no-untyped-call]
            dialect, None
        )
        return processor
    return None


def _timestamp(value: datetime | str) -> datetime:
    """A timestamp orjson writes as `encode` does: a zoneless one is written as UTC
    (OPT_NAIVE_UTC), as SQLite's are; one with a zone is moved to UTC first."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is None else as_utc(moment)


def _yaml_safe(text: bytes) -> bytes:
    """Escape what YAML does not allow raw (see _YAML_UNSAFE); plain ASCII has nothing to."""
    if text.isascii() and b"\x7f" not in text:
        return text
    return _YAML_UNSAFE.sub(_escape, text.decode("utf-8")).encode("utf-8")


@dataclass
class Snapshot:
    """Every row of a catalog, read in one transaction, as plain values by file."""

    revision: str | None
    parts: dict[str, list[dict[str, Any]]]

    def counts(self) -> dict[str, int]:
        return {file: len(rows) for file, rows in self.parts.items()}


def snapshot(engine: sa.Engine) -> Snapshot:
    """Read the whole catalog in one consistent transaction."""
    with _consistent(engine) as conn:
        revision = db.revision_of(conn)
        return Snapshot(revision, {part.file: read_part(conn, part) for part in PARTS})


# --- writing and reading a directory -----------------------------------------------------------


def _write_atomic(path: Path, text: str) -> None:
    with atomic_write(path, encoding="utf-8", newline="\n") as handle:
        handle.write(text)


# Characters YAML does not allow raw in a double-quoted scalar (or reads as line breaks),
# which JSON leaves unescaped.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def rows_text(rows: list[dict[str, Any]]) -> str:
    """Write records as a YAML sequence with one record per line, each a JSON-style mapping
    ({"id": 1, "name": "…"}, valid YAML): a changed record is a one-line diff, and writing and
    reading 100,000 records takes a second, not a minute."""
    if not rows:
        return "[]\n"
    dumps = orjson.dumps
    text = "".join([f"- {dumps(row).decode()}\n" for row in rows])
    return _YAML_UNSAFE.sub(_escape, text)


def _write_lines(batches: Iterator[bytes], handle: IO[Any]) -> int:
    """Write batches of record lines; return how many records."""
    count = 0
    for batch in batches:
        handle.write(batch)
        count += batch.count(b"\n")
    if not count:
        handle.write(b"[]\n")
    return count


def parse_rows(label: str, data: bytes) -> Any:
    """Read a file written by rows_text quickly, or any YAML (edited by hand) in full."""
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise InvalidValueError(f"{label}: not UTF-8 text") from None
    loads = orjson.loads
    records: list[Any] = []
    for line in lines:
        if not line.startswith("- {"):
            if not line.strip() or (line.strip() == "[]" and not records):
                continue
            return parse_yaml(label, data)
        try:
            records.append(loads(line[2:]))
        except orjson.JSONDecodeError:
            return parse_yaml(label, data)
    return records


def yaml_text(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)


def manifest_text(snap: Snapshot) -> str:
    """The manifest of a dump: its format, the catalog's schema revision, rows per file."""
    return _manifest(snap.revision, snap.counts())


def _manifest(revision: str | None, counts: dict[str, int]) -> str:
    return yaml_text(
        {
            "format": FORMAT,
            "schema": revision,
            "written_by": f"stackmap {__version__}",
            "files": counts,
        }
    )


def dump_catalog(engine: sa.Engine, directory: Path) -> dict[str, int]:
    """Write the whole catalog to a directory of sorted YAML files; return rows per file.

    Streamed: each file is written as its rows are read, a batch at a time, all in one
    consistent transaction, so memory stays flat however large the catalog (a 100,000-row
    history is never held at once). Each file is replaced atomically, the manifest last."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with _consistent(engine) as conn:
        revision = db.revision_of(conn)
        for part in PARTS:
            with atomic_write(directory / part.file, "wb") as handle:
                counts[part.file] = _write_lines(_part_lines(conn, part), handle)
    # Last: a directory with a manifest is a complete dump.
    _write_atomic(directory / MANIFEST, _manifest(revision, counts))
    return counts


@contextmanager
def _consistent(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection in one transaction that sees one state of every table."""
    bind = engine
    if engine.dialect.name == "postgresql":
        # One snapshot for all tables, while other people keep working.
        bind = engine.execution_options(isolation_level="REPEATABLE READ")
    with bind.connect() as conn, conn.begin():
        yield conn


def parse_yaml(label: str, data: bytes) -> Any:
    """Parse one file of a dump with the safe loader; an error names the file and line."""
    try:
        return yaml.load(data, Loader=_Loader)  # a safe loader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InvalidValueError(f"{label}:{where} {problem}") from None


def manifest_revision(label: str, read: Callable[[str], bytes | None]) -> str | None:
    """The schema revision a dump's manifest names, once the dump is one this stackmap reads."""
    data = read(MANIFEST)
    if data is None:
        raise InvalidValueError(f"{label}: not a stackmap dump (no {MANIFEST})")
    manifest = parse_yaml(f"{label}/{MANIFEST}", data)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise InvalidValueError(f"{label}/{MANIFEST}: not a stackmap dump manifest")
    if manifest["format"] > FORMAT:
        raise InvalidValueError(
            f"{label}: written by a newer stackmap (dump format {manifest['format']}); "
            "upgrade stackmap to load it"
        )
    revision = manifest.get("schema")
    if revision is not None and not db.known_revision(str(revision)):
        raise InvalidValueError(
            f"{label}: schema revision {revision} is newer than this stackmap; "
            "upgrade stackmap to load it"
        )
    return str(revision) if revision is not None else None


def parse_snapshot(label: str, read: Callable[[str], bytes | None]) -> Snapshot:
    """Read a dump's files (read(name) gives a file's bytes, None when absent), checked for
    shape but not yet for values."""
    revision = manifest_revision(label, read)
    parts = {part.file: file_records(part, label, read) for part in PARTS}
    return Snapshot(revision, parts)


def read_snapshot(directory: Path) -> Snapshot:
    """Read a dump directory back."""
    return parse_snapshot(str(directory), reader(directory))


def reader(directory: Path) -> Callable[[str], bytes | None]:
    """A dump directory's files by name (None when absent); one-line errors."""
    if not directory.is_dir():
        raise NotFoundError(f"{directory}: no such directory")

    def read(name: str) -> bytes | None:
        path = directory / name
        try:
            return path.read_bytes() if path.is_file() else None
        except OSError as exc:
            raise InvalidValueError(f"{path}: {exc.strerror or exc}") from None

    return read


def file_records(
    part: Part, label: str, read: Callable[[str], bytes | None]
) -> list[dict[str, Any]]:
    """One file's records read whole (any YAML), checked for shape but not for values."""
    content = read(part.file)
    rows = parse_rows(f"{label}/{part.file}", content) if content is not None else None
    rows = rows if rows is not None else []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InvalidValueError(f"{label}/{part.file}: expected a list of records")
    return rows
