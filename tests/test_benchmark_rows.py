"""The whole-process benchmark's --only: the rows it names, and a clear refusal of a name that
is no row (before minutes of setting up); and the memory it reports for a process that forks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import processes

ROWS = processes._rows(0, Path(), {"workbook": "", "catalog": "", "hub": ""})


def test_only_names_rows_by_the_start_of_their_command() -> None:
    assert [r.name for r in processes.chosen(ROWS, ["import"])] == ["import"]
    assert [r.name for r in processes.chosen(ROWS, ["re-import"])] == ["re-import (unchanged)"]
    assert [r.name for r in processes.chosen(ROWS, ["export"])] == [
        "export map",
        "export workbook",
    ]
    assert [r.name for r in processes.chosen(ROWS, ["analyze", "export map"])] == [
        "analyze --json",
        "export map",
    ]
    assert processes.chosen(ROWS, []) == ROWS


def test_a_name_that_is_no_command_is_refused_naming_the_commands() -> None:
    with pytest.raises(SystemExit, match=r"^no command named imprt; the commands: import, "):
        processes.commands("imprt,analyze")
    assert processes.commands(" import , export map ") == ["import", "export map"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")
def test_a_process_s_peak_counts_the_copies_it_forks() -> None:
    # 100 MB, then a forked copy that writes every page of it (so the system copies them all)
    # while the original waits: 200 MB held together, where rusage says 100 MB for each.
    script = (
        "import os, time\n"
        "block = bytearray(100 * 2**20)\n"
        "block[::4096] = b'x' * len(block[::4096])\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    block[::4096] = b'y' * len(block[::4096])\n"
        "    time.sleep(0.5)\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    assert _peak(script) > 190
    assert 100 < _peak(script.split("pid =")[0]) < 150  # the same without the copy


def _peak(script: str) -> float:
    """The peak _run reports for `python -c script`, measured from a fresh interpreter: a
    process's rusage starts from the size of the one it was forked from (this test run's)."""
    measure = (
        "import os, sys\n"
        "from benchmarks import processes\n"
        "print(processes._run([sys.executable, '-c', sys.argv[1]], dict(os.environ))[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, script], capture_output=True, text=True, check=True
    )
    return float(done.stdout)
