"""Workbook speed: the whole rationalisation workbook against openpyxl's write-only mode
writing just the inventory sheet's cells, side by side, for the same generated stack.

Both run in fresh processes on the same in-memory snapshot (built by the analysis
benchmark's generator). The ratio compares writing: every sheet, styles, tables, the matrix,
the findings and charts against the inventory's bare cells; the analysis feeding the
workbook is timed by the analysis benchmark, and the export's end-to-end time (analysis plus
workbook) is reported beside it.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from benchmarks.child import in_child, peak_mb


def _measure(step: str, tools: int, folder: Path) -> dict[str, float]:
    from openpyxl import Workbook

    from benchmarks.analysis_speed import build_stack
    from stackmap.analysis import analyze
    from stackmap.export.sheets import INVENTORY, inventory_rows
    from stackmap.export.workbook import WorkbookSource, write_workbook
    from stackmap.reference import load_reference

    stack = build_stack(tools, tools * 5, load_reference())
    if step == "baseline":
        # The inventory sheet's cells as plain values, worked out before the clock starts:
        # the least any workbook with this inventory must do.
        rows = list(inventory_rows(stack, analyze(stack), {}))
        started = time.perf_counter()
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Inventory")
        sheet.append([c[0] for c in INVENTORY])
        for row in rows:
            sheet.append(row)
        book.save(folder / "baseline.xlsx")
    else:
        started = time.perf_counter()
        analysis = analyze(stack)
        analysed = time.perf_counter()
        write_workbook(
            folder / "review.xlsx",
            WorkbookSource(stack, analysis, {}, "bench:0", "benchmark", None, datetime.now()),
        )
        return {
            "seconds": time.perf_counter() - analysed,
            "with_analysis": time.perf_counter() - started,
            "peak_mb": peak_mb(),
        }
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_mb(),
    }


def measure(step: str, tools: int, folder: Path) -> dict[str, float]:
    return in_child("benchmarks.workbook_speed", step, tools, folder)


def run(tools: int) -> list[tuple[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="stackmap-bench-"))
    baseline = measure("baseline", tools, folder)
    full = measure("workbook", tools, folder)
    size = (folder / "review.xlsx").stat().st_size / 2**20
    return [
        ("openpyxl write-only, inventory cells only", f"{baseline['seconds']:.2f} s"),
        (
            "stackmap workbook, all sheets",
            f"{full['seconds']:.2f} s, {size:.1f} MB, peak {full['peak_mb']:.0f} MB",
        ),
        ("workbook ÷ baseline", f"{full['seconds'] / baseline['seconds']:.1f}x (target ≤ 3x)"),
        (
            "export end to end (analysis + workbook)",
            f"{full['with_analysis']:.2f} s, "
            f"{full['with_analysis'] / baseline['seconds']:.1f}x the baseline",
        ),
    ]


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))))
