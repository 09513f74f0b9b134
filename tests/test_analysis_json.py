"""`analyze --json` worked out side by side: on a large stack, the findings outside the
recommendations' chain are worked out in a forked copy of the process while it judges
(stackmap.cli.analysis.analysis_document). The document must be the same, byte for byte,
as the analysis worked out in one process, on every scenario of the test of record and on
the demo's catalog, and the two parts must write every documented member exactly once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_scenarios import SCENARIOS, build
from typer.testing import CliRunner

from stackmap import forked
from stackmap.analysis import Stack, analyze
from stackmap.analysis.report import document
from stackmap.cli import analysis as analysis_cli
from stackmap.cli import app
from stackmap.cli.analysis import analysis_document
from stackmap.reference import Reference

needs_fork = pytest.mark.skipif(
    not forked.can_fork(), reason="no fork here (not Linux, or other threads running)"
)


def _printed(capsysbinary: pytest.CaptureFixture[bytes], found: dict[str, Any]) -> bytes:
    from stackmap.cli.base import print_json

    capsysbinary.readouterr()
    print_json(found)
    return capsysbinary.readouterr().out


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many copies of the process were forked."""
    made: list[int] = []
    child = forked._Child

    def counted(work: Any) -> Any:
        made.append(1)
        return child(work)

    monkeypatch.setattr(forked, "_Child", counted)
    return made


@needs_fork
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_side_by_side_writes_the_same_document(
    reference: Reference, path: Path, capsysbinary: pytest.CaptureFixture[bytes], copies: list[int]
) -> None:
    stack = build(reference, yaml.safe_load(path.read_text(encoding="utf-8")))
    one_process = _printed(capsysbinary, analyze(stack).to_json(raw=True))
    assert _printed(capsysbinary, analysis_document(stack, side_by_side=False)) == one_process
    assert not copies
    assert _printed(capsysbinary, analysis_document(stack, side_by_side=True)) == one_process
    assert copies == [1]


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_catalog(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The demo's catalog, embedded or on the PostgreSQL server (whose connection the copy
    of the process inherits, and must leave alone)."""
    from stackmap.demo import run_demo

    database = None
    if request.param == "postgresql":
        database = str(request.getfixturevalue("postgres_schema_url"))
    return run_demo(tmp_path, database=database, today=date(2026, 12, 1)).database


@needs_fork
def test_the_demo_catalog_side_by_side_through_the_command(
    demo_catalog: str, monkeypatch: pytest.MonkeyPatch, copies: list[int]
) -> None:
    catalog = demo_catalog
    command = ["--db", catalog, "analyze", "--json", "--as-of", "2026-12-01"]
    runner = CliRunner()
    alone = runner.invoke(app, command)
    assert alone.exit_code == 0, alone.output
    assert not copies  # the demo is far below the size worth a copy
    monkeypatch.setattr(analysis_cli, "SIDE_BY_SIDE_FROM", 1)
    monkeypatch.setattr(analysis_cli, "SIDE_BY_SIDE_MEMORY", 2**62)  # whatever pytest holds
    beside = runner.invoke(app, command)
    assert beside.exit_code == 0, beside.output
    assert copies == [1]
    assert beside.stdout_bytes == alone.stdout_bytes
    assert b'"fragile_integrations": [\n    {' in alone.stdout_bytes  # both parts have findings
    assert b'"recommendations": [\n    {' in alone.stdout_bytes
    again = runner.invoke(app, ["--db", catalog, "tools", "--json"])  # the catalog still reads
    assert again.exit_code == 0, again.output


def test_no_copy_for_a_process_already_holding_much_memory(
    reference: Reference, monkeypatch: pytest.MonkeyPatch, copies: list[int]
) -> None:
    stack = build(reference, yaml.safe_load(SCENARIOS[0].read_text(encoding="utf-8")))
    monkeypatch.setattr(analysis_cli, "SIDE_BY_SIDE_FROM", 1)
    monkeypatch.setattr(forked, "resident_size", lambda: analysis_cli.SIDE_BY_SIDE_MEMORY + 1)
    analysis_document(stack)
    assert not copies
    monkeypatch.setattr(forked, "resident_size", lambda: analysis_cli.SIDE_BY_SIDE_MEMORY)
    analysis_document(stack)
    assert copies == ([1] if forked.can_fork() else [])


def test_a_stack_below_the_threshold_is_analysed_in_one_process(
    reference: Reference, copies: list[int]
) -> None:
    stack = build(reference, yaml.safe_load(SCENARIOS[0].read_text(encoding="utf-8")))
    assert len(stack.tools) < analysis_cli.SIDE_BY_SIDE_FROM
    analysis_document(stack)
    assert not copies


def _parts(stack: Stack) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    found = analyze(stack)
    return found.header(), found.judged.to_json(raw=True), found.measured.to_json(raw=True)


def test_every_member_is_written_by_exactly_one_part(reference: Reference) -> None:
    stack = build(reference, yaml.safe_load(SCENARIOS[0].read_text(encoding="utf-8")))
    head, judged, measured = _parts(stack)
    whole = document(head, judged, measured)
    assert list(whole) == list(analyze(stack).to_json(raw=True))
    assert list(whole)[:6] == [
        "as_of",
        "currency",
        "tools_in_use",
        "tools_total",
        "outside_marketing",
        "summary",
    ]
    del measured["gaps"]
    with pytest.raises(KeyError, match="gaps"):
        document(head, judged, measured)
    with pytest.raises(KeyError, match="written twice"):
        document(head, judged, judged, measured)
    head, judged, measured = _parts(stack)
    measured["summary"]["invented"] = 1
    with pytest.raises(KeyError, match="invented"):
        document(head, judged, measured)


def test_the_analysis_holds_exactly_the_fields_of_its_two_parts() -> None:
    # Analysis keeps flat fields for its readers (views, workbook, TUI); its two parts must
    # name the same findings, none left out of both and none in both.
    from dataclasses import fields

    from stackmap.analysis.report import Analysis, Judged, Measured

    judged = {f.name for f in fields(Judged)}
    measured = {f.name for f in fields(Measured)}
    header = {"as_of", "currency", "tools_in_use", "tools_total"}
    assert not judged & measured
    assert {f.name for f in fields(Analysis)} == judged | measured | header
