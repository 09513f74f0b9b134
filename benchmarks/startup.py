"""Start-up as the user waits for it: whole `stackmap` processes, from exec to exit, side by
side with floors measured in the same rounds — `python -c pass`, and Python importing Typer and
Rich (what any Typer CLI with Rich output pays before it does anything).

Rounds are interleaved (each round runs every command once, in turn), so a burst of load on
this 2-core machine hits every row alike; min and median of the rounds are printed, with the
load average beside them. Bytecode caches are warmed first and may be written, as on a user's
machine (a PYTHONDONTWRITEBYTECODE inherited from the shell would recompile stackmap on every
start). The demo catalog is built in a temporary folder, removed afterwards.

Targets (issue 18): `--version` and `--help` ≤ 0.3 s; `tools` on the demo catalog ≤ 0.8 s.
Run alone: `python -m benchmarks.startup [--rounds N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"stackmap --version": 0.3, "stackmap --help": 0.3, "stackmap tools (demo)": 0.8}


def _environment(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["STACKMAP_CACHE_DIR"] = str(cache)
    env["COLUMNS"] = "120"
    return env


def _commands(database: Path) -> dict[str, list[str]]:
    python = sys.executable
    stackmap = [python, "-m", "stackmap"]
    return {
        "python -c pass (floor)": [python, "-c", "pass"],
        "python: import typer, rich (floor)": [python, "-c", "import typer, rich.console"],
        "stackmap --version": [*stackmap, "--version"],
        "stackmap --help": [*stackmap, "--help"],
        "stackmap tools (demo)": [*stackmap, "--db", str(database), "tools"],
        "stackmap info (demo)": [*stackmap, "--db", str(database), "info"],
        "stackmap tool show (demo)": [*stackmap, "--db", str(database), "tool", "show", "HubSpot"],
    }


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - started


def measure(rounds: int = 5) -> list[tuple[str, float, float, float]]:
    """(name, min s, median s, load average) per command, over interleaved rounds."""
    folder = Path(tempfile.mkdtemp(prefix="stackmap-startup-"))
    try:
        env = _environment(folder / "cache")
        demo = [sys.executable, "-m", "stackmap", "demo", "--output", str(folder / "demo")]
        subprocess.run(demo, env=env, stdout=subprocess.DEVNULL, check=True)
        commands = _commands(folder / "demo" / "demo.db")
        for command in commands.values():  # warm the bytecode and the reference cache
            _time(command, env)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        loads: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, command in commands.items():
                loads[name].append(os.getloadavg()[0])
                samples[name].append(_time(command, env))
        return [
            (name, min(times), statistics.median(times), statistics.median(loads[name]))
            for name, times in samples.items()
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(rounds: int = 5) -> list[tuple[str, str]]:
    """Rows for `python -m benchmarks`: each command's min / median, and its target."""
    rows = []
    for name, best, median, load in measure(rounds):
        target = TARGETS.get(name)
        verdict = (
            ""
            if target is None
            else f"  target ≤ {target:.1f} s: " + ("met" if best <= target else "NOT MET")
        )
        rows.append((name, f"{best:.2f} s min, {median:.2f} s median (load {load:.1f}){verdict}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for name, value in run(args.rounds):
        print(f"{name:<36} {value}")


if __name__ == "__main__":
    main()
