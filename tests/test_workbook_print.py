"""The workbook as people see it on paper: LibreOffice prints it to PDF and the pages are read
back (pdfplumber). Every page must print at 60 % or more, the page count stays within a bound
per 100 tools, and no cell shows an error or a column too narrow for its number.

The scale is read from the page footer, set in 9-point type: LibreOffice shrinks it with the
page, so its printed size over 9 is the page's print scale.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from catalogs import arrange_overlap

from benchmarks.generate import synthetic_stack, write_workbook
from stackmap.inventory import Inventory
from stackmap.publish import export_workbook

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("soffice") is None,
        reason="LibreOffice (soffice) is not installed; .ci/run installs it from Debian's packages",
    ),
]
pdfplumber = pytest.importorskip("pdfplumber")

TODAY = date(2027, 1, 1)
# Measured: 475 pages for 500 tools and 1,500 links (Inventory 145, Capability matrix 86,
# Recommendations 72, Integration register 61, Overlaps 38, the rest under 30 each).
PAGES_PER_100_TOOLS = 110
ERRORS = re.compile(r"#(VALUE|REF|NAME|DIV/0|N/A|NUM|NULL)[!?]?|Err:\d+|###")


def render(xlsx: Path) -> list[tuple[str, float, str]]:
    """Print the workbook to PDF; return (sheet, print scale, text) per page."""
    profile = xlsx.parent / "lo-profile"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(xlsx.parent), str(xlsx)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pages = []
    with pdfplumber.open(xlsx.with_suffix(".pdf")) as pdf:
        for page in pdf.pages:
            text = page.extract_text() or ""
            footer = [c for c in page.chars if c["top"] > page.height - 60 and c["text"] == "P"]
            scale = footer[0]["size"] / 9 if footer else 0.0  # "Page x of y"
            heading = next((line for line in text.splitlines() if " As of " in line), "")
            sheet = heading.removeprefix("Marketing technology stack review").split(" As of")[0]
            pages.append((sheet.strip(), scale, text))
    return pages


def check(pages: list[tuple[str, float, str]]) -> dict[str, int]:
    """Every page legible and error-free; return the page count of each sheet."""
    counts: dict[str, int] = {}
    for number, (sheet, scale, text) in enumerate(pages, 1):
        assert scale >= 0.6, f"page {number} ({sheet}) prints at {scale:.0%}"
        assert not ERRORS.search(text), f"page {number} ({sheet}) shows {ERRORS.search(text)}"
        counts[sheet] = counts.get(sheet, 0) + 1
    return counts


def test_the_review_workbook_prints_legibly(tmp_path: Path) -> None:
    inventory = Inventory.open(str(tmp_path / "c.db"), actor="tester")
    arrange_overlap(inventory)
    path = tmp_path / "review.xlsx"
    export_workbook(inventory, path, today=TODAY, retire=["Marketo Engage"])
    counts = check(render(path))
    assert set(counts) >= {"Summary", "Inventory", "Overlaps", "Renewals", "Read me"}
    assert counts["Summary"] <= 4


def test_a_500_tool_workbook_prints_legibly_in_a_bounded_number_of_pages(tmp_path: Path) -> None:
    inventory = Inventory.open(str(tmp_path / "c.db"), actor="tester")
    source = write_workbook(tmp_path / "stack.xlsx", synthetic_stack(500, 1500, seed=5))
    inventory.apply_import(inventory.plan_import(source))
    path = tmp_path / "review.xlsx"
    export_workbook(inventory, path, today=TODAY)
    counts = check(render(path))
    total = sum(counts.values())
    assert counts["Summary"] <= 10, counts
    assert total <= 500 * PAGES_PER_100_TOOLS / 100, counts
