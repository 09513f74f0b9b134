"""Rows for openpyxl's write-only sheets: catalog text stored as text, formats without a cell
object per value.

openpyxl turns any string starting with "=" into a formula; Excel evaluates formulas and DDE
payloads. Every cell built from catalog text is therefore forced to the string type, so it is
shown exactly as written and never runs (OWASP formula injection, which applies to xlsx as it
does to CSV). Characters XML cannot hold are removed.

Write-only sheets serialise each row as it is appended, so one styled cell per column can be
reused for every row: 20,000 rows cost no more objects than one.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.properties import PageSetupProperties

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F3864")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")

MONEY = "#,##0"
DATE = "yyyy-mm-dd"
PERCENT = "0%"
SCORE = "0.00"

# Printing. Column widths are in Excel's units (the width of a "0" in the default 11-point
# font); a landscape page with the default margins holds about 95 of them at 100 % as
# LibreOffice prints them (measured on its PDFs; Excel fits a few more). A sheet no wider
# than PAGE_WIDTH / MIN_SCALE prints one page wide; a wider one prints at MIN_SCALE over
# pages across, its first column(s) repeated on each.
PAGE_WIDTH = 95
MIN_SCALE = 0.7
LINE_HEIGHT = 15.0  # points per line of 11-point text
WRAP_FROM = 12  # text columns at least this wide wrap; narrower ones hold codes and numbers
# Wrapped text: characters a line holds per width unit, kept low so that a wider fallback
# font (LibreOffice without Carlito) still fits in the height set; and the room word
# wrapping wastes at the end of a line.
_CHARS_PER_UNIT = 1.0
_LINE_SLACK = 4

_ROWS: WeakKeyDictionary[WriteOnlyWorksheet, int] = WeakKeyDictionary()


def new_sheet(book: Workbook, title: str) -> WriteOnlyWorksheet:
    """A write-only sheet of book that takes a styled cell in a row as the cell it is.

    openpyxl's own row writer first tries every value as a plain value: for a cell object
    that fails, and it formats the cell's description into an error it then catches, and
    makes a new cell afterwards. A 20,000-tool workbook has half a million styled cells;
    that detour was about a fifth of its time over writing the same values plain. The XML
    written is the same (tests/test_workbook.py compares it with openpyxl's own).
    """
    sheet: WriteOnlyWorksheet = book.create_sheet(title)
    sheet._values_to_row = partial(_values_to_row, sheet)
    return sheet


def _values_to_row(sheet: WriteOnlyWorksheet, values: Sequence[Any], row: int) -> Iterator[Cell]:
    """WriteOnlyWorksheet._values_to_row (openpyxl 3.1), with cell objects taken as they are."""
    cell = WriteOnlyCell(sheet)
    for column, value in enumerate(values, 1):
        if value is None:
            continue
        if isinstance(value, Cell):
            value.column, value.row = column, row
            if value.hyperlink is not None:
                value.hyperlink.ref = value.coordinate
            yield value
            continue
        cell.value = value
        cell.column, cell.row = column, row
        yield cell


def money_format(currency: str | None) -> str:
    """A number format that shows the currency code beside the amount: 12,000 USD."""
    if currency and len(currency) == 3 and currency.isalpha():
        return f'#,##0 "{currency.upper()}"'
    return MONEY


def rows_written(sheet: WriteOnlyWorksheet) -> int:
    """How many rows the sheet has so far (write-only sheets do not count them)."""
    return _ROWS.get(sheet, 0)


def emit(sheet: WriteOnlyWorksheet, row: list[Any], height: float | None = None) -> int:
    """Append one row (with a height in points, when it needs more than one line) and return
    its number. Every row of stackmap's sheets goes through here, so heights land on the
    right row."""
    number = _ROWS.get(sheet, 0) + 1
    if height is not None:
        # The row's XML attributes as the write-only writer merges them: a RowDimension per
        # row (the documented way) made a 20,000-row inventory take two and a half times as
        # long to write.
        sheet.row_dimensions[number] = {"ht": f"{height:g}", "customHeight": "1"}
    sheet.append(row)
    _ROWS[sheet] = number
    return number


def blank(sheet: WriteOnlyWorksheet) -> None:
    emit(sheet, [])


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped cell of this width needs for the text (an estimate erring tall)."""
    per_line = max(int(width * _CHARS_PER_UNIT) - _LINE_SLACK, 4)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in text.split("\n"))


def _widths(sheet: WriteOnlyWorksheet, count: int) -> list[float]:
    dimensions = sheet.column_dimensions
    return [
        float(dimensions[get_column_letter(i)].width or 0)
        if get_column_letter(i) in dimensions
        else 0.0
        for i in range(1, count + 1)
    ]


def clean(value: Any) -> Any:
    """Return a value openpyxl can store: text without illegal characters, money as float."""
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


class RowWriter:
    """Append rows to a write-only sheet with one number format (or style) per column.

    Text columns at least WRAP_FROM wide wrap, and each row is given the height its longest
    wrapped text needs: LibreOffice does not fit row heights when it opens a file, so text
    would otherwise spill over the rows below on screen and on paper.
    """

    def __init__(
        self,
        sheet: WriteOnlyWorksheet,
        formats: Sequence[str | None] = (),
        wrap: Sequence[bool] = (),
        columns: int = 0,
    ) -> None:
        self.sheet = sheet
        self._styled: list[WriteOnlyCell | None] = []
        count = max(len(formats), len(wrap), columns, len(sheet.column_dimensions))
        self._width = _widths(sheet, count)
        self._wraps = [
            (wrap[i] if i < len(wrap) else self._width[i] >= WRAP_FROM)
            and (i >= len(formats) or formats[i] is None)
            for i in range(count)
        ]
        for index in range(count):
            number_format = formats[index] if index < len(formats) else None
            wrapped = self._wraps[index]
            if number_format is None and not wrapped:
                self._styled.append(None)
                continue
            cell = WriteOnlyCell(sheet)
            if number_format:
                cell.number_format = number_format
            if wrapped:
                cell.alignment = WRAP
            self._styled.append(cell)
        self._text = WriteOnlyCell(sheet)  # for text that would read as a formula

    def append(self, values: Sequence[Any], *, formulas: bool = False) -> int:
        # The hot loop of every export (rows x columns): the common types are checked by
        # class, and the illegal-character scan runs only on text that is not printable.
        row: list[Any] = []
        styled = self._styled
        count = len(styled)
        lines = 1
        wraps, width = self._wraps, self._width
        for index, value in enumerate(values):
            kind = value.__class__
            plain = False  # text that fits its wrapping column needs no style: styled cells
            if kind is str:  # cost openpyxl several times as much to write
                if not value:
                    row.append(None)  # an empty string would still be written as a cell
                    continue
                if not value.isprintable():
                    value = _ILLEGAL.sub("", value)
                if index < count and wraps[index]:
                    if len(value) > width[index] - 2:
                        lines = max(lines, lines_needed(value, width[index]))
                    else:
                        plain = True
                if formulas and value.startswith("=") and index < count and styled[index]:
                    styled[index].value = value  # type: ignore[union-attr]  # ours: a formula
                    row.append(styled[index])
                    continue
                if value.startswith(FORMULA_TRIGGERS):
                    target = WriteOnlyCell(self.sheet)
                    if index < count and styled[index] is not None:
                        target.style = styled[index].style  # type: ignore[union-attr]
                    target.value = value
                    target.data_type = "s"  # shown as written, never evaluated
                    row.append(target)
                    continue
            elif kind is not int and kind is not float and value is not None:
                value = clean(value)
                if value == "":  # an empty list; 0 stays 0 (a free tool is not unknown)
                    value = None
                if value.__class__ is str and index < count and self._wraps[index]:
                    lines = max(lines, lines_needed(value, self._width[index]))
            cell = styled[index] if index < count and not plain else None
            if cell is None or value is None:
                row.append(value)
            else:
                cell.value = value
                row.append(cell)
        return emit(self.sheet, row, lines * LINE_HEIGHT + 2 if lines > 1 else None)

    def formula(self, values: Sequence[Any]) -> int:
        """Append a row with stackmap's own formulas (strings starting with "=" in a column
        with a number format); never catalog text, which append() keeps as text."""
        return self.append(values, formulas=True)


def prepare(
    sheet: WriteOnlyWorksheet,
    widths: Sequence[float],
    *,
    repeat_rows: str | None = None,
    repeat_columns: str | None = None,
) -> None:
    """Set column widths and the print layout: landscape; one page wide when the columns fit at
    MIN_SCALE or more, else pages across at full size; repeat_rows ("3:3") and repeat_columns
    ("A:A") are printed on every page.

    Must run before the first row is appended: a write-only sheet writes its columns and
    properties out with the first row.
    """
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    setup = sheet.page_setup
    setup.orientation = "landscape"
    if sum(widths) <= PAGE_WIDTH / MIN_SCALE:
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        setup.scale = round(MIN_SCALE * 100)
    if repeat_rows:
        sheet.print_title_rows = repeat_rows
    if repeat_columns:
        sheet.print_title_cols = repeat_columns
    sheet.print_options.gridLines = False


def furnish(sheet: WriteOnlyWorksheet, heading: str, as_of: str) -> None:
    """Page headers and footers: what this is, which sheet, as of when, page x of y, and that
    it is confidential (the figures are contract terms)."""
    top, bottom = sheet.oddHeader, sheet.oddFooter
    top.left.text = heading.replace("&", "&&")
    top.center.text = "&A"  # the sheet's name
    top.right.text = f"As of {as_of}"
    bottom.left.text = "Confidential"
    bottom.center.text = "Page &P of &N"
    bottom.right.text = "stackmap"
    for part in (top.left, top.center, top.right, bottom.left, bottom.center, bottom.right):
        part.size = 9


def header(
    sheet: WriteOnlyWorksheet, names: Sequence[str], *, rotate: bool = False, wrap: bool = True
) -> int:
    """Append a header row (white bold text on dark blue), tall enough for its wrapped or
    rotated names; return its row number."""
    widths = _widths(sheet, len(names))
    row = []
    lines = 1
    for index, name in enumerate(names):
        cell = WriteOnlyCell(sheet, value=name)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        turned = rotate and index >= 2
        cell.alignment = Alignment(
            wrap_text=wrap and not turned, vertical="bottom" if turned else "center",
            text_rotation=90 if turned else 0,
        )  # fmt: skip
        if turned:
            lines = max(lines, math.ceil(len(name) * 0.45))
        elif wrap and widths[index]:
            lines = max(lines, lines_needed(name, widths[index] + _LINE_SLACK))
        row.append(cell)
    return emit(sheet, row, lines * LINE_HEIGHT + 2 if lines > 1 else None)


def upright(sheet: WriteOnlyWorksheet, values: Sequence[str]) -> int:
    """Append a row whose text from the third column on is turned upright (short labels
    over narrow columns)."""
    turned = Alignment(text_rotation=90, vertical="bottom", horizontal="center")
    row: list[Any] = []
    for index, value in enumerate(values):
        cell = _text(sheet, value) if value else None
        if cell is not None and index >= 2:
            cell.alignment = turned
        row.append(cell)
    longest = max((len(v) for v in values[2:]), default=1)
    return emit(sheet, row, max(longest * 6.5, LINE_HEIGHT))


def title(sheet: WriteOnlyWorksheet, text: str, note: str | None = None) -> None:
    """Append a sheet title, and a note broken into lines no wider than the sheet's columns
    (a note in one cell would run off the printed page)."""
    cell = _text(sheet, text)
    cell.font = TITLE_FONT
    emit(sheet, [cell], 20)
    for line in note_lines(_widths(sheet, len(sheet.column_dimensions)), note):
        emit(sheet, [_text(sheet, line)])


def note_lines(widths: Sequence[float], note: str | None) -> list[str]:
    """A note broken into lines as wide as the columns below it."""
    if not note:
        return []
    return textwrap.wrap(clean(note), max(int((sum(widths) or 100) * 0.7), 40))


def bold(sheet: WriteOnlyWorksheet, text: str) -> None:
    cell = _text(sheet, text)
    cell.font = BOLD
    emit(sheet, [cell])


def _text(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """A cell that holds text as written, even text that starts like a formula."""
    cell = WriteOnlyCell(sheet, value=clean(text))
    cell.data_type = "s"
    return cell
