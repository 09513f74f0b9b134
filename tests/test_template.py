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
    assert "=Lists!$A$2:$A$50" in formulas  # the 49 subcategories, by range not inline
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
