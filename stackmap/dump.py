"""The whole catalog as plain, sorted YAML files a team can keep in git — and back.

One file per kind of record, one record per line, rows sorted by id, fields in the table's
column order, so a change in the catalog is a small, readable diff. Decisions (disposition,
note, who, when) are their own file because they are what a budget review changes.
`stackmap.load` reads such a directory into an empty catalog in one transaction; `dump` after
`load` gives the same files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
import yaml
from sqlmodel import SQLModel

from stackmap import db
from stackmap.dumpfiles import (
    BATCH,
    DECISION_FIELDS,
    FORMAT,
    LAYOUTS,
    MANIFEST,
    Layout,
    as_utc,
    manifest,
    write_dump,
    yaml_safe,
)
from stackmap.errors import InvalidValueError, NotFoundError
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
from stackmap.rows import Rows

try:  # libyaml's parser: a 20,000-tool catalog is half a million values
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


_MODELS: dict[str, type[SQLModel]] = {
    model.__tablename__: model  # type: ignore[misc]
    for model in (
        Vendor,
        Owner,
        ImportBatch,
        Tool,
        ToolCapability,
        Contract,
        Integration,
        ToolSpend,
        UntiedSpend,
        Change,
    )
}


@dataclass(frozen=True)
class Part:
    """One file of a dump (its layout, see `stackmap.dumpfiles`) with the model's table."""

    layout: Layout
    table: sa.Table

    @property
    def file(self) -> str:
        return self.layout.file

    @property
    def columns(self) -> list[sa.Column[Any]]:
        return [self.table.c[name] for name in self.layout.columns]


# In the order rows must be inserted: a row's foreign keys point to files above it.
PARTS = tuple(
    Part(layout, _MODELS[layout.table].__table__)  # type: ignore[attr-defined]
    for layout in LAYOUTS
)
TABLES = tuple(dict.fromkeys(part.table for part in PARTS))


# --- values ------------------------------------------------------------------------------


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
    stmt = sa.select(*columns).order_by(*(part.table.c[name] for name in part.layout.order))
    if part.layout.decisions_only:  # decisions: only the tools that have one
        stmt = stmt.where(sa.or_(*(part.table.c[name].is_not(None) for name in DECISION_FIELDS)))
    names = [c.name for c in columns]
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
    for row in result:
        yield {name: encode(value) for name, value in zip(names, row, strict=True)}


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


def rows_text(rows: list[dict[str, Any]]) -> str:
    """Write records as a YAML sequence with one record per line, each a JSON-style mapping
    ({"id": 1, "name": "…"}, valid YAML): a changed record is a one-line diff, and writing and
    reading 100,000 records takes a second, not a minute."""
    if not rows:
        return "[]\n"
    dumps = orjson.dumps
    return yaml_safe("".join([f"- {dumps(row).decode()}\n" for row in rows]))


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


def manifest_text(snap: Snapshot) -> str:
    """The manifest of a dump: its format, the catalog's schema revision, rows per file."""
    return manifest(snap.revision, snap.counts())


def dump_catalog(engine: sa.Engine, directory: Path) -> dict[str, int]:
    """Write the whole catalog to a directory of sorted YAML files, streamed, in one
    consistent transaction (see `dumpfiles.write_dump`); return rows per file."""
    with _consistent(engine) as conn:
        rows = Rows(conn.connection.dbapi_connection, sqlite=conn.dialect.name == "sqlite")
        return write_dump(rows, directory, db.revision_of(conn))


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
