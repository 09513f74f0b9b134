"""A team's hand-made audit, written the way people really keep one, imports whole in one
command with no flags: odd cells are kept as written and reported, never cost their row."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from typer.testing import CliRunner

from stackmap import db
from stackmap.cli import app
from stackmap.inventory import Inventory
from stackmap.reference import load_reference


def _audit(path: Path) -> Path:
    wb = Workbook()
    stack = wb.active
    assert stack is not None
    stack.title = "Stack"
    for row in [
        ["Marketing tech audit — Q3", None, None, None, None, None],
        ["Owner: marketing ops. Amounts in USD unless stated.", None, None, None, None, None],
        [],
        ["Tool", "Vendor", "Cost", "Billing", "Seats", "Renewal", "Notes"],
        ["HubSpot Marketing Hub", "HubSpot", "$3,600", "monthly", 12, "2027-03-31", None],
        ["Salesforce", "Salesforce", "n/a (IT budget)", None, "approx 40", "31/03/2027", None],
        ["Total Expert", "Total Expert", "48k", "annual", 5, "Mar 2027", "mortgage marketing"],
        ["Canva", "Canva", "free for now, pro trial", None, "everyone", "rolling", None],
        ["Hotjar", "Hotjar", "€2.345,67", "annual", None, None, None],
        [None, None, None, None, None, None, "spare row"],
        ["Total", None, 100000, None, None, None, None],
    ]:
        stack.append(row)
    links = wb.create_sheet("Integrations")
    for row in [
        ["From", "To", "How", "How often", "Status"],
        ["HubSpot Marketing Hub", "Salesforce", "Native connector", "real-time", "live"],
        ["Hotjar", "HubSpot Marketing Hub", "Tag", "fortnightly-ish", "works mostly"],
        ["Canva", "HubSpot Marketing Hub", "Zapier", "nightly", "planned"],
    ]:
        links.append(row)
    wb.save(path)
    return path


def test_a_messy_audit_imports_whole_in_one_command_without_flags(tmp_path: Path) -> None:
    database = tmp_path / "c.db"
    result = CliRunner().invoke(
        app,
        ["--db", str(database), "import", str(_audit(tmp_path / "audit.xlsx"))],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    assert "Imported: 5 tools created" in result.stdout
    out = result.stdout
    assert "total row skipped" in out  # the "Total" row, and only it
    assert "unreadable: audit.xlsx [Stack]: row 8, column 'Cost': 'free for now, pro trial'" in out
    assert "column 'How': 'Tag' not a known integration method" in out
    inventory = Inventory(db.open_database(f"sqlite:///{database}"), load_reference(), "t")
    try:
        hubspot = inventory.tool("HubSpot Marketing Hub")
        assert hubspot.summary.annual_cost == Decimal("43200.00")  # 3,600 a month
        salesforce = inventory.tool("Salesforce")
        assert salesforce.summary.annual_cost is None  # unknown, never 0
        assert salesforce.extra["Cost (as written)"] == "n/a (IT budget)"
        assert salesforce.extra["Seats (as written)"] == "approx 40"
        expert = inventory.tool("Total Expert")  # a product, not a total row
        assert expert.summary.annual_cost == Decimal("48000.00")
        canva = inventory.tool("Canva")
        assert canva.extra["Cost (as written)"] == "free for now, pro trial"
        assert canva.extra["Renewal (as written)"] == "rolling"
        assert inventory.tool("Hotjar").summary.currency == "EUR"
        links = {(i.source, i.target): i for i in inventory.integrations()}
        tag = links[("Hotjar", "HubSpot Marketing Hub")]
        assert tag.method == "unknown"  # not guessed as API
        assert tag.notes is not None and "How: Tag" in tag.notes
        assert "How often: fortnightly-ish" in tag.notes
        assert links[("Canva", "HubSpot Marketing Hub")].method == "ipaas"
    finally:
        inventory.close()
