"""The whole-process benchmark's --only: the rows it names, and a clear refusal of a name that
is no row (before minutes of setting up); and the memory it reports for a process that forks."""

from __future__ import annotations

import os
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
    _, peak = processes._run([sys.executable, "-c", script], dict(os.environ))
    assert peak > 190
    _, alone = processes._run([sys.executable, "-c", script.split("pid =")[0]], dict(os.environ))
    assert 100 < alone < 150
