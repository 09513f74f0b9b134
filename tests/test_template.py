"""`stackmap template`: a blank workbook whose every column imports back, with dropdowns."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.export.template import INTEGRATION_COLUMNS, TOOL_COLUMNS, write_template
from stackmap.inventory import Inventory
from stackmap.reference import Reference


def test_the_template_has_the_sheets_columns_and_dropdowns(
    tmp_path: Path, reference: Reference
) -> None:
    path = write_template(tmp_path / "t.xlsx", reference)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Read me", "Tools", "Integrations", "Lists"]
    tools = wb["Tools"]
    assert [c.value for c in tools[1]] == [c[0] for c in TOOL_COLUMNS]
    assert [c.value for c in wb["Integrations"][1]] == [c[0] for c in INTEGRATION_COLUMNS]
    formulas = {str(v.formula1) for v in tools.data_validations.dataValidation}
    assert "=Lists!$A$2:$A$56" in formulas  # the 55 subcategories, by range not inline
    assert tools.freeze_panes == "B2"


def test_a_filled_in_template_imports_with_no_profile(
    tmp_path: Path, reference: Reference, inventory: Inventory
) -> None:
    path = write_template(tmp_path / "t.xlsx", reference)
    wb = load_workbook(path)
    wb["Tools"].append(
        [
            "Canva",
            "Canva",
            "Content Marketing",
            "active",
            "Nora Ali",
            "nora.ali@example.com",
            None,
            "Marketing",
            "Design",
            "Creative design",
            "Awareness",
            3000,
            None,
            "USD",
            "annual",
            None,
            None,
            None,
            "2027-06-30",
            30,
            "Yes",
            25,
            25,
            22,
            "CC-4200",
            "design",
            "",
            "Asana",
        ]
    )
    wb["Tools"].append(["Asana", "Asana"])
    wb["Integrations"].append(
        ["Canva", "Asana", "one_way", "native", "designs", "daily", "active", "Nora Ali"]
    )
    wb.save(path)
    result = inventory.apply_import(inventory.plan_import(path))
    assert result.counts()["tools_created"] == 2
    canva = inventory.tool("Canva")
    assert canva.summary.category == "content-marketing"
    assert canva.summary.capabilities == ("creative-design",)
    assert canva.journey_stages == ("awareness",)
    assert canva.summary.annual_cost == Decimal("3000.00")
    assert canva.contracts[0].auto_renew is True
    assert [(i.source, i.target, i.method) for i in inventory.integrations()] == [
        ("Canva", "Asana", "native")
    ]


def test_the_template_command_writes_the_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["template", str(tmp_path / "new.xlsx")])
    assert result.exit_code == 0
    assert (tmp_path / "new.xlsx").is_file()


def test_template_amounts_are_annualised_by_their_billing_period_and_term(
    tmp_path: Path, reference: Reference, inventory: Inventory
) -> None:
    # The template puts Amount before Billing period: the period must still apply.
    path = write_template(tmp_path / "t.xlsx", reference)
    wb = load_workbook(path)
    headers = [c[0] for c in TOOL_COLUMNS]
    rows = [
        {"Name": "Canva", "Amount": 2100, "Currency": "USD", "Billing period": "monthly"},
        {"Name": "Asana", "Amount": 900, "Currency": "USD", "Billing period": "quarterly"},
        {
            "Name": "Miro",
            "Amount": 36000,
            "Currency": "USD",
            "Billing period": "multi_year",
            "Term (months)": 36,
        },
        {"Name": "Figma", "Amount": 5000, "Currency": "USD", "Billing period": "annual"},
        {"Name": "Notion", "Amount": 700, "Currency": "USD", "Billing period": "one_off"},
        {"Name": "Loom", "Annual cost": 1200, "Currency": "USD", "Billing period": "monthly"},
    ]
    for row in rows:
        wb["Tools"].append([row.get(h) for h in headers])
    wb.save(path)
    inventory.apply_import(inventory.plan_import(path))
    annual = {
        name: inventory.tool(name).summary.annual_cost for name in [str(r["Name"]) for r in rows]
    }
    assert annual == {
        "Canva": Decimal("25200.00"),
        "Asana": Decimal("3600.00"),
        "Miro": Decimal("12000.00"),
        "Figma": Decimal("5000.00"),
        "Notion": None,  # a one-off amount has no yearly figure: unknown, not 700
        "Loom": Decimal("1200.00"),  # a yearly figure billed monthly stays yearly
    }
    canva = inventory.tool("Canva").contracts[0]
    assert (canva.amount, canva.billing_period) == (Decimal("2100.00"), "monthly")
    miro = inventory.tool("Miro").contracts[0]
    assert (miro.amount, miro.billing_period) == (Decimal("36000.00"), "multi_year")
