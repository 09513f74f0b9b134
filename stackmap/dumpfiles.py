"""The files of a dump, written straight from the database driver (sqlite3's or psycopg's).

No SQLAlchemy here: `stackmap dump` of an embedded catalog reads it through sqlite3 alone (a
`stackmap.reader.Reader`), so it pays for neither SQLAlchemy's and SQLModel's imports nor the
models' (a quarter of the whole command at 20,000 tools). What each file holds is written down
below, column by column; `tests/test_dumpfiles.py` holds it to the models, and both ways of
opening a catalog to the same files, byte for byte.

A file is one record per line, `- {json}`: valid YAML, and a changed record is a one-line diff.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

import orjson
import yaml

from stackmap import __version__
from stackmap.export.safe import atomic_write
from stackmap.rows import Rows

FORMAT = 1
MANIFEST = "stackmap.yaml"
DECISION_FIELDS = ("disposition", "decision_note", "decided_by", "decided_at")

try:  # libyaml's emitter: fast, and the manifest is all it writes here
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

# How a column's value is written, when not as the driver gives it: JSON text decoded, a
# timestamp in UTC, money at its two decimal places, a flag as true/false. Dates are ISO text
# on SQLite and dates on PostgreSQL; orjson writes either as the ISO date.
Kind = Literal["json", "timestamp", "money", "flag"]


@dataclass(frozen=True)
class Layout:
    """One file of a dump: which table, which of its columns in the table's order, how each
    non-plain one is written, and the order of its rows."""

    file: str
    table: str
    columns: tuple[str, ...]
    kinds: dict[str, Kind] = field(default_factory=dict, hash=False)
    order: tuple[str, ...] = ("id",)
    decisions_only: bool = False  # only the tools that have a decision


_CREATED: dict[str, Kind] = {"created_at": "timestamp"}
_STAMPED: dict[str, Kind] = {"created_at": "timestamp", "updated_at": "timestamp"}

# In the order rows must be inserted: a row's foreign keys point to files above it.
LAYOUTS = (
    Layout(
        "vendors.yaml", "vendor", ("id", "name", "key", "website", "notes", "created_at"), _CREATED
    ),
    Layout(
        "owners.yaml",
        "owner",
        ("id", "name", "key", "kind", "email", "team", "created_at"),
        _CREATED,
    ),
    Layout(
        "imports.yaml",
        "import_batch",
        ("id", "created_at", "actor", "kind", "file_name", "sha256", "profile", "counts"),
        {**_CREATED, "counts": "json"},
    ),
    Layout(
        "tools.yaml",
        "tool",
        (
            "id",
            "name",
            "key",
            "vendor_id",
            "description",
            "category",
            "status",
            "business_units",
            "website",
            "tags",
            "notes",
            "journey_stages",
            "functional_fit",
            "technical_fit",
            "business_owner_id",
            "technical_owner_id",
            "library_product",
            "extra",
            "created_at",
            "updated_at",
        ),
        {
            "business_units": "json",
            "tags": "json",
            "journey_stages": "json",
            "extra": "json",
            **_STAMPED,
        },
    ),
    Layout(
        "decisions.yaml",
        "tool",
        ("id", "name", *DECISION_FIELDS),
        {"decided_at": "timestamp"},
        decisions_only=True,
    ),
    Layout(
        "capabilities.yaml",
        "tool_capability",
        ("tool_id", "capability", "source"),
        order=("tool_id", "capability"),
    ),
    Layout(
        "contracts.yaml",
        "contract",
        (
            "id",
            "tool_id",
            "annual_cost",
            "amount",
            "currency",
            "billing_period",
            "start_date",
            "end_date",
            "renewal_date",
            "notice_days",
            "auto_renew",
            "seats_purchased",
            "seats_assigned",
            "seats_active",
            "pricing_model",
            "cost_centre",
            "notes",
            "created_at",
            "updated_at",
        ),
        {"annual_cost": "money", "amount": "money", "auto_renew": "flag", **_STAMPED},
    ),
    Layout(
        "integrations.yaml",
        "integration",
        (
            "id",
            "source_tool_id",
            "target_tool_id",
            "direction",
            "method",
            "data_objects",
            "frequency",
            "status",
            "owner_id",
            "notes",
            "created_at",
            "updated_at",
        ),
        {"data_objects": "json", **_STAMPED},
    ),
    Layout(
        "spend.yaml",
        "tool_spend",
        (
            "id",
            "tool_id",
            "supplier",
            "supplier_key",
            "currency",
            "amount",
            "annual_amount",
            "annualised_by",
            "period_start",
            "period_end",
            "invoices",
            "batch_id",
            "created_at",
            "updated_at",
        ),
        {"amount": "money", "annual_amount": "money", **_STAMPED},
    ),
    Layout(
        "untied-spend.yaml",
        "untied_spend",
        (
            "id",
            "supplier",
            "currency",
            "amount",
            "annual_amount",
            "period_start",
            "period_end",
            "invoices",
            "status",
            "reason",
            "batch_id",
            "created_at",
        ),
        {"amount": "money", "annual_amount": "money", **_CREATED},
    ),
    Layout(
        "history.yaml",
        "change",
        ("id", "at", "actor", "entity", "entity_id", "label", "action", "changes", "batch_id"),
        {"at": "timestamp", "changes": "json"},
    ),
)


# --- values ------------------------------------------------------------------------------


def as_utc(value: datetime) -> datetime:
    # Every timestamp is written in UTC; SQLite hands them back without a zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp(value: datetime | str) -> datetime:
    """A timestamp as the dump writes it: a zoneless one is written as UTC (OPT_NAIVE_UTC), as
    SQLite's are stored; one with a zone (PostgreSQL's) is moved to UTC first."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is None else as_utc(moment)


def _utc_text(value: str) -> str:
    # As orjson writes the timestamp (its ISO form, microseconds only when there are some).
    return as_utc(datetime.fromisoformat(value)).isoformat()


def _money(value: Any) -> Decimal:
    # SQLite keeps a Numeric(14, 2) as an integer or a float; SQLAlchemy reads it back as the
    # Decimal at two places (48000 is 48000.00), which the dump writes as text.
    return Decimal(f"{value:.2f}")


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


# Per driver: what turns each kind of value into one orjson writes as the dump has it. Only
# these columns are converted; the rest are written as the driver gives them.
_SQLITE: dict[Kind, Callable[[Any], Any]] = {
    "json": orjson.loads,  # text, always
    "timestamp": _utc_text,  # zoneless UTC text
    "money": _money,
    "flag": bool,  # 0 or 1
}
# SQLite's texts repeat (a whole import is stamped with one time; lists of data objects and
# business units recur): each distinct one in a batch is converted once.
_BY_TEXT: frozenset[Kind] = frozenset({"json", "timestamp"})
_POSTGRESQL: dict[Kind, Callable[[Any], Any]] = {
    "json": _json,  # psycopg has decoded it
    "timestamp": _timestamp,
    # psycopg gives a Decimal at the column's scale and a bool already.
}


# --- writing -------------------------------------------------------------------------------

BATCH = 500

# Characters YAML does not allow raw in a double-quoted scalar (or reads as line breaks),
# which JSON leaves unescaped.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def yaml_safe(text: str) -> str:
    """Text with what YAML does not allow raw escaped (see _YAML_UNSAFE)."""
    return _YAML_UNSAFE.sub(_escape, text)


# The same characters as UTF-8 bytes: a lead byte never occurs inside another character, so
# these match exactly where _YAML_UNSAFE matches in the decoded text, without decoding it.
_YAML_UNSAFE_UTF8 = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]|\xef\xbb\xbf")


def _escape_utf8(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group().decode("utf-8"))


def yaml_safe_utf8(text: bytes) -> bytes:
    """UTF-8 text with what YAML does not allow raw escaped, as yaml_safe does."""
    if text.isascii() and b"\x7f" not in text:  # plain ASCII has nothing to escape
        return text
    return _YAML_UNSAFE_UTF8.sub(_escape_utf8, text)


def layout_lines(rows: Rows, layout: Layout) -> Iterator[bytes]:
    """A file's records as its lines (`- {json}`), sorted, a batch at a time: a server-side
    cursor on PostgreSQL, so a 100,000-row history is never held at once."""
    names = list(layout.columns)
    sql = f"SELECT {', '.join(_quoted(names))} FROM {_quote(layout.table)}"
    if layout.decisions_only:
        sql += " WHERE " + " OR ".join(f"{_quote(name)} IS NOT NULL" for name in DECISION_FIELDS)
    sql += f" ORDER BY {', '.join(_quoted(layout.order))}"
    by_kind = _SQLITE if rows.sqlite else _POSTGRESQL
    converters = [
        (index, convert, rows.sqlite and kind in _BY_TEXT)
        for index, name in enumerate(names)
        if (kind := layout.kinds.get(name)) and (convert := by_kind.get(kind)) is not None
    ]
    dumps, options = orjson.dumps, orjson.OPT_NAIVE_UTC
    named = {} if rows.sqlite else {"name": f"stackmap_dump_{layout.table}"}
    cursor = rows.connection.cursor(**named)
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            # Column by column: one comprehension per converted column, not a loop per value.
            values: list[Any] = list(zip(*batch, strict=True))
            for index, convert, by_text in converters:
                column = values[index]
                if by_text:
                    converted = {v: convert(v) for v in set(column) if v is not None}
                    values[index] = list(map(converted.get, column))
                else:
                    values[index] = [None if v is None else convert(v) for v in column]
            yield yaml_safe_utf8(
                b"".join(
                    [
                        b"- %s\n" % dumps(dict(zip(names, row, strict=True)), str, options)
                        for row in zip(*values, strict=True)
                    ]
                )
            )
    finally:
        cursor.close()


def _quote(name: str) -> str:
    return f'"{name}"'  # both dialects: `key` and `change` are keywords


def _quoted(names: tuple[str, ...] | list[str]) -> list[str]:
    return [_quote(name) for name in names]


def _write_lines(batches: Iterator[bytes], handle: IO[Any]) -> int:
    """Write batches of record lines; return how many records."""
    count = 0
    for batch in batches:
        handle.write(batch)
        count += batch.count(b"\n")
    if not count:
        handle.write(b"[]\n")
    return count


def write_dump(rows: Rows, directory: Path, revision: str | None) -> dict[str, int]:
    """Write every file of a dump, read through `rows` in the caller's one transaction; return
    records per file.

    Streamed: each file is written as its rows are read, so memory stays flat however large
    the catalog. Each file is replaced atomically, the manifest last: a directory with a
    manifest is a complete dump."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for layout in LAYOUTS:
        with atomic_write(directory / layout.file, "wb") as handle:
            counts[layout.file] = _write_lines(layout_lines(rows, layout), handle)
    with atomic_write(directory / MANIFEST, encoding="utf-8", newline="\n") as text:
        text.write(manifest(revision, counts))
    return counts


def yaml_text(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)


def manifest(revision: str | None, counts: dict[str, int]) -> str:
    """A dump's manifest: its format, the catalog's schema revision, records per file."""
    return yaml_text(
        {
            "format": FORMAT,
            "schema": revision,
            "written_by": f"stackmap {__version__}",
            "files": counts,
        }
    )
