"""Instructions a whole `stackmap` process executes, this working tree beside a git revision:
a yardstick for changes too small for the clock.

This machine's wall time drifts by a third within an hour, so a change worth 5% cannot be
seen in seconds, however the rounds are interleaved. The number of instructions a process
executes (valgrind's cachegrind, cache simulation off) repeats to within 0.01% from run to
run. It is a proxy, not the time: it does not see cache misses, page faults or system calls,
so a change that moves memory rather than work (fewer copies of a large buffer) saves more
time than its count says, and one that removes cheap instructions (binding named arguments)
less. The whole-process table (`python -m benchmarks`) stays the record.

Both trees run once unmeasured first, so that each has its reference cache, then both under
valgrind at once (one per core); about fifty times slower than a plain run.

Run: `python -m benchmarks.instructions [--base REV] -- --db CATALOG analyze --json`, or
`... -- --db {tmp}/new.db import FILE` ({tmp}: a new folder for each run); needs valgrind
(`apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_COUNT = re.compile(r"I\s+refs:\s+([\d,]+)")
_VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def count(tree: Path, args: list[str], env: dict[str, str], folder: Path) -> int:
    """Instructions `python -m stackmap args` executes with the code in tree. "{tmp}" in an
    argument is a new empty folder for each run (a catalog to import into)."""
    run_env = {**env, "PYTHONPATH": str(tree)}

    def argv() -> list[str]:
        fresh = tempfile.mkdtemp(dir=folder)
        return [sys.executable, "-m", "stackmap", *(a.replace("{tmp}", fresh) for a in args)]

    subprocess.run(argv(), env=run_env, cwd=tree, stdout=subprocess.DEVNULL, check=True)
    done = subprocess.run(
        [*_VALGRIND, *argv()],
        env=run_env,
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    found = _COUNT.search(done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def compare(base: str, args: list[str]) -> tuple[int, int]:
    """(instructions at base, instructions in this working tree) for the same command."""
    folder = Path(tempfile.mkdtemp(prefix="stackmap-instructions-"))
    env = {**os.environ, "STACKMAP_CACHE_DIR": str(folder / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # both trees compile once, not once per run
    worktree = folder / "base"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(worktree), base],
        check=True,
    )
    try:
        with ThreadPoolExecutor(2) as pool:
            before = pool.submit(count, worktree, args, env, folder)
            after = pool.submit(count, ROOT, args, env, folder)
            return before.result(), after.result()
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False
        )
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="the git revision to compare with")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- stackmap's arguments")
    options = parser.parse_args()
    args = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not args:
        parser.error("give the command to measure after --, e.g. -- --db x.db analyze --json")
    if shutil.which("valgrind") is None:
        sys.exit("benchmarks.instructions: valgrind is not installed (apt-get install valgrind)")
    before, after = compare(options.base, args)
    print(f"{options.base}: {before:,} instructions")
    print(f"working tree: {after:,} instructions ({(after - before) / before:+.2%})")


if __name__ == "__main__":
    main()
