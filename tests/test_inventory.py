"""The application API's behaviour as a marketing-ops analyst meets it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from stackmap.errors import DuplicateError, InvalidValueError, NotFoundError
from stackmap.inventory import Inventory
from stackmap.schemas import ContractFields, ToolFields, ToolRecord


def test_a_known_product_is_filled_from_the_library(inventory: Inventory) -> None:
    detail = inventory.add_tool(ToolFields(name="SFMC"))
    assert detail.summary.vendor == "Salesforce"
    assert detail.summary.category == "email-marketing"
    assert "email-marketing" in detail.summary.capabilities
    assert detail.library_product == "Salesforce Marketing Cloud Engagement"
    assert detail.website == "https://salesforce.com"


def test_what_a_person_typed_wins_over_the_library(inventory: Inventory) -> None:
    detail = inventory.add_tool(
        ToolFields(name="SFMC", vendor="Salesforce Inc.", capabilities=["crm"])
    )
    assert detail.summary.vendor == "Salesforce Inc."
    assert detail.summary.capabilities == ("crm",)


def test_editing_a_tool_never_brings_back_what_a_person_removed(inventory: Inventory) -> None:
    inventory.add_tool(ToolFields(name="HubSpot Marketing Hub"))
    inventory.edit_tool(
        "HubSpot Marketing Hub", {"capabilities": ["email-marketing"], "vendor": "HS"}
    )
    inventory.edit_tool("HubSpot Marketing Hub", {"notes": "renewal under review"})
    detail = inventory.tool("HubSpot Marketing Hub")
    assert detail.summary.capabilities == ("email-marketing",)
    assert detail.summary.vendor == "HS"
    assert detail.history[0].changes == {"notes": [None, "renewal under review"]}


def test_a_reimport_does_not_overwrite_a_vendor_a_person_corrected(inventory: Inventory) -> None:
    inventory.add_tool(ToolFields(name="Pardot"))
    inventory.edit_tool("Pardot", {"vendor": "Salesforce (EMEA)"})
    result = inventory.load(
        [ToolRecord(ToolFields(name="Pardot"))], kind="tools", file_name="f.csv", sha256="0" * 64
    )
    assert result.tools[0].action == "unchanged"
    assert inventory.tool("Pardot").summary.vendor == "Salesforce (EMEA)"


def test_a_second_instance_of_a_product_needs_saying_so(inventory: Inventory) -> None:
    inventory.add_tool(ToolFields(name="Salesforce (US)", vendor="Salesforce", category="crm"))
    inventory.add_tool(ToolFields(name="SFDC"))
    with pytest.raises(DuplicateError, match="allow-same-product"):
        inventory.add_tool(ToolFields(name="Salesforce Sales Cloud"))
    inventory.add_tool(ToolFields(name="Salesforce Sales Cloud"), allow_same_product=True)
    assert inventory.counts()["tools"] == 3


def test_a_tool_is_found_by_an_alias_of_its_product(inventory: Inventory) -> None:
    inventory.add_tool(ToolFields(name="Our Marketing Cloud", vendor="Salesforce"))
    inventory.add_tool(ToolFields(name="ExactTarget"))
    assert inventory.tool("SFMC").summary.name == "ExactTarget"


def test_renaming_keeps_the_history_and_refuses_a_clash(inventory: Inventory) -> None:
    inventory.add_tool(ToolFields(name="Team Planner"))
    inventory.add_tool(ToolFields(name="Trello"))
    with pytest.raises(DuplicateError):
        inventory.edit_tool("Team Planner", {}, rename="trello")
    renamed = inventory.edit_tool("Team Planner", {}, rename="Team Planner Pro")
    assert renamed.history[0].changes == {"name": ["Team Planner", "Team Planner Pro"]}
    with pytest.raises(NotFoundError):
        inventory.tool("Team Planner")


def test_editing_contract_terms_updates_the_current_contract(inventory: Inventory) -> None:
    inventory.add_tool(
        ToolFields(name="Canva"), ContractFields(annual_cost=Decimal(3000), currency="USD")
    )
    inventory.edit_tool("Canva", {}, {"annual_cost": "3600", "seats_active": 20})
    detail = inventory.tool("Canva")
    assert len(detail.contracts) == 1
    assert (detail.summary.annual_cost, detail.summary.seats_active) == (Decimal(3600), 20)


def test_a_contract_with_a_new_start_date_is_a_new_contract(inventory: Inventory) -> None:
    inventory.add_tool(
        ToolFields(name="Canva"),
        ContractFields(annual_cost=Decimal(3000), start_date="2025-07-01", end_date="2026-06-30"),
    )
    inventory.load(
        [
            ToolRecord(
                ToolFields(name="Canva"),
                ContractFields(annual_cost=Decimal(3300), start_date="2026-07-01"),
            )
        ],
        kind="tools",
        file_name="f.csv",
        sha256="0" * 64,
    )
    detail = inventory.tool("Canva")
    assert [c.annual_cost for c in detail.contracts] == [Decimal(3000), Decimal(3300)]
    assert detail.summary.annual_cost == Decimal(3300)


def test_bad_values_name_the_field(inventory: Inventory) -> None:
    inventory.add_tool(ToolFields(name="Canva"))
    with pytest.raises(InvalidValueError, match="seats_active: '-3' input should be greater"):
        inventory.edit_tool("Canva", {}, {"seats_active": "-3"})
    with pytest.raises(InvalidValueError, match="status: 'gone'"):
        inventory.edit_tool("Canva", {"status": "gone"})


def test_tools_are_filtered_and_paged_in_the_query(inventory: Inventory) -> None:
    for name in ("Alpha", "Beta", "Gamma", "Delta 100%_x"):
        inventory.add_tool(ToolFields(name=name))
    inventory.retire_tool("Beta")
    assert [t.name for t in inventory.tools(limit=2)] == ["Alpha", "Beta"]
    assert [t.name for t in inventory.tools(limit=2, offset=2)] == ["Delta 100%_x", "Gamma"]
    assert [t.name for t in inventory.tools(status=["retired"])] == ["Beta"]
    assert [t.name for t in inventory.tools(search="ET")] == ["Beta"]
    assert [t.name for t in inventory.tools(search="100%_")] == ["Delta 100%_x"]


def test_retiring_an_unknown_tool_is_not_found(inventory: Inventory) -> None:
    with pytest.raises(NotFoundError, match="no tool named 'Ghost'"):
        inventory.retire_tool("Ghost")


def test_one_vendor_written_several_ways_is_one_vendor_named_as_last_written(
    inventory: Inventory,
) -> None:
    # Vendors are created in the order the file first names them, each under the spelling
    # the file last gives it: "Acme", "ACME  Corp." and "Acme" again are one vendor, "Acme".
    names = [
        ("One", "Acme"),
        ("Two", "Zeta GmbH"),
        ("Three", "ACME  Corp."),
        ("Four", "Zeta GmbH"),
        ("Five", "Acme"),
    ]
    records = [ToolRecord(ToolFields(name=n, vendor=v, category="crm")) for n, v in names]
    inventory.load(records, kind="tools", file_name="f.csv", sha256="0" * 64)
    vendors = {inventory.tool(n).summary.vendor for n, _ in names}
    assert vendors == {"Acme", "Zeta GmbH"}
    assert inventory.tool("Three").summary.vendor == "Acme"
    with inventory.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT name FROM vendor ORDER BY id")).scalars().all()
    assert rows == ["Acme", "Zeta GmbH"]
