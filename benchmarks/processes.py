"""Every command as the user waits for it: whole `stackmap` processes from exec to exit, each
beside a raw floor doing the same reads and writes (benchmarks/floors.py), at 2,000, 20,000
and 100,000 tools (five integrations per tool).

Rounds are interleaved — each round runs every command and its floor once, in turn — so a
burst of load hits both alike; min and median of the rounds are printed with the machine's
load average, and the peak memory of each process: its max RSS, read from its rusage, or,
for a process that forks a copy of itself, the most the two held together. The
catalog every read command uses is imported once, untimed; the import and load rows write a
fresh catalog each round. Temporary folders are removed.

Run: `python -m benchmarks.processes [--sizes 2000,20000] [--rounds 3] [--only import,analyze]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable
STACKMAP = [PYTHON, "-m", "stackmap"]
FLOOR = [PYTHON, "-m", "benchmarks.floors"]


@dataclass
class Row:
    """One command and its floor: argv builders (given a fresh folder per run) and a target."""

    name: str
    command: Callable[[Path], list[str]]
    floor: Callable[[Path], list[str]]
    target: str  # in words, as the issue states it
    check: Callable[[Row, int], bool | None] = lambda row, size: None
    times: list[float] = field(default_factory=list)
    floor_times: list[float] = field(default_factory=list)
    peak: list[float] = field(default_factory=list)
    floor_peak: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return min(self.times) / min(self.floor_times)


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from exec to exit, and the process's peak memory in MB: its own, or with the
    copies it forks (see _Copies), whichever is more."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    copies = _Copies(process.pid)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    copies.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"{' '.join(argv[2:5])}…: {error.strip().splitlines()[-1:]}")
    return seconds, max(usage.ru_maxrss / 1024, copies.peak / 1024)


class _Copies:
    """The most memory a process and the copies of itself it forks (`analyze --json` works
    half its analysis in one) held together, in KB: rusage gives only the largest of them,
    each on its own. Sampled every 20 ms while the process has a child, as the sum of their
    proportional set sizes (a page they share counts once); while it has none, only its list
    of children is read, so that a process that never forks is timed undisturbed."""

    def __init__(self, pid: int) -> None:
        self.peak = 0
        self._pid = pid
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(0.02):
            family = _descendants(self._pid)
            if family:
                self.peak = max(self.peak, sum(_pss(pid) for pid in (self._pid, *family)))


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(child) for child in (task / "children").read_text().split())
    except (OSError, ValueError):
        return found
    return found + [grandchild for child in found for grandchild in _descendants(child)]


def _pss(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        return next((int(x.split()[1]) for x in rollup if x.startswith("Pss:")), 0)
    except (OSError, ValueError):
        return 0


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's machine keeps its bytecode
    env["STACKMAP_CACHE_DIR"] = str(folder / "cache")
    env["COLUMNS"] = "120"
    return env


def _top_hub(catalog: Path) -> str:
    connection = sqlite3.connect(catalog)
    row = connection.execute(
        "SELECT t.name FROM tool t JOIN integration i ON t.id IN (i.source_tool_id, "
        "i.target_tool_id) GROUP BY t.id ORDER BY count(*) DESC, t.name LIMIT 1"
    ).fetchone()
    connection.close()
    return str(row[0])


def _setup(size: int, folder: Path, env: dict[str, str]) -> dict[str, Path | str]:
    """The workbook, the catalog imported from it, and what the floors read (untimed).

    The workbook is generated in a child process: this one must stay small, because a child's
    peak memory (its rusage) starts from the size of the process it was forked from."""
    workbook = folder / "vendor.xlsx"
    _run([PYTHON, "-m", "benchmarks.generate", str(size), str(size * 5), str(workbook)], env)
    catalog = folder / "catalog.db"
    _run([*STACKMAP, "--db", str(catalog), "import", str(workbook)], env)
    # Re-imported each round: only an import batch row is added, the rest stays unchanged.
    shutil.copyfile(catalog, folder / "again.db")
    _run([*STACKMAP, "--db", str(catalog), "dump", str(folder / "dumped")], env)
    _run([*STACKMAP, "--db", str(catalog), "export", "workbook", str(folder / "made.xlsx")], env)
    for step, args in (
        ("prepare-import", [catalog, folder / "rows.pickle"]),
        ("prepare-workbook", [folder / "made.xlsx", folder / "cells.pickle"]),
        ("prepare-load", [catalog, folder / "catalog.sql"]),
    ):
        _run([*FLOOR, step, *map(str, args)], env)
    return {"workbook": workbook, "catalog": catalog, "hub": _top_hub(catalog)}


def _rows(size: int, folder: Path, given: dict[str, Path | str]) -> list[Row]:
    workbook, catalog, hub = str(given["workbook"]), str(given["catalog"]), str(given["hub"])
    db = [*STACKMAP, "--db", catalog]

    def within(limit: float) -> Callable[[Row, int], bool | None]:
        # The targets are set at 20,000 and 100,000 tools; at 2,000 Python's start-up (the
        # libraries a command loads) outweighs the work and the ratio says little.
        return lambda row, n: row.ratio <= limit if n >= 20_000 else None

    return [
        Row(
            "import",
            lambda f: [*STACKMAP, "--db", str(f / "new.db"), "import", workbook],
            lambda f: [*FLOOR, "import", workbook, str(folder / "rows.pickle"), str(f / "n.db")],
            "≤ 1.5x, memory ≤ 2x",
            within(1.5),
        ),
        Row(
            # A team's monthly refresh: the same inventory again, every row compared with the
            # catalog and found unchanged. No target in the issue; tracked beside its floor.
            "re-import (unchanged)",
            lambda f: [*STACKMAP, "--db", str(folder / "again.db"), "import", workbook],
            lambda f: [*FLOOR, "reimport", workbook, str(folder / "again.db")],
            "none set (tracked)",
        ),
        Row(
            "analyze --json",
            lambda f: [*db, "analyze", "--json"],
            lambda f: [*FLOOR, "analyze", catalog],
            "≤ 2.5x",
            within(2.5),
        ),
        Row(
            "whatif --json (top hub)",
            lambda f: [*db, "whatif", "--retire", hub, "--json"],
            lambda f: [*FLOOR, "analyze", catalog],
            "≤ 1.5 s at 20k",
            lambda row, n: min(row.times) <= 1.5 if n == 20_000 else None,
        ),
        Row(
            "tools --json",
            lambda f: [*db, "tools", "--json"],
            lambda f: [*FLOOR, "tools", catalog],
            "≤ 1.5x",
            within(1.5),
        ),
        Row(
            "export map",
            lambda f: [*db, "export", "map", str(f / "map.html")],
            lambda f: [*FLOOR, "map", catalog, str(f / "floor.html")],
            "≤ 3 s at 20k",
            lambda row, n: min(row.times) <= 3 if n == 20_000 else None,
        ),
        Row(
            "export workbook",
            lambda f: [*db, "export", "workbook", str(f / "review.xlsx")],
            lambda f: [*FLOOR, "workbook", str(folder / "cells.pickle"), str(f / "floor.xlsx")],
            "≤ 1.5x",
            within(1.5),
        ),
        Row(
            "dump",
            lambda f: [*db, "dump", str(f / "dump")],
            lambda f: [*FLOOR, "dump", catalog, str(f / "floor-dump")],
            "≤ 2x, ≤ 200 MB at 20k",
            within(2),
        ),
        Row(
            "load",
            lambda f: [*STACKMAP, "--db", str(f / "loaded.db"), "load", str(folder / "dumped")],
            lambda f: [*FLOOR, "load", str(folder / "catalog.sql"), str(f / "l.db")],
            "≤ 2x",
            within(2),
        ),
        Row(
            "--version",
            lambda f: [*STACKMAP, "--version"],
            lambda f: [PYTHON, "-c", "import typer, rich.console"],
            "≤ 0.3 s",
            lambda row, n: min(row.times) <= 0.3,
        ),
    ]


def chosen(rows: list[Row], only: Sequence[str] = ()) -> list[Row]:
    """The rows whose command starts with one of `only` ("import", "export map"; "export" is
    both exports); every row when `only` is empty. A name matching no row is an error."""
    if not only:
        return rows
    unknown = [o for o in only if not any(r.name.startswith(o) for r in rows)]
    if unknown:
        names = ", ".join(r.name for r in rows)
        raise SystemExit(f"no command named {', '.join(unknown)}; the commands: {names}")
    return [r for r in rows if any(r.name.startswith(o) for o in only)]


def commands(only: str) -> list[str]:
    """The commands a comma-separated --only names, checked before anything is set up."""
    names = [o.strip() for o in only.split(",") if o.strip()]
    chosen(_rows(0, Path(), {"workbook": "", "catalog": "", "hub": ""}), names)
    return names


def measure(size: int, rounds: int, only: Sequence[str] = ()) -> list[Row]:
    """Run the rows' commands and floors, `rounds` interleaved rounds at `size` tools (only
    the commands `only` names, when it names any: more rounds of one row in the same time)."""
    folder = Path(tempfile.mkdtemp(prefix=f"stackmap-processes-{size}-"))
    try:
        env = _environment(folder)
        rows = chosen(_rows(size, folder, _setup(size, folder, env)), only)
        for _ in range(rounds):
            for row in rows:
                for argv, times, peaks in (
                    (row.command, row.times, row.peak),
                    (row.floor, row.floor_times, row.floor_peak),
                ):
                    scratch = Path(tempfile.mkdtemp(dir=folder))
                    row.loads.append(os.getloadavg()[0])
                    seconds, peak = _run(argv(scratch), env)
                    times.append(seconds)
                    peaks.append(peak)
                    shutil.rmtree(scratch)
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def table(results: dict[int, list[Row]]) -> list[str]:
    """The table: per size and command, stackmap and its floor (min / median, peak), the ratio
    of the minima, the target, and how time grew from the previous size."""
    lines = [
        "| tools | command | stackmap min / median | peak | floor min / median | peak | "
        "ratio | target | growth | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    previous: dict[str, tuple[int, float, float]] = {}
    for size, rows in results.items():
        for row in rows:
            best, floor = min(row.times), min(row.floor_times)
            verdict = row.check(row, size)
            mark = "" if verdict is None else (" met" if verdict else " **not met**")
            growth = ""
            if row.name in previous:
                # Beside the floor's own growth: SQLite's indexes and the page cache make
                # even the raw floor grow faster than the row count past 20,000 tools.
                before_size, before, floor_before = previous[row.name]
                growth = (
                    f"{best / before:.1f}x for {size / before_size:.0f}x "
                    f"(floor {floor / floor_before:.1f}x)"
                )
            previous[row.name] = (size, best, floor)
            lines.append(
                f"| {size:,} | {row.name} | {best:.2f} / {statistics.median(row.times):.2f} s | "
                f"{max(row.peak):.0f} MB | {floor:.2f} / {statistics.median(row.floor_times):.2f}"
                f" s | {max(row.floor_peak):.0f} MB | {row.ratio:.1f}x | {row.target}{mark} | "
                f"{growth} | {statistics.median(row.loads):.1f} |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2000,20000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="commands, comma-separated: import,analyze")
    args = parser.parse_args()
    only = commands(args.only)
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        results[size] = measure(size, args.rounds, only)
        print(f"measured {size:,} tools", file=sys.stderr, flush=True)
    print("\n".join(table(results)))


if __name__ == "__main__":
    main()
