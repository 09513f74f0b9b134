"""`stackmap demo` imports the bundled sample files and reports what it found."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.demo import run_demo

TODAY = date(2026, 11, 22)


def test_the_demo_imports_both_sample_files(tmp_path: Path) -> None:
    report = run_demo(tmp_path, today=TODAY)
    assert report.loads["saas-management-export.csv"]["tools_created"] == 15
    audit = report.loads["team-audit.xlsx"]
    assert (audit["tools_created"], audit["tools_updated"]) == (29, 2)
    assert audit["integrations_created"] == 32
    assert (report.tools, report.active_tools) == (44, 42)
    assert (tmp_path / "demo.db").is_file()
    for name in ("stackmap-review.xlsx", "integration-map.html", "stack-diagram.html"):
        assert (tmp_path / name).stat().st_size > 1000
    assert set(report.files) == {"workbook", "map", "diagram"}


def test_the_demo_reports_renewals_overlaps_gaps_silos_and_waste(tmp_path: Path) -> None:
    analysis = run_demo(tmp_path, today=TODAY).analysis
    bynder = next(r for r in analysis.renewals if r.tool == "Bynder")
    # Bynder renews itself and its 90-day notice date has passed: the next term is owed, so
    # the earliest exit is a year after the renewal.
    assert (bynder.renewal_date, bynder.decide_by, bynder.status, bynder.exit_date) == (
        date(2026, 11, 30),
        date(2026, 9, 1),
        "committed",
        date(2027, 11, 30),
    )
    social = next(o for o in analysis.overlaps if "Sprout Social" in o.tools)
    assert {"Hootsuite", "Sprout Social"} <= set(social.tools)
    assert "data-quality" in {g.capability for g in analysis.gaps}
    silos = {s.tool for s in analysis.silos}
    assert "Canva" in silos and "Salesforce Sales Cloud" not in silos
    bynder_use = next(u for u in analysis.underutilized if u.tool == "Bynder")
    assert (bynder_use.seats_active, bynder_use.seats_purchased) == (8, 40)
    # The GBP contract has no rate to USD by default: kept out of the total, and said so.
    assert analysis.spend.unconverted["GBP"] == 9000
    assert any("GBP 9,000" in note for note in analysis.spend.notes)


def test_running_the_demo_twice_gives_the_same_report(tmp_path: Path) -> None:
    assert run_demo(tmp_path, today=TODAY).to_json() == run_demo(tmp_path, today=TODAY).to_json()


def test_the_demo_command_prints_its_findings(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--output", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Loaded saas-management-export.csv: 15 tools created" in result.stdout
    for heading in (
        "Overlaps",
        "Gaps",
        "Renewals",
        "Maturity",
        "whatif --retire",
        "Integration map:",
    ):
        assert heading in result.stdout
    as_json = CliRunner().invoke(app, ["demo", "--output", str(tmp_path), "--json"])
    assert json.loads(as_json.stdout)["tools"] == 44
