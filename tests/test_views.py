"""The read models' JSON and their record behaviour (stackmap.views, stackmap.record)."""

from __future__ import annotations

import io
import json
from dataclasses import fields
from datetime import date
from decimal import Decimal

import orjson
import pytest

from stackmap.cli.base import _write_json
from stackmap.terms import current_terms
from stackmap.views import ContractView, ToolSummary, jsonable


def _summary(**changes: object) -> ToolSummary:
    values: dict[str, object] = {
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
def test_a_listed_tool_is_written_as_its_documented_json_object(summary: ToolSummary) -> None:
    # `tools --json` hands the records to orjson as they are: the bytes must be those of the
    # documented object (money as a number, the date as ISO text, lists for tuples), field
    # for field, in order.
    documented = {f.name: jsonable(getattr(summary, f.name)) for f in fields(ToolSummary)}
    assert summary.to_json() == documented
    assert list(summary.to_json()) == list(documented)
    with io.BytesIO() as out:
        _write_json(out.write, [summary], 0)
        written = out.getvalue()
    assert written == orjson.dumps([documented], option=orjson.OPT_INDENT_2)
    assert orjson.loads(written)[0] == json.loads(json.dumps(documented))


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
