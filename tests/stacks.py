"""Hand-built stacks for analysis tests: a few lines each, with answers a person can check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from stackmap.analysis import LinkFacts, Stack, ToolFacts
from stackmap.reference import Reference
from stackmap.views import ContractView

TODAY = date(2027, 1, 1)


def contract(
    cost: float | None = None,
    *,
    currency: str | None = "USD",
    renewal: date | None = None,
    end: date | None = None,
    notice: int | None = None,
    auto_renew: bool | None = None,
    seats: int | None = None,
    active: int | None = None,
    pricing: str | None = None,
    contract_id: int = 1,
) -> ContractView:
    return ContractView(
        id=contract_id,
        annual_cost=None if cost is None else Decimal(str(cost)),
        amount=None,
        currency=currency,
        billing_period="annual",
        start_date=None,
        end_date=end,
        renewal_date=renewal,
        notice_days=notice,
        auto_renew=auto_renew,
        seats_purchased=seats,
        seats_assigned=None,
        seats_active=active,
        cost_centre=None,
        notes=None,
        pricing_model=pricing,
    )


def tool(
    tool_id: int,
    name: str,
    *capabilities: str,
    cost: float | None = None,
    owner: str | None = "Dana Lee",
    status: str = "active",
    disposition: str | None = None,
    units: tuple[str, ...] = (),
    vendor: str | None = None,
    **terms: object,
) -> ToolFacts:
    contracts = (contract(cost, **terms),) if cost is not None or terms else ()  # type: ignore[arg-type]
    return ToolFacts(
        id=tool_id,
        name=name,
        status=status,
        vendor=vendor,
        business_owner=owner,
        capabilities=tuple(capabilities),
        business_units=units,
        contracts=contracts,
        disposition=disposition,
    )


def link(
    a: int,
    b: int,
    *,
    method: str = "api",
    status: str = "active",
    direction: str = "one_way",
    link_id: int | None = None,
    data: tuple[str, ...] = (),
) -> LinkFacts:
    return LinkFacts(
        id=link_id or a * 1000 + b,
        source=a,
        target=b,
        method=method,
        status=status,
        direction=direction,
        data_objects=data,
    )


def stack(
    reference: Reference,
    tools: Sequence[ToolFacts],
    links: Sequence[LinkFacts] = (),
    today: date = TODAY,
) -> Stack:
    return Stack(tuple(tools), tuple(links), reference, today)
