"""The read models' JSON and their record behaviour (stackmap.views, stackmap.record)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date
from decimal import Decimal

import pytest

from stackmap.terms import current_terms
from stackmap.views import ContractView, ToolSummary, jsonable


def _summary(**changes: object) -> ToolSummary:
    values: dict[str, object] = {
        "id": 7,
        "name": "HubSpot",
        "vendor": "HubSpot, Inc.",
        "category": "Marketing Automation",
        "status": "active",
        "owner": "Dana",
        "technical_owner": "Lee",
        "annual_cost": Decimal("48000.50"),
        "currency": "USD",
        "renewal_date": date(2027, 3, 31),
        "notice_days": 60,
        "seats_purchased": 40,
        "seats_active": 31,
        "capabilities": ("email", "forms"),
        "integrations": 12,
        "disposition": "keep",
        "business_units": ("EMEA",),
        "capabilities_inferred": "library",
    }
    values.update(changes)
    return ToolSummary(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "summary",
    [
        _summary(),
        _summary(annual_cost=None, renewal_date=None, capabilities=(), business_units=()),
    ],
)
def test_tool_summary_json_is_every_field_but_the_id_in_order(summary: ToolSummary) -> None:
    # to_json is written out field by field for speed; this holds it to the dataclass, so a
    # field added to ToolSummary and forgotten in the JSON fails here.
    expected = {k: jsonable(v) for k, v in asdict(summary).items() if k != "id"}
    got = summary.to_json()
    assert list(got) == [f.name for f in fields(ToolSummary) if f.name != "id"]
    assert got == expected
    assert all(type(got[k]) is type(v) for k, v in expected.items())


def test_records_compare_and_hash_by_value() -> None:
    contract = ContractView(
        1, Decimal("10.00"), None, "USD", "annual", None, None, date(2027, 1, 1), 30, True,
        None, None, None, None, None,
    )  # fmt: skip
    same = ContractView(*(getattr(contract, f.name) for f in fields(ContractView)))
    assert contract == same and hash(contract) == hash(same)
    terms = current_terms([contract], date(2026, 12, 4))
    assert terms == current_terms([same], date(2026, 12, 4))
    assert len({terms, current_terms([same], date(2026, 12, 4))}) == 1
    assert not hasattr(contract, "__dict__")  # slotted: no stray attributes
