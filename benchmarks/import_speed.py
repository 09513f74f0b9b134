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
    elif step == "floor":
        return _write_floor(database)
    else:
        raise SystemExit(f"unknown step {step}")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": peak_mb()}


def _write_floor(imported: Path) -> dict[str, float]:
    """Time writing exactly the rows the import wrote with raw sqlite3 (one executemany per
    table, one transaction, the catalog's WAL and synchronous=FULL): what the database alone
    costs, with no Python work on the rows at all."""
    import sqlite3

    source = sqlite3.connect(imported)
    names = [
        row[0]
        for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'alembic_version'"
        )
    ]
    rows = {name: source.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    schema = [
        row[0]
        for row in source.execute(
            "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND sql IS NOT NULL"
        )
    ]
    source.close()
    target_path = imported.with_name("floor.db")
    target = sqlite3.connect(target_path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "cache_size = -65536"):
        target.execute(f"PRAGMA {pragma}")
    for statement in schema:
        target.execute(statement)
    started = time.perf_counter()
    target.execute("BEGIN IMMEDIATE")
    for name in names:
        if rows[name]:
            marks = ", ".join("?" * len(rows[name][0]))
            target.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows[name])
    target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    return {"seconds": seconds, "rows": float(sum(len(r) for r in rows.values()))}


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
    floor = measure("floor", workbook, folder / "catalog.db")
    assert floor is not None
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
        (
            "the database alone: the same rows, raw executemany",
            f"{floor['seconds']:.2f} s for {floor['rows']:,.0f} rows; with the read, "
            f"{(floor['seconds'] + read['seconds']) / read['seconds']:.1f}x before any work",
        ),
    ]
    if pandas:
        rows.append(
            ("import ÷ pandas read", f"{full['seconds'] / pandas['seconds']:.2f}x (target < 1x)")
        )
    return rows


if __name__ == "__main__":
    step, workbook_arg, database_arg = sys.argv[1:4]
    print(json.dumps(_measure(step, Path(workbook_arg), Path(database_arg))))
