"""`stackmap analyze` and `stackmap whatif` on a real catalog: the snapshot, JSON and text."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from catalogs import arrange_overlap
from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.inventory import Inventory
from stackmap.schemas import IntegrationFields, ToolFields

runner = CliRunner()


@pytest.fixture
def catalog(tmp_path: Path) -> str:
    path = tmp_path / "catalog.db"
    inventory = Inventory.open(str(path), actor="arranger")
    arrange_overlap(inventory)
    inventory.close()
    return str(path)


def test_the_snapshot_carries_tools_contracts_capabilities_and_links(
    backend_inventory: Inventory,
) -> None:
    arrange_overlap(backend_inventory)
    # JSON list columns come back as text on SQLite and as lists from PostgreSQL's driver.
    backend_inventory.add_tool(
        ToolFields(
            name="Slack", business_units=["Sales", "Marketing"], journey_stages=["retention"]
        )
    )
    backend_inventory.add_integration(
        IntegrationFields(
            source="Slack", target="Salesforce Sales Cloud", data_objects=["leads", "accounts"]
        )
    )
    stack = backend_inventory.stack(date(2027, 1, 1))
    by_name = {t.name: t for t in stack.tools}
    assert by_name["Slack"].business_units == ("Sales", "Marketing")
    assert by_name["Slack"].journey_stages == ("retention",)
    assert by_name["Marketo Engage"].business_units == ()
    (slack_link,) = [link for link in stack.links if link.source == by_name["Slack"].id]
    assert slack_link.data_objects == ("leads", "accounts")
    marketo = by_name["Marketo Engage"]
    assert "marketing-automation" in marketo.capabilities  # from the product library
    assert marketo.vendor == "Adobe"
    assert marketo.business_owner == "Alicia Gomez"
    assert marketo.contracts[0].annual_cost == Decimal("78000")
    assert stack.costs[marketo.id].utilisation == pytest.approx(0.2)
    assert {
        (stack.by_id[link.source].name, stack.by_id[link.target].name) for link in stack.links
    } == {
        ("Marketo Engage", "Salesforce Sales Cloud"),
        ("HubSpot Marketing Hub", "Salesforce Sales Cloud"),
        ("Slack", "Salesforce Sales Cloud"),
    }


def test_analyze_json_finds_the_overlap_and_explains_it(catalog: str) -> None:
    result = runner.invoke(app, ["--db", catalog, "analyze", "--json", "--as-of", "2027-01-01"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (overlap,) = data["overlaps"]
    assert set(overlap["tools"]) == {"Marketo Engage", "HubSpot Marketing Hub"}
    assert overlap["keeper"] == "HubSpot Marketing Hub"
    assert overlap["at_stake"] == 78000.0
    assert data["as_of"] == "2027-01-01"
    marketo = next(r for r in data["renewals"] if r["tool"] == "Marketo Engage")
    assert marketo["decide_by"] == "2026-12-30"
    # It renews itself and the notice date has passed: the next term is committed, and the
    # earliest exit is a year after the renewal.
    assert marketo["status"] == "committed"
    assert marketo["exit_date"] == "2028-02-28"
    assert data["summary"]["annual_spend"] == 121200.0


def test_analyze_prints_sentences_for_people_and_can_show_one_section(catalog: str) -> None:
    result = runner.invoke(app, ["--db", catalog, "analyze", "--as-of", "2027-01-01"])
    assert result.exit_code == 0, result.output
    assert "Overlaps" in result.stdout and "keep HubSpot Marketing Hub" in result.stdout
    assert "Maturity" in result.stdout
    only = runner.invoke(app, ["--db", catalog, "analyze", "--section", "renewals"])
    assert "Renewals" in only.stdout and "Overlaps" not in only.stdout
    bad = runner.invoke(app, ["--db", catalog, "analyze", "--section", "nonsense"])
    assert bad.exit_code == 2 and "unknown section" in bad.output


def test_whatif_reports_savings_breaks_and_deadlines(catalog: str) -> None:
    result = runner.invoke(
        app,
        [
            "--db",
            catalog,
            "whatif",
            "--retire",
            "marketo engage",
            "--json",
            "--as-of",
            "2027-01-01",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["retire"] == ["Marketo Engage"]
    assert data["annual_savings"] == 78000.0
    assert data["integrations_broken"][0]["target"] == "Salesforce Sales Cloud"
    assert "Alicia Gomez" in data["owners_to_inform"]
    text = runner.invoke(
        app,
        [
            "--db",
            catalog,
            "whatif",
            "--retire",
            "Marketo Engage",
            "--into",
            "HubSpot Marketing Hub",
        ],
    )
    assert text.exit_code == 0, text.output
    assert "What if Marketo Engage retired into HubSpot Marketing Hub" in text.stdout


def test_whatif_on_an_unknown_tool_is_one_line(catalog: str) -> None:
    result = runner.invoke(app, ["--db", catalog, "whatif", "--retire", "Nope"])
    assert result.exit_code != 0
    assert result.stderr.strip() == "stackmap: error: no tool named 'Nope' in the catalog"


def test_analyze_counts_other_statuses_when_asked(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    inventory = Inventory.open(path, actor="arranger")
    inventory.add_tool(ToolFields(name="Siebel CRM", status="sunsetting", capabilities=["crm"]))
    inventory.close()
    plain_run = json.loads(runner.invoke(app, ["--db", path, "analyze", "--json"]).stdout)
    assert "crm" in {g["capability"] for g in plain_run["gaps"]}
    widened = runner.invoke(app, ["--db", path, "analyze", "--json", "--include", "sunsetting"])
    assert widened.exit_code == 0, widened.output
    assert "crm" not in {g["capability"] for g in json.loads(widened.stdout)["gaps"]}


def test_only_narrows_every_view_and_cannot_go_with_include(catalog: str) -> None:
    narrowed = runner.invoke(app, ["--db", catalog, "analyze", "--json", "--only", "active"])
    assert narrowed.exit_code == 0, narrowed.output
    assert json.loads(narrowed.stdout)["tools_in_use"] >= 1
    both = runner.invoke(
        app, ["--db", catalog, "analyze", "--only", "active", "--include", "sunsetting"]
    )
    assert both.exit_code == 2 and "not both" in both.output
