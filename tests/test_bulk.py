"""The collector around bulk work: paused during it, back afterwards; in a one-shot process
what it built is frozen instead of scanned again, and what its command built is held to the
end instead of freed on the way out; never in the TUI or a test run."""

from __future__ import annotations

import ast
import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackmap import bulk
from stackmap.cli import app


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    bulk.one_shot_process(False)
    bulk._kept.clear()
    gc.unfreeze()
    if not was:
        gc.disable()


def _build() -> list[list[int]]:
    with bulk.bulk_work():
        assert not gc.isenabled()
        return [[i] for i in range(10_000)]


def test_the_collector_is_paused_for_bulk_work_and_back_after(collector: None) -> None:
    before = gc.get_freeze_count()
    _build()
    assert gc.isenabled()
    assert gc.get_freeze_count() == before  # a long-lived process scans them as usual


def test_a_one_shot_process_freezes_what_bulk_work_built(collector: None) -> None:
    bulk.one_shot_process()
    before = gc.get_freeze_count()
    built = _build()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(built)


def test_the_script_is_one_shot() -> None:
    code = (
        "from stackmap import bulk\n"
        "import stackmap.cli as cli\n"
        "seen = []\n"
        "cli._end = lambda status: seen.append(bulk._one_shot)\n"
        "cli.main(['--version'])\n"
        "print('ONE_SHOT', seen)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "ONE_SHOT [True]" in result.stdout, result.stdout + result.stderr


def test_the_tui_is_not_one_shot(
    collector: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stackmap.tui.app

    seen: list[bool] = []

    class FakeApp:
        def run(self) -> None:
            seen.append(bulk._one_shot)

    monkeypatch.setattr(stackmap.tui.app, "create_app", lambda inventory: FakeApp())
    bulk.one_shot_process()
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "catalog.db"), "tui"])
    assert result.exit_code == 0, result.output
    assert seen == [False]


class _Built:
    """Something a command built (weakly referable, unlike a list)."""


def test_a_one_shot_process_holds_what_its_command_built_and_no_other_does(
    collector: None,
) -> None:
    built = _Built()
    seen = weakref.ref(built)
    bulk.keep(built)
    del built
    assert seen() is None  # a test run, the TUI: freed as usual
    bulk.one_shot_process()
    built = _Built()
    seen = weakref.ref(built)
    bulk.keep(built)
    del built
    assert seen() is not None  # held until the process ends


def test_the_commands_hold_what_they_built_to_the_end(tmp_path: Path) -> None:
    # The commands users wait for longest keep their results for the process's end (see
    # bulk.keep) rather than free them object by object on the way out.
    audit = Path(__file__).resolve().parent.parent / "imports" / "team-audit.xlsx"
    catalog = tmp_path / "catalog.db"
    code = (
        "import sys\n"
        "from stackmap import bulk\n"
        "import stackmap.cli as cli\n"
        "cli._end = lambda status: print('KEPT', status, sorted({type(o).__name__ for o in "
        "bulk._kept}))\n"
        "cli.main(sys.argv[1:])\n"
    )
    runs = {
        "import": (["import", str(audit)], {"LoadResult", "PlannedImport"}),
        "analyze": (["analyze", "--json"], {"Analysis", "Stack"}),
        "tools": (["tools", "--json"], {"list"}),
    }
    for name, (args, expected) in runs.items():
        result = subprocess.run(
            [sys.executable, "-c", code, "--db", str(catalog), *args],
            capture_output=True,
            text=True,
        )
        line = next((x for x in result.stdout.splitlines() if x.startswith("KEPT")), "")
        assert line.startswith("KEPT 0"), name + result.stdout[-2000:] + result.stderr
        assert expected <= set(ast.literal_eval(line.split(" ", 2)[2])), (name, line)
