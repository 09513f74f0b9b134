"""The period a finance report covers, and yearly figures only by a method that can be stated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.errors import InvalidValueError
from stackmap.inventory import Inventory
from stackmap.schemas import ToolFields


def _ap_export(path: Path) -> Path:
    """An ERP accounts-payable export: title and parameter rows, then invoice lines with day-first
    dates, thousands separators, a stray old invoice and a total row."""
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["Borough Council — Payments to suppliers over £500"])
    sheet.append(["Report parameters: Invoice Creation Date From 01/01/2026 To 31/01/2026"])
    sheet.append([])
    sheet.append(
        ["Supplier Name", "Invoice Creation Date", "Total Nett Amount", "Narrative", "Cost Centre"]
    )
    for day in (3, 10, 17, 24):
        sheet.append(
            ["HubSpot Ireland Ltd", f"{day:02d}/01/2026", "1,250.00", "Marketing Hub", "MKT"]
        )
    sheet.append(
        [
            "Salesforce.com EMEA Ltd",
            "15/01/2026",
            "48,000.00",
            "Sales Cloud annual subscription",
            "MKT",
        ]
    )
    sheet.append(["Hootsuite Media Inc", "20/01/2026", "900.00", "Hootsuite", "MKT"])
    sheet.append(["Salesforce.com EMEA Ltd", "11/04/2024", "2,000.00", "credit re-issue", "MKT"])
    sheet.append(["Drift Property Maintenance Ltd", "21/01/2026", "3,400.00", "Gutters", "FAC"])
    sheet.append(["Total", None, "57,300.00", None, None])
    wb.save(path)
    return path


@pytest.fixture
def catalog(inventory: Inventory) -> Inventory:
    for name in ("HubSpot Marketing Hub", "Salesforce Sales Cloud", "Hootsuite", "Drift"):
        inventory.add_tool(ToolFields(name=name))
    return inventory


def test_an_ap_export_imports_with_no_flags_over_the_period_it_states(
    catalog: Inventory, tmp_path: Path
) -> None:
    plan = catalog.plan_spend(_ap_export(tmp_path / "ap.xlsx"))
    assert (plan.period_start, plan.period_end, plan.months) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
        1,
    )
    assert plan.period_source.startswith("as the report states (row 2")
    found = {m.spend.supplier: m for m in plan.matches}
    hubspot = found["HubSpot Ireland Ltd"]
    assert (hubspot.tool, hubspot.spend.amount) == ("HubSpot Marketing Hub", Decimal("5000.00"))
    # Four invoices in one month, nothing saying how often: a single month cannot show
    # recurrence, so no yearly figure is invented.
    assert hubspot.annual_amount is None
    salesforce = found["Salesforce.com EMEA Ltd"]
    assert salesforce.tool == "Salesforce Sales Cloud"
    # One annual subscription invoice is counted once, never x12; the stray 2024 line is
    # outside the period and left out.
    assert salesforce.spend.amount == Decimal("48000.00")
    assert salesforce.annual_amount == Decimal("48000.00")
    assert "annual charge" in salesforce.annualised_by
    assert found["Drift Property Maintenance Ltd"].status == "to_confirm"
    lines = [i.line(plan.file) for i in plan.issues]
    assert any("1 invoice line(s) dated outside the period" in line for line in lines)
    assert any("total row skipped" in line for line in lines)


def test_a_supplier_invoicing_every_month_gets_a_run_rate(
    catalog: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "q1.csv"
    path.write_text(
        "Supplier,Invoice Date,Net Amount,Currency,Description\n"
        + "".join(f"HubSpot Inc,2026-0{m}-15,1000,USD,Marketing Hub\n" for m in (1, 2, 3))
        + "Hootsuite Media Inc,2026-02-01,9000,USD,Hootsuite\n",
        encoding="utf-8",
    )
    found = {m.spend.supplier: m for m in catalog.plan_spend(path).matches}
    hubspot = found["HubSpot Inc"]
    assert hubspot.annual_amount == Decimal("12000.00")
    assert hubspot.annualised_by.startswith("run rate: invoiced in 3 of the 3 months")
    assert found["Hootsuite Media Inc"].annual_amount is None  # one invoice, cadence unknown


def test_a_supplier_totals_pivot_imports_with_the_period_given(
    catalog: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "pivot.csv"
    path.write_text(
        "Vendor,Amount,Currency\nHubSpot Inc,48000,USD\nDrift Property Maintenance Ltd,9000,USD\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InvalidValueError, match="no date column and states no period; say --period"
    ):
        catalog.plan_spend(path)
    plan = catalog.plan_spend(path, period="2026-01-01..2026-12-31")
    assert (plan.months, plan.period_source) == (12, "as given: --period 2026-01-01..2026-12-31")
    hubspot = next(m for m in plan.matches if m.tool == "HubSpot Marketing Hub")
    assert (hubspot.annual_amount, hubspot.annualised_by) == (
        Decimal("48000"),
        "actual: 12 months of invoices",
    )


def test_a_missing_column_is_named_with_the_headers_seen(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Payee,Reference\nHubSpot,INV-1\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "c.db"), "import", "--spend", str(path)]
    )
    assert result.exit_code == 65
    assert "no sheet has a spend report's amount column: amount (e.g. Net Amount" in result.stderr
    assert result.stderr.rstrip().endswith("headers seen: Payee, Reference")


def test_the_spend_command_states_the_period_and_the_method(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "--db",
            str(tmp_path / "c.db"),
            "import",
            "--spend",
            str(_ap_export(tmp_path / "a.xlsx")),
            "--dry-run",
        ],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    assert "covers 2026-01-01 to 2026-01-31 (1 months), as the report states" in result.stdout


def test_a_fiscal_period_is_not_guessed(catalog: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "fy.csv"
    path.write_text(
        "Spend report FY27 Q1\n\nSupplier,Invoice Date,Net Amount\nHubSpot Inc,2026-04-15,100\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidValueError, match=r"fiscal period .* say --period START\.\.END"):
        catalog.plan_spend(path)
    plan = catalog.plan_spend(path, period="2026-04-01..2026-06-30")
    assert plan.months == 3
