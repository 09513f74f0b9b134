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

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
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
    """Append rows to a write-only sheet with one number format (or style) per column."""

    def __init__(
        self,
        sheet: WriteOnlyWorksheet,
        formats: Sequence[str | None] = (),
        wrap: Sequence[bool] = (),
    ) -> None:
        self.sheet = sheet
        self._styled: list[WriteOnlyCell | None] = []
        for index in range(max(len(formats), len(wrap))):
            number_format = formats[index] if index < len(formats) else None
            wrapped = wrap[index] if index < len(wrap) else False
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

    def append(self, values: Sequence[Any]) -> None:
        # The hot loop of every export (rows x columns): the common types are checked by
        # class, and the illegal-character scan runs only on text that is not printable.
        row: list[Any] = []
        styled = self._styled
        count = len(styled)
        for index, value in enumerate(values):
            kind = value.__class__
            if kind is str:
                if not value:
                    row.append(None)  # an empty string would still be written as a cell
                    continue
                if not value.isprintable():
                    value = _ILLEGAL.sub("", value)
                if value.startswith(FORMULA_TRIGGERS):
                    target = WriteOnlyCell(self.sheet)
                    if index < count and styled[index] is not None:
                        target.style = styled[index].style  # type: ignore[union-attr]
                    target.value = value
                    target.data_type = "s"  # shown as written, never evaluated
                    row.append(target)
                    continue
            elif kind is not int and kind is not float and value is not None:
                value = clean(value) or None
            cell = styled[index] if index < count else None
            if cell is None or value is None:
                row.append(value)
            else:
                cell.value = value
                row.append(cell)
        self.sheet.append(row)

    def formula(self, values: Sequence[Any]) -> None:
        """Append a row of stackmap's own formulas (strings starting with "="), formatted like
        the column; never catalog text, which append() keeps as text."""
        row: list[Any] = []
        for index, value in enumerate(values):
            cell = self._styled[index] if index < len(self._styled) else None
            if isinstance(value, str) and value.startswith("=") and cell is not None:
                cell.value = value  # openpyxl stores it as a formula
                row.append(cell)
            else:
                row.append(clean(value))
        self.sheet.append(row)


def prepare(sheet: WriteOnlyWorksheet, widths: Sequence[float], *, fit: bool = True) -> None:
    """Set column widths and print layout: landscape, fit to the page's width (or, for wide
    tables, pages across with the header row repeated).

    Must run before the first row is appended: a write-only sheet writes its columns and
    properties out with the first row.
    """
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.page_setup.orientation = "landscape"
    if fit:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        sheet.print_title_rows = "1:1"


def header(sheet: WriteOnlyWorksheet, names: Sequence[str]) -> None:
    """Append a header row: white bold text on dark blue."""
    row = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        row.append(cell)
    sheet.append(row)


def title(sheet: WriteOnlyWorksheet, text: str, note: str | None = None) -> None:
    """Append a sheet title (and a one-line note) above a table."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = TITLE_FONT
    sheet.append([cell])
    if note:
        sheet.append([clean(note)])


def bold(sheet: WriteOnlyWorksheet, text: str) -> None:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = BOLD
    sheet.append([cell])
