"""Read reviewers' decisions back from a rationalisation workbook stackmap wrote.

The file is read with the same guarded reader as every import (size, zip-bomb and type
checks). Only the Inventory's Decision, Decision owner and Comment columns are taken, each
row tied to its tool by the hidden Tool ID and Version columns.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackmap.domain import Disposition
from stackmap.errors import InvalidValueError
from stackmap.importers.files import read_sheets, sha256_of
from stackmap.importers.values import text_of

META_SHEET = "_stackmap"
FORMAT = "stackmap-review-1"
_WANTED = ("Tool", "Decision", "Decision owner", "Comment", "Tool ID", "Version")
# Columns newer workbooks carry; an older workbook without them is still read.
RATINGS = {"Functional fit (1-5)": "functional_fit", "Technical fit (1-5)": "technical_fit"}


@dataclass(frozen=True)
class DecisionRow:
    """One reviewer's decision on one tool, as written in the workbook."""

    row: int
    tool_id: int
    tool: str
    version: str
    decision: str | None  # a Disposition value, or None when only owner/comment changed
    owner: str | None
    comment: str | None
    # A reviewer's 1-5 ratings by field (functional_fit, technical_fit), as filled in.
    ratings: dict[str, int] = field(default_factory=dict)


@dataclass
class ReviewFile:
    file: str
    sha256: str
    catalog_id: str
    rows: list[DecisionRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # rows that cannot be read, in words


def looks_like_review(path: Path) -> bool:
    """True when path is an xlsx whose workbook part names stackmap's review sheet.

    Reads only the small workbook part, so `stackmap import` can route a reviewed workbook to
    the decisions import before any full read.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > 1_000_000:
                return False
            return f'name="{META_SHEET}"'.encode() in archive.read(info)
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def read_review(path: Path) -> ReviewFile:
    """Return the decisions filled in a reviewed workbook.

    Raises InvalidValueError naming the file when it is not a stackmap review workbook.
    """
    sheets = read_sheets(path)
    by_name = {s.name: s for s in sheets}
    meta = by_name.get(META_SHEET)
    if meta is None or "Inventory" not in by_name:
        raise InvalidValueError(
            f"{path.name}: not a workbook made by `stackmap export workbook` "
            "(no Inventory and no stackmap sheet)"
        )
    values = {text_of(r[0]): text_of(r[1]) for r in meta.rows if len(r) >= 2}
    if values.get("format") != FORMAT:
        raise InvalidValueError(
            f"{path.name}: made by a stackmap whose review format ({values.get('format')!r}) "
            f"this version does not read"
        )
    review = ReviewFile(path.name, sha256_of(path), values.get("catalog_id", ""))
    inventory = by_name["Inventory"]
    if not inventory.rows:
        raise InvalidValueError(f"{path.name}: the Inventory sheet is empty")
    head = [text_of(c) for c in inventory.rows[0]]
    missing = [name for name in _WANTED if name not in head]
    if missing:
        raise InvalidValueError(
            f"{path.name}: Inventory lacks the column(s) {', '.join(missing)}; "
            "columns may be hidden or moved, not deleted or renamed"
        )
    at = {name: head.index(name) for name in _WANTED}
    rated = {column: head.index(column) for column in RATINGS if column in head}
    allowed = {d.value: d.value for d in Disposition}
    for number, raw in enumerate(inventory.rows[1:], 2):
        cells = [_cell(raw, at[name]) for name in _WANTED]
        name, decision, owner, comment, tool_id, version = cells
        ratings: dict[str, int] = {}
        unreadable = False
        for column, index in rated.items():
            text = _cell(raw, index)
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                value = 0.0
            if value not in (1, 2, 3, 4, 5):
                review.problems.append(
                    f"{path.name}: row {number}, column {column!r}: {text!r} is not a whole "
                    "number from 1 to 5"
                )
                unreadable = True
                continue
            ratings[RATINGS[column]] = int(value)
        if unreadable or not (decision or owner or comment or ratings):
            continue
        try:
            ident = int(float(tool_id))
        except ValueError:
            review.problems.append(
                f"{path.name}: row {number}, column 'Tool ID': {tool_id!r} is not a tool id; "
                "the row was not read"
            )
            continue
        chosen = None
        if decision:
            chosen = allowed.get(decision.casefold())
            if chosen is None:
                review.problems.append(
                    f"{path.name}: row {number}, column 'Decision': {decision!r} is not one "
                    f"of {', '.join(d.value.capitalize() for d in Disposition)}"
                )
                continue
        review.rows.append(
            DecisionRow(
                number, ident, name, version, chosen, owner or None, comment or None, ratings
            )
        )
    return review


def _cell(row: list[Any], index: int) -> str:
    return text_of(row[index]).strip() if index < len(row) else ""
