"""A workbook's tools and integrations sheets: which sheet holds which, and each read into
rows, its header weighed against its values, its date order and currency found, with what a
person should know. A sheet read before the rest of its workbook is started on at once (see
EarlyWork)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackmap.domain import name_key
from stackmap.errors import InvalidValueError
from stackmap.importers.evidence import weigh
from stackmap.importers.files import Sheet, sheet_names
from stackmap.importers.headers import HeaderMap, detect_header, headers_seen
from stackmap.importers.mapping import MappedSheet, date_order, map_rows
from stackmap.importers.profiles import Profile
from stackmap.importers.values import CURRENCIES
from stackmap.progress import SILENT, Progress
from stackmap.reference import Reference

KINDS = ("tools", "integrations")


@dataclass(frozen=True)
class ColumnPlan:
    """What one column of a sheet became: a field, an extra attribute, or ignored, and why."""

    header: str
    field: str | None  # None: kept as an extra attribute (or ignored)
    how: str  # profile, exact, synonym, partial, fuzzy, extra or ignore
    why: str = ""  # when the column's values overruled its header, or another column won

    @property
    def role(self) -> str:
        """mapped, extra or ignored."""
        return "ignored" if self.how == "ignore" else "mapped" if self.field else "extra"


@dataclass
class SheetPlan:
    """What was found on one sheet."""

    name: str
    kind: str
    header_row: int  # 1-based, as the spreadsheet shows it
    columns: list[ColumnPlan]
    rows: int


@dataclass
class SheetRead:
    """One sheet read as the tools or the integrations: from this header (as detected), its
    rows and issues, the notes a person should read (in their order), and its plan."""

    kind: str
    sheet: Sheet
    header: HeaderMap
    mapped: MappedSheet
    notes: list[str]
    plan: SheetPlan


@dataclass(frozen=True)
class Reading:
    """How the sheets of one file are read: the options of the import."""

    file: str
    reference: Reference
    profile: Profile | None
    sheet: str | None  # the sheet the person named
    dayfirst: bool | None
    currency: str | None
    strict: bool


# Each sheet's best header for each kind, by the sheet's identity and whether the workbook
# has several sheets to choose from (see detect_kinds).
Detected = dict[tuple[int, bool], dict[str, HeaderMap | None]]


def detect_kinds(
    sheet: Sheet, several: bool, profile: Profile | None, detected: Detected
) -> dict[str, HeaderMap | None]:
    """The sheet's header as each kind's, or None (kept in detected: the same sheet is weighed
    once, whether read early or not)."""
    known = detected.get((id(sheet), several))
    if known is None:
        known = detected[(id(sheet), several)] = {
            kind: detect_header(
                sheet.rows,
                kind,
                merged_rows=sheet.merged_rows,
                profile=profile.columns if profile else None,
                # A sheet the person named, or the only one, may be a bare list of names.
                min_fields=2 if several else 1,
            )
            for kind in KINDS
        }
    return known


def best_kind(headers: dict[str, HeaderMap | None]) -> tuple[str, HeaderMap, int] | None:
    """The kind a sheet most looks like, its header and how many fields it maps, or None."""
    scores = {k: len({c.field for c in h.columns if c.field}) for k, h in headers.items() if h}
    if not scores:
        return None
    kind = max(scores, key=lambda k: (scores[k], k == "tools"))
    header = headers[kind]
    assert header is not None
    return kind, header, scores[kind]


def choose_sheets(
    path: Path, sheets: list[Sheet], reading: Reading, detected: Detected
) -> dict[str, tuple[Sheet, HeaderMap]]:
    """The sheet holding the tools and the one holding the integrations, with their headers."""
    wanted = reading.sheet
    if wanted is not None:
        named = [s for s in sheets if name_key(s.name) == name_key(wanted)]
        if not named:
            raise InvalidValueError(
                f"{path.name}: no sheet named {wanted!r}; sheets: {sheet_names(sheets)}"
            )
        sheets = named
    if not any(s.rows for s in sheets):
        raise InvalidValueError(
            f"{path.name}: the workbook has no data (sheets: {sheet_names(sheets)})"
        )
    found: dict[str, tuple[int, Sheet, HeaderMap]] = {}
    for candidate in sorted(sheets, key=lambda s: not s.visible):
        best = best_kind(detect_kinds(candidate, len(sheets) > 1, reading.profile, detected))
        if best is None:
            continue
        kind, header, score = best
        if kind not in found or score > found[kind][0]:
            found[kind] = (score, candidate, header)
    if not found:
        raise InvalidValueError(
            f"{path.name}: no sheet has a column naming the tool (e.g. Tool, Application, "
            f"Product) or integration ends (From, To); sheets: {sheet_names(sheets)}"
            + headers_seen(sheets)
        )
    return {kind: (s, h) for kind, (_, s, h) in found.items()}


def read_sheet(
    kind: str,
    found: Sheet,
    header: HeaderMap,
    reading: Reading,
    several: bool,
    progress: Progress = SILENT,
) -> SheetRead:
    """Read one sheet as `kind` from its header: the header weighed against the values, the
    date order and the currency the sheet implies, its rows and what a person should know."""
    detected = header
    reference = reading.reference
    notes: list[str] = []
    header, why = weigh(found.rows, header, lambda text: _known_category(reference, text))
    for column, reason in why.items():
        notes.append(f"{found.name}: {column!r}: {reason}" if several else f"{column!r}: {reason}")
    order = _date_order(found, header, reading.file, reading.dayfirst)
    label = found.name if several else ""
    sheet_currency = reading.currency or _stated_currency(notes, found, header)
    progress.stage(f"Reading the {kind} on {found.name!r}", len(found.rows))
    mapped = map_rows(
        found,
        header,
        dayfirst=order,
        default_currency=sheet_currency,
        label=label,
        strict=reading.strict,
        progress=progress,
        columns=kind == "integrations",
    )
    notes += [f"{found.name}: {note}" if label else note for note in found.notes]
    plan = SheetPlan(
        found.name,
        kind,
        header.header_rows[-1] + 1,
        [ColumnPlan(c.header, c.field, c.how, why.get(c.header, "")) for c in header.columns],
        mapped.count,
    )
    return SheetRead(kind, found, detected, mapped, notes, plan)


class EarlyWork:
    """Work started on each sheet read while the rest of its workbook is still being read
    (see files.read_sheets' arrived): what that sheet most looks like, read as such, and
    `then` done with it (the tools planned). On two cores, the tools sheet of a large export
    is read into rows and its tools planned while its links are still being parsed.

    The import takes this work only when it chooses the same sheet, as the same kind, from
    the same header, once every sheet is read; otherwise it does its own. Any error drops
    the work: the import meets it again, in its own order. A sheet with merged cells is left
    alone (reading it fills them in)."""

    def __init__(self, reading: Reading, then: Callable[[SheetRead], Any]) -> None:
        self.reading = reading
        self.detected: Detected = {}
        self._then = then
        self._done: dict[tuple[int, str], tuple[SheetRead, Any]] = {}

    def __call__(self, sheet: Sheet, count: int) -> None:
        wanted = self.reading.sheet
        if sheet.merged or (wanted is not None and name_key(sheet.name) != name_key(wanted)):
            return
        try:
            several = count > 1 and wanted is None
            best = best_kind(detect_kinds(sheet, several, self.reading.profile, self.detected))
            if best is None:
                return
            kind, header, _ = best
            read = read_sheet(kind, sheet, header, self.reading, count > 1)
            self._done[(id(sheet), kind)] = (read, self._then(read))
        except Exception:  # dropped: the import meets it again, in its own order
            return

    def taken(self, kind: str, sheet: Sheet, header: HeaderMap) -> tuple[SheetRead, Any] | None:
        """The work done early on this sheet as `kind` from this header, if any."""
        done = self._done.get((id(sheet), kind))
        if done is None or done[0].sheet is not sheet or done[0].header != header:
            return None
        return done


_CURRENCY_NOTE = re.compile(
    r"\b(?:amounts?|figures?|costs?|prices?|values?|spend|numbers?)\b[^.\n]*?\bin\s+"
    r"(?P<code>[A-Z]{3})\b",
)


def _stated_currency(notes: list[str], sheet: Sheet, header: HeaderMap) -> str | None:
    """Return the currency a note above the header states ("amounts in USD unless stated")."""
    for index in range(header.header_rows[0]):
        for cell in sheet.rows[index]:
            match = _CURRENCY_NOTE.search(str(cell or ""))
            if match and match.group("code") in CURRENCIES:
                code = match.group("code")
                notes.append(
                    f"amounts that name no currency are read as {code}, as row {index + 1} says"
                )
                return code
    return None


def _date_order(sheet: Sheet, header: HeaderMap, file: str, dayfirst: bool | None) -> bool | None:
    try:
        inferred = date_order(sheet, header, file)
    except ValueError as exc:
        if dayfirst is not None:
            return dayfirst
        raise InvalidValueError(f"{exc}; say --dayfirst or --monthfirst") from None
    return dayfirst if dayfirst is not None else inferred


def _known_category(reference: Reference, text: str) -> bool:
    """True for a category the taxonomy knows (by slug, name or a team's usual word)."""
    return reference.subcategory_slug(text) is not None
