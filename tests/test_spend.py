"""Finance spend reports: invoice lines become annual spend on the tools they pay for."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.errors import InvalidValueError
from stackmap.importers.spend import SpendMatch, SpendPlan
from stackmap.inventory import Inventory
from stackmap.models import ToolSpend

SAMPLES = Path(__file__).resolve().parent.parent / "imports"
AP = SAMPLES / "ap-spend-report.csv"


def stocked(inventory: Inventory) -> Inventory:
    for name in ("saas-management-export.csv", "team-audit.xlsx"):
        inventory.apply_import(inventory.plan_import(SAMPLES / name))
    return inventory


def by_supplier(plan: SpendPlan) -> dict[str, SpendMatch]:
    return {m.spend.supplier: m for m in plan.matches}


def test_suppliers_are_tied_to_the_tools_they_bill_for(inventory: Inventory) -> None:
    plan = stocked(inventory).plan_spend(AP)
    assert (plan.period_start.isoformat(), plan.period_end.isoformat(), plan.months) == (
        "2026-01-01",
        "2026-12-31",
        12,
    )
    matches = by_supplier(plan)
    adobe = matches["Adobe Systems Software Ireland Ltd"]
    assert (adobe.tool, adobe.status, adobe.annual_amount) == (
        "Marketo",
        "matched",
        Decimal("78000.00"),
    )
    assert matches["HubSpot Inc"].tool == "HubSpot Marketing Hub Professional"
    assert matches["HubSpot Inc"].spend.invoices == 12
    assert matches["Hootsuite Media Inc"].spend.currency == "GBP"


def test_suppliers_that_are_not_martech_are_listed_not_invented(inventory: Inventory) -> None:
    plan = stocked(inventory).plan_spend(AP)
    matches = by_supplier(plan)
    for supplier in ("Regus Management Group", "Staples", "Lufthansa", "Unknown Vendor GmbH"):
        assert matches[supplier].status == "not_martech"
        assert matches[supplier].tool is None
    before = inventory.counts()["tools"]
    inventory.apply_spend(plan)
    assert inventory.counts()["tools"] == before


def test_a_martech_supplier_without_a_tool_is_pointed_out(inventory: Inventory) -> None:
    plan = inventory.plan_spend(AP)  # an empty catalog
    zoom = by_supplier(plan)["Zoom Video Communications"]
    assert zoom.status == "not_in_catalog"
    assert "add the tool" in zoom.reason


def test_the_tool_shows_what_finance_paid(inventory: Inventory) -> None:
    inventory.apply_spend(stocked(inventory).plan_spend(AP))
    spend = inventory.tool("HubSpot Marketing Hub Professional").spend
    assert [(s.supplier, s.invoices, s.annual_amount) for s in spend] == [
        ("HubSpot Inc", 12, Decimal("43200.00"))
    ]


def test_recording_the_same_report_twice_changes_nothing(inventory: Inventory) -> None:
    stocked(inventory)
    first = inventory.apply_spend(inventory.plan_spend(AP))
    assert first.counts()["spend_created"] == 7
    second = inventory.apply_spend(inventory.plan_spend(AP))
    assert second.counts()["spend_unchanged"] == 7
    with inventory.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ToolSpend)).scalar() == 7


def test_the_spend_command_reports_every_supplier(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    for name in ("saas-management-export.csv", "team-audit.xlsx"):
        assert runner.invoke(app, ["--db", db, "import", str(SAMPLES / name)]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "import", "--spend", str(AP), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["suppliers"]) == 12
    assert data["counts"]["spend_created"] == 7
    regus = next(s for s in data["suppliers"] if s["supplier"] == "Regus Management Group")
    assert (regus["status"], regus["annual_amount"]) == ("not_martech", 64800.0)


def test_an_unreadable_amount_stops_the_spend_import(inventory: Inventory, tmp_path: Path) -> None:
    stocked(inventory)
    report = tmp_path / "ap.csv"
    report.write_text(
        "Supplier;Invoice Date;Net Amount;Currency\n"
        "Canva Pty Ltd;15/07/2026;3000;USD\nGong.io Ltd;15/05/2026;call finance;USD\n",
        encoding="utf-8",
    )
    plan = inventory.plan_spend(report)
    with pytest.raises(InvalidValueError, match=r"^ap.csv: row 3, column 'Net Amount'"):
        inventory.apply_spend(plan)
    assert inventory.apply_spend(plan, skip_invalid=True).counts()["spend_created"] == 1


def test_analyze_compares_invoices_with_contracts(inventory: Inventory) -> None:
    from datetime import date

    from stackmap.analysis import analyze
    from stackmap.schemas import ContractFields, ToolFields

    stocked(inventory)
    inventory.apply_spend(inventory.plan_spend(AP))
    inventory.add_tool(
        ToolFields(name="Canva Teams Extra"),
        ContractFields(annual_cost=Decimal("500"), currency="USD"),
    )
    result = analyze(inventory.stack(date(2026, 12, 20))).to_json()
    check = result["spend_vs_contract"]
    hubspot = next(c for c in check["compared"] if c["tool"].startswith("HubSpot"))
    assert hubspot["why"] == (
        "HubSpot Marketing Hub Professional: invoiced USD 43,200 over 12 month(s) "
        "(USD 43,200 a year) vs contract USD 43,200 (+0%)"
    )
    unpaid = {c["tool"] for c in check["contracts_without_invoices"]}
    assert "Segment" in unpaid and "Google Analytics 4" not in unpaid  # free tools send no bill
    assert result["summary"]["annual_spend_source"] == "the current contracts' terms"
