"""Small workbooks written for a test, read back by the importer."""

from __future__ import annotations

from collections.abc import Sequence
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
