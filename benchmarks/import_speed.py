"""Import speed: a vendor workbook of N tools imported end to end, against merely reading it.

Each measurement runs in a fresh process, so peak memory (max RSS) is that step's alone, and
all of them run side by side in one invocation so the ratios compare like with like.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.child import in_child, peak_mb


def _measure(step: str, workbook: Path, database: Path) -> dict[str, float]:
    # Modules are imported and the catalog opened before the clock starts: the figure is the
    # work on the file (read, map, parse, match, write, history), not Python's start-up.
    if step == "calamine":
        import python_calamine

        started = time.perf_counter()
        book = python_calamine.CalamineWorkbook.from_path(str(workbook))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    elif step == "reader":
        from stackmap.importers.files import read_sheets

        started = time.perf_counter()
        read_sheets(workbook)
    elif step == "pandas":
        import pandas

        started = time.perf_counter()
        pandas.read_excel(workbook, sheet_name=None, engine="openpyxl")
    elif step == "stackmap":
        from stackmap.inventory import Inventory

        inventory = Inventory.open(str(database), actor="benchmark")
        started = time.perf_counter()
        plan = inventory.plan_import(workbook)
        inventory.apply_import(plan)
        inventory.close()
    else:
        raise SystemExit(f"unknown step {step}")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_mb()}


def measure(step: str, workbook: Path, database: Path) -> dict[str, float] | None:
    """Run one step in a child process; None when it cannot run here (pandas missing)."""
    try:
        return in_child("benchmarks.import_speed", step, workbook, database)
    except RuntimeError as exc:
        if "No module named 'pandas'" in str(exc):
            return None
        raise


def run(tools: int) -> list[tuple[str, str]]:
    """Return (figure, value) rows for an import of a generated workbook of `tools` tools."""
    from benchmarks.generate import synthetic_stack, write_workbook

    folder = Path(tempfile.mkdtemp(prefix="stackmap-bench-"))
    workbook = write_workbook(folder / "vendor.xlsx", synthetic_stack(tools, tools))
    read = measure("calamine", workbook, folder / "unused.db")
    reader = measure("reader", workbook, folder / "unused.db")
    pandas = measure("pandas", workbook, folder / "unused.db")
    full = measure("stackmap", workbook, folder / "catalog.db")
    assert read is not None and full is not None
    rows = [
        (
            "workbook",
            f"{tools:,} tools + {tools:,} integrations, {workbook.stat().st_size / 2**20:.1f} MB",
        ),
        ("python-calamine read (every sheet, to_python)", f"{read['seconds']:.2f} s"),
        (
            "stackmap's reader (calamine + bombs, bounds, clean text)",
            f"{reader['seconds']:.2f} s" if reader else "-",
        ),
        (
            "pandas.read_excel (openpyxl)",
            f"{pandas['seconds']:.2f} s" if pandas else "pandas not installed",
        ),
        ("stackmap import, end to end", f"{full['seconds']:.2f} s, peak {full['peak_mb']:.0f} MB"),
        ("import ÷ calamine read", f"{full['seconds'] / read['seconds']:.1f}x (target ≤ 4x)"),
    ]
    if pandas:
        rows.append(
            ("import ÷ pandas read", f"{full['seconds'] / pandas['seconds']:.2f}x (target < 1x)")
        )
    return rows


if __name__ == "__main__":
    step, workbook_arg, database_arg = sys.argv[1:4]
    print(json.dumps(_measure(step, Path(workbook_arg), Path(database_arg))))
