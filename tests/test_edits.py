"""Edits as people type them: read like an import reads a cell, an empty field clears, a bad
value is refused in one line in the importer's words, contract edits are in the tool's history,
and changing a tool's vendor leaves no orphan vendor behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from stackmap.errors import InvalidValueError
from stackmap.importers.edits import read_edits
from stackmap.inventory import Inventory
from stackmap.schemas import ContractFields, ToolFields


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            {"annual_cost": "$12,600"},
            ({}, {"amount": Decimal("12600.00"), "currency": "USD", "billing_period": "annual"}),
        ),
        (
            {"annual_cost": "EUR 2,100 / month"},
            ({}, {"amount": Decimal("2100.00"), "currency": "EUR", "billing_period": "monthly"}),
        ),
        (
            {"annual_cost": "12.6k"},
            ({}, {"amount": Decimal("12600.00"), "billing_period": "annual"}),
        ),
        ({"annual_cost": "TBD"}, ({}, {"annual_cost": None})),
        ({"renewal_date": "31 Mar 2027"}, ({}, {"renewal_date": date(2027, 3, 31)})),
        ({"renewal_date": "2027-03-31"}, ({}, {"renewal_date": date(2027, 3, 31)})),
        ({"notice_days": "3 months"}, ({}, {"notice_days": 90})),
        ({"pricing_model": "per user"}, ({}, {"pricing_model": "per_seat"})),
        ({"status": "Live"}, ({"status": "active"}, {})),
        ({"notes": ""}, ({"notes": None}, {})),  # empty: cleared
        ({"renewal_date": ""}, ({}, {"renewal_date": None})),
    ],
)
def test_typed_values_are_read_as_an_import_reads_them(
    typed: dict[str, str], expected: tuple[dict[str, object], dict[str, object]]
) -> None:
    assert read_edits(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"renewal_date": "31/02/2027"}, "Renewal date: '31/02/2027' no such date 2027-02-31"),
        ({"renewal_date": "03/04/2027"}, "could be either day or month first"),
        ({"annual_cost": "lots"}, "Annual cost: 'lots'"),
        ({"functional_fit": "7"}, "Functional fit: '7' is not a rating from 1 to 5"),
        ({"status": ""}, "Status: cannot be empty"),
        ({"status": "maybe"}, "Status: 'maybe' not a known status"),
    ],
)
def test_a_value_that_cannot_be_read_is_refused_in_plain_words(
    typed: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidValueError) as refused:
        read_edits(typed)
    assert message in str(refused.value)
    assert "pydantic" not in str(refused.value) and "Value error" not in str(refused.value)


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Inventory]:
    inventory = Inventory.open(str(tmp_path / "c.db"), actor="tester")
    inventory.add_tool(
        ToolFields(
            name="Marketo Engage", vendor="Adobe", business_owner="Alicia Gomez", notes="Old note"
        ),
        ContractFields(annual_cost=Decimal("78000"), currency="USD", notice_days=60),
    )
    yield inventory
    inventory.close()


def test_a_form_edit_writes_what_was_typed_clears_what_was_emptied_and_is_in_history(
    catalog: Inventory,
) -> None:
    detail = catalog.edit_tool_text(
        "Marketo Engage",
        {"annual_cost": "$12,600", "notes": "", "renewal_date": "31 Mar 2027"},
        today=date(2027, 1, 1),
    )
    assert detail.summary.annual_cost == Decimal("12600.00")
    assert detail.summary.renewal_date == date(2027, 3, 31)
    assert detail.notes is None  # cleared, not left as it was
    entities = {(c.entity, c.action) for c in detail.history}
    assert ("contract", "update") in entities  # the contract's change is the tool's history
    changed = {k for c in detail.history if c.entity == "contract" for k in c.changes}
    assert {"annual_cost", "renewal_date"} <= changed


def test_changing_the_vendor_leaves_no_orphan_vendor(catalog: Inventory) -> None:
    catalog.add_tool(ToolFields(name="Adobe Analytics", vendor="Adobe"))
    catalog.edit_tool_text("Marketo Engage", {"vendor": "Acme Software"})
    assert "Adobe" in _vendors(catalog)  # still named by Adobe Analytics
    catalog.edit_tool_text("Adobe Analytics", {"vendor": "Acme Software"})
    assert _vendors(catalog) == {"Acme Software"}
    assert any(c.entity == "vendor" and c.action == "delete" for c in catalog.history())


def _vendors(inventory: Inventory) -> set[str]:
    from sqlmodel import Session, select

    from stackmap.models import Vendor

    with Session(inventory.engine) as session:
        return {v.name for v in session.exec(select(Vendor))}


def test_emptying_a_contract_term_clears_it_and_makes_no_contract_where_there_is_none(
    catalog: Inventory,
) -> None:
    catalog.edit_tool_text("Marketo Engage", {"renewal_date": "31 Mar 2027"})
    detail = catalog.edit_tool_text("Marketo Engage", {"renewal_date": "", "notice_days": ""})
    assert detail.contracts[-1].renewal_date is None
    assert detail.contracts[-1].notice_days is None
    assert detail.contracts[-1].annual_cost == Decimal("78000.00")  # the rest stays
    catalog.add_tool(ToolFields(name="Free Tool"))
    assert catalog.edit_tool_text("Free Tool", {"renewal_date": ""}).contracts == ()
