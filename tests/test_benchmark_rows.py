"""The whole-process benchmark's --only: the rows it names, and a clear refusal of a name that
is no row (before minutes of setting up)."""

from __future__ import annotations

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
