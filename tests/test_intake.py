"""One import entry point: the kind of file decides which options apply, and the plan that was
shown is the one written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from catalogs import SAMPLES, arrange_overlap
from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.errors import InvalidValueError, UsageError
from stackmap.intake import ImportKind, ImportRequest, apply_file, plan_file
from stackmap.inventory import Inventory
from stackmap.publish import export_workbook

runner = CliRunner()


@pytest.fixture
def reviewed(inventory: Inventory, tmp_path: Path) -> Path:
    arrange_overlap(inventory)
    path = tmp_path / "review.xlsx"
    export_workbook(inventory, path)
    return path


def test_a_reviewed_workbook_is_read_as_decisions_by_the_same_entry_point(
    inventory: Inventory, reviewed: Path
) -> None:
    planned = plan_file(inventory, ImportRequest(reviewed))
    assert planned.kind is ImportKind.DECISIONS
    assert (
        plan_file(inventory, ImportRequest(SAMPLES / "ap-spend-report.csv", spend=True)).kind
        is ImportKind.SPEND
    )
    assert plan_file(inventory, ImportRequest(SAMPLES / "team-audit.xlsx")).kind is ImportKind.TOOLS


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--profile", "saas-management"], "--profile does not apply"),
        (["--strict", "--currency", "EUR"], "--currency, --strict do not apply"),
        (["--rejects", "r.csv"], "--rejects does not apply"),
    ],
)
def test_options_that_do_not_apply_to_a_reviewed_workbook_are_refused_in_one_line(
    inventory: Inventory, reviewed: Path, tmp_path: Path, options: list[str], said: str
) -> None:
    # A catalog of its own on disk: the shared fixture is in memory, which a second process
    # (here, the CLI) cannot open.
    database = str(tmp_path / "catalog.db")
    result = runner.invoke(app, ["--db", database, "import", str(reviewed), *options])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"stackmap: error: review.xlsx is a reviewed rationalisation workbook (its decisions): "
        f"{said} to it"
    ]


def test_options_that_do_not_apply_to_a_spend_report_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--db",
            str(tmp_path / "c.db"),
            "import",
            "--spend",
            str(SAMPLES / "ap-spend-report.csv"),
            "--strict",
        ],
    )
    assert result.exit_code == 2
    assert "is a spend report: --strict does not apply to it" in result.stderr


def test_skip_invalid_without_strict_is_refused_not_ignored(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--db",
            str(tmp_path / "c.db"),
            "import",
            str(SAMPLES / "team-audit.xlsx"),
            "--skip-invalid",
        ],
    )
    assert result.exit_code == 2
    assert "--skip-invalid goes with --strict" in result.stderr


def test_rejects_are_written_for_a_spend_report_too(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(
        app,
        [
            "--db",
            str(tmp_path / "c.db"),
            "import",
            "--spend",
            str(SAMPLES / "ap-spend-report.csv"),
            "--rejects",
            str(rejects),
            "--dry-run",
        ],
    )
    assert rejects.is_file(), result.output
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[0] == ["file", "row", "column", "value", "severity", "reason"]
    assert all(row[0] == "ap-spend-report.csv" for row in rows[1:])


def test_a_plan_is_not_applied_once_its_file_has_changed(
    inventory: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "tools.csv"
    path.write_text("Tool,Annual cost\nCanva,$3000\n", encoding="utf-8")
    planned = plan_file(inventory, ImportRequest(path))
    path.write_text("Tool,Status\nCanva,retired\n", encoding="utf-8")
    with pytest.raises(InvalidValueError, match="the file changed since it was checked"):
        apply_file(inventory, planned)
    assert inventory.tools() == []
    assert apply_file(inventory, planned, dry_run=True).counts()["tools_created"] == 1


def test_option_checks_are_made_below_the_front_ends(inventory: Inventory, reviewed: Path) -> None:
    with pytest.raises(UsageError, match="--sheet does not apply"):
        plan_file(inventory, ImportRequest(reviewed, sheet="Inventory"))
