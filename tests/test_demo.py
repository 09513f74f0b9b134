"""`stackmap demo` builds a catalog from the bundled samples and reports what it found."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.demo import run_demo


def test_the_demo_loads_every_sample_tool_and_integration(tmp_path: Path) -> None:
    report = run_demo(tmp_path, today=date(2026, 11, 22))
    assert report.loads["tools.csv"]["tools_created"] == 48
    assert report.loads["integrations.csv"]["integrations_created"] == 46
    assert (report.tools, report.active_tools) == (48, 45)
    assert (tmp_path / "demo.db").is_file()


def test_the_demo_reports_renewals_overlaps_gaps_silos_and_waste(tmp_path: Path) -> None:
    report = run_demo(tmp_path, today=date(2026, 11, 22))
    bynder = next(r for r in report.renewals if r["tool"] == "Bynder")
    assert (bynder["renewal_date"], bynder["decide_by"], bynder["overdue"]) == (
        date(2026, 11, 30),
        date(2026, 9, 1),
        True,
    )
    assert [r["decide_by"] for r in report.renewals] == sorted(
        r["decide_by"] for r in report.renewals
    )
    social = next(
        c for c in report.shared_capabilities if c["capability"] == "Social media management"
    )
    assert {"Hootsuite", "Sprout Social"} <= set(social["tools"])
    assert "Data quality and deduplication" in report.uncovered
    assert "Canva" in report.unconnected and "Salesforce Sales Cloud" not in report.unconnected
    assert {"tool": "Bynder", "seats_active": 8, "seats_purchased": 40} in report.underused
    assert report.spend["EUR"] == 28000


def test_running_the_demo_twice_gives_the_same_catalog(tmp_path: Path) -> None:
    first = run_demo(tmp_path, today=date(2026, 11, 22))
    second = run_demo(tmp_path, today=date(2026, 11, 22))
    assert first.to_json() == second.to_json()


def test_the_demo_command_prints_its_findings(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--output", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Loaded tools.csv: 48 tools created" in result.stdout
    assert "Renewals in the next 90 days" in result.stdout or "annual spend" in result.stdout
    as_json = CliRunner().invoke(app, ["demo", "--output", str(tmp_path), "--json"])
    assert json.loads(as_json.stdout)["tools"] == 48
