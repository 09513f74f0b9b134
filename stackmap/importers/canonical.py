"""Read stackmap's own CSV layout: one header row naming catalog fields, one tool per row.

This is the layout `stackmap demo` ships and the import template uses; the messier layouts
people keep are mapped onto the same field names by the spreadsheet importer.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.importers.records import (
    CONTRACT_ALIASES,
    CONTRACT_FIELDS,
    INTEGRATION_FIELDS,
    TOOL_FIELDS,
    SourceRow,
    integration_records,
    tool_records,
)
from stackmap.schemas import IntegrationFields
from stackmap.writer import ToolRecord

LIST_FIELDS = {"business_units", "tags", "journey_stages", "capabilities", "data_objects"}
MAX_BYTES = 50 * 1024 * 1024
# Beyond the default 128 KiB a cell is no longer a note somebody typed.
csv.field_size_limit(1024 * 1024)


def field_name(header: str) -> str:
    """Return the catalog field a header names: case, spaces and hyphens do not matter."""
    return "_".join(header.strip().lower().replace("-", " ").split())


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cell(field: str, value: str) -> Any:
    value = value.strip()
    if field in LIST_FIELDS:
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def read_rows(path: Path, known: tuple[str, ...]) -> Iterator[SourceRow]:
    """Yield the data rows of a CSV file in stackmap's layout, numbered as a spreadsheet shows.

    Raises NotFoundError for a missing file and InvalidValueError, naming the file, for one
    that is not UTF-8 CSV text, is empty, or has no column naming a catalog field.
    """
    if not path.is_file():
        raise NotFoundError(f"{path}: file not found")
    if path.stat().st_size > MAX_BYTES:
        raise InvalidValueError(f"{path.name}: larger than {MAX_BYTES // 2**20} MB")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise InvalidValueError(
            f"{path.name}: row {row}: not UTF-8 text; save it as CSV UTF-8"
        ) from exc
    if "\x00" in text:
        raise InvalidValueError(f"{path.name}: not a text file (contains NUL bytes)")
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidValueError(f"{path.name}: the file is empty") from None
    fields = [field_name(h) for h in header]
    if not set(fields) & set(known):
        raise InvalidValueError(
            f"{path.name}: row 1 names no catalog field (expected e.g. {', '.join(known[:3])})"
        )
    columns = {f: h.strip() for f, h in zip(fields, header, strict=True)}
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(fields):
                raise InvalidValueError(
                    f"{path.name}: row {number}: {len(cells)} cells but {len(fields)} headers"
                )
            yield SourceRow(
                number,
                {f: _cell(f, c) for f, c in zip(fields, cells, strict=False) if f},
                columns,
            )
    except csv.Error as exc:
        raise InvalidValueError(f"{path.name}: row {reader.line_num}: {exc}") from exc


def read_tools(path: Path) -> list[ToolRecord]:
    """Return the tool records of a tools CSV in stackmap's layout."""
    known = TOOL_FIELDS + CONTRACT_FIELDS + tuple(CONTRACT_ALIASES)
    return tool_records(read_rows(path, known), path.name)


def read_integrations(path: Path) -> list[IntegrationFields]:
    """Return the integration records of an integrations CSV in stackmap's layout."""
    return integration_records(read_rows(path, INTEGRATION_FIELDS), path.name)
