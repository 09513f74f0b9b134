"""Keeping a catalog safe at scale: dump, load, backup and restore of a catalog built from an
N-tool vendor workbook, against the floor of merely reading every row of it.

Each step runs in a fresh process (its own peak memory), all side by side in one run.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.child import in_child, peak_mb


def _measure(step: str, database: Path, target: Path) -> dict[str, float]:
    from stackmap import db

    url = f"sqlite:///{database}"
    engine = db.open_database(url)
    started = time.perf_counter()
    if step == "build":
        from stackmap.inventory import Inventory
        from stackmap.reference import load_reference

        inventory = Inventory(engine, load_reference(), "benchmark")
        inventory.apply_import(inventory.plan_import(target))
    elif step == "read":
        import sqlalchemy as sa

        from stackmap.dump import TABLES

        with engine.connect() as conn:
            rows = sum(len(conn.execute(sa.select(table)).all()) for table in TABLES)
        assert rows
    elif step == "dump":
        from stackmap.dump import dump_catalog

        dump_catalog(engine, target)
    elif step == "load":
        from stackmap.load import load_catalog

        load_catalog(engine, target)
    elif step == "backup":
        from stackmap.backup import backup_catalog

        backup_catalog(engine, target)
    elif step == "restore":
        from stackmap.backup import restore_catalog

        restore_catalog(engine, target)
    else:
        raise SystemExit(f"unknown step {step}")
    seconds = time.perf_counter() - started
    engine.dispose()
    return {
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


def run(tools: int) -> list[tuple[str, str]]:
    """Return (figure, value) rows for a catalog of `tools` tools and as many integrations."""
    from benchmarks.generate import synthetic_stack, write_workbook

    folder = Path(tempfile.mkdtemp(prefix="stackmap-keep-"))
    try:
        workbook = write_workbook(folder / "vendor.xlsx", synthetic_stack(tools, tools))
        live = folder / "live.db"
        in_child("benchmarks.keeping_speed", "build", live, workbook)
        read = in_child("benchmarks.keeping_speed", "read", live, folder / "unused")
        steps = {
            "dump": in_child("benchmarks.keeping_speed", "dump", live, folder / "dump"),
            "load": in_child("benchmarks.keeping_speed", "load", folder / "l.db", folder / "dump"),
            "backup": in_child("benchmarks.keeping_speed", "backup", live, folder / "b.db"),
            "restore": in_child(
                "benchmarks.keeping_speed", "restore", folder / "r.db", folder / "b.db"
            ),
        }
        size = sum(p.stat().st_size for p in (folder / "dump").iterdir()) / 2**20
        rows = [("catalog", f"{tools:,} tools and integrations; dump {size:.0f} MB of YAML")]
        rows.append(("read every row (the floor)", f"{read['seconds']:.2f} s"))
        for name, figures in steps.items():
            rows.append(
                (
                    f"{name}",
                    f"{figures['seconds']:.2f} s = {figures['seconds'] / read['seconds']:.1f}x "
                    f"the read, peak {figures['peak_mb']:.0f} MB",
                )
            )
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    step, database_arg, target_arg = sys.argv[1:4]
    print(json.dumps(_measure(step, Path(database_arg), Path(target_arg))))
