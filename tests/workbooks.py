"""Small workbooks written for a test, read back by the importer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook


def xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """Write rows to the first sheet of a new workbook at path and return the path."""
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


def sheets(path: Path, named: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    """Write each named sheet's rows, in order, to a new workbook at path and return the path."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for name, rows in named.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    wb.save(path)
    return path
