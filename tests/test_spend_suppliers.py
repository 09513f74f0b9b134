"""Suppliers are tied to tools by identity, never by one shared word."""

from __future__ import annotations

from pathlib import Path

from stackmap.inventory import Inventory
from stackmap.schemas import ToolFields


def _catalog(inventory: Inventory) -> None:
    for name in (
        "Drift",
        "Outreach",
        "Segment",
        "Intercom",
        "Salesforce Sales Cloud",
        "Marketo Engage",
    ):
        inventory.add_tool(ToolFields(name=name))


def _report(path: Path, lines: list[tuple[str, str, str]]) -> Path:
    rows = ["Supplier,Invoice Date,Net Amount,Currency,Description"]
    rows += [f'"{s}",{d},1000.00,GBP,"{text}"' for s, d, text in lines]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_firm_whose_name_contains_a_product_word_is_tied_to_nothing(
    inventory: Inventory, tmp_path: Path
) -> None:
    _catalog(inventory)
    report = _report(
        tmp_path / "ap.csv",
        [
            ("Drift Property Maintenance Ltd", "2026-01-05", "Gutter repair, drift survey"),
            ("Outreach Community Trust", "2026-01-09", "Charity sponsorship"),
            ("Segment Law LLP", "2026-01-12", "Legal advice"),
            ("Intercom Electrical Services Ltd", "2026-01-20", "Door intercom maintenance"),
            ("Salesforce.com EMEA Ltd", "2026-01-15", "Sales Cloud licences"),
            ("Adobe Systems Software Ireland Ltd", "2026-01-16", "Marketo Engage"),
        ],
    )
    plan = inventory.plan_spend(report)
    status = {m.spend.supplier: (m.status, m.tool) for m in plan.matches}
    assert status == {
        "Drift Property Maintenance Ltd": ("to_confirm", None),
        "Outreach Community Trust": ("to_confirm", None),
        "Segment Law LLP": ("to_confirm", None),
        "Intercom Electrical Services Ltd": ("to_confirm", None),
        "Salesforce.com EMEA Ltd": ("matched", "Salesforce Sales Cloud"),
        "Adobe Systems Software Ireland Ltd": ("matched", "Marketo Engage"),
    }
    drift = next(m for m in plan.matches if m.spend.supplier.startswith("Drift"))
    assert "not assumed" in drift.reason
    result = inventory.apply_spend(plan)
    assert result.counts()["spend_created"] == 2  # the look-alikes wrote nothing


def test_a_profile_ties_a_supplier_a_person_has_confirmed(
    inventory: Inventory, tmp_path: Path
) -> None:
    _catalog(inventory)
    report = _report(
        tmp_path / "ap.csv", [("DRIFT.COM INC RESELLER", "2026-01-05", "Chat licences")]
    )
    profile = tmp_path / "finance.yaml"
    profile.write_text(
        "name: finance\nsuppliers:\n  DRIFT.COM INC RESELLER: Drift\n", encoding="utf-8"
    )
    plan = inventory.plan_spend(report, profile=str(profile))
    assert [(m.status, m.tool) for m in plan.matches] == [("matched", "Drift")]
    assert plan.matches[0].reason == "the profile ties it to Drift"


def test_invoices_with_no_contract_behind_them_are_pointed_out(
    inventory: Inventory, tmp_path: Path
) -> None:
    from datetime import date

    from stackmap.analysis import analyze

    _catalog(inventory)
    report = _report(
        tmp_path / "ap.csv", [("Salesforce.com EMEA Ltd", "2026-01-15", "Sales Cloud licences")]
    )
    inventory.apply_spend(inventory.plan_spend(report))
    check = analyze(inventory.stack(date(2026, 2, 1))).invoices
    assert [i.tool for i in check.invoices_without_contract] == ["Salesforce Sales Cloud"]
    assert "with no contract cost recorded" in check.invoices_without_contract[0].why
    assert check.compared == () and check.contracts_without_invoices == ()


def test_martech_suppliers_with_no_tool_reach_the_analysis_as_shadow_tools(
    inventory: Inventory, tmp_path: Path
) -> None:
    from datetime import date

    from stackmap.analysis import analyze

    _catalog(inventory)
    report = _report(
        tmp_path / "ap.csv",
        [
            ("Hotjar Ltd", "2026-01-05", "Hotjar Business"),  # a martech vendor, no tool
            ("Drift Property Maintenance Ltd", "2026-01-06", "Gutters"),  # to confirm
            ("Regus Management Group", "2026-01-07", "Office rent"),  # not martech: not kept
        ],
    )
    inventory.apply_spend(inventory.plan_spend(report))
    untied = analyze(inventory.stack(date(2026, 2, 1))).invoices.untied
    assert [(u.supplier, u.status) for u in untied] == [
        ("Hotjar Ltd", "not_in_catalog"),
        ("Drift Property Maintenance Ltd", "to_confirm"),
    ] or [(u.supplier, u.status) for u in untied] == [
        ("Drift Property Maintenance Ltd", "to_confirm"),
        ("Hotjar Ltd", "not_in_catalog"),
    ]
    hotjar = next(u for u in untied if u.supplier == "Hotjar Ltd")
    assert hotjar.why.endswith("a possible shadow tool")
    # The same report again, once Hotjar is in the catalog: it is tied, no longer untied.
    inventory.add_tool(ToolFields(name="Hotjar"))
    inventory.apply_spend(inventory.plan_spend(report))
    untied = analyze(inventory.stack(date(2026, 2, 1))).invoices.untied
    assert [u.supplier for u in untied] == ["Drift Property Maintenance Ltd"]
