"""Where the money goes: totals by area, capability, category, vendor, owner and business unit;
cost per active seat; licences paid for and not used; contracts coming up for renewal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack, money
from stackmap.terms import current_contracts

_CENT = Decimal("0.01")
UNASSIGNED = "(none recorded)"


@dataclass(frozen=True)
class ToolSpend:
    tool: str
    annual_cost: Decimal
    seats_active: int | None
    cost_per_active_seat: Decimal | None


@dataclass(frozen=True)
class Spend:
    currency: str
    total: Decimal
    tools_costed: int
    tools_without_cost: tuple[str, ...]
    by_area: dict[str, Decimal]
    by_capability: dict[str, Decimal]
    by_category: dict[str, Decimal]
    by_vendor: dict[str, Decimal]
    by_owner: dict[str, Decimal]
    by_business_unit: dict[str, Decimal]
    tools: tuple[ToolSpend, ...]
    unconverted: dict[str, Decimal] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Underused:
    tool: str
    seats_purchased: int
    seats_active: int
    utilisation: float
    annual_cost: Decimal | None
    wasted: Decimal | None
    why: str


@dataclass(frozen=True)
class Renewal:
    tool: str
    renewal_date: date
    decide_by: date
    days_left: int
    window: str  # "30", "60", "90", "120" days, or "past"
    status: str  # "overdue", "urgent", "upcoming", "expired" or "auto-renewed"
    annual_cost: Decimal | None
    auto_renew: bool | None
    owners: tuple[str, ...]
    why: str


def _add(totals: dict[str, Decimal], key: str, amount: Decimal) -> None:
    totals[key] = totals.get(key, Decimal(0)) + amount


def _rounded(totals: dict[str, Decimal]) -> dict[str, Decimal]:
    return {
        k: v.quantize(_CENT) for k, v in sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    }


def spend(stack: Stack, graph: StackGraph) -> Spend:
    """Return annual spend of the tools in use in the base currency.

    A tool's cost is split evenly over its capabilities (and so over their areas) and over
    its business units, so every breakdown adds up to the same total; costs with no
    capability or unit recorded are shown under "(none recorded)".
    """
    reference = stack.reference
    area_of = reference.area_of
    by: dict[str, dict[str, Decimal]] = {
        k: {} for k in ("area", "capability", "category", "vendor", "owner", "unit")
    }
    total = Decimal(0)
    without: list[str] = []
    unconverted: dict[str, Decimal] = {}
    per_tool: list[ToolSpend] = []
    assumed: list[str] = []
    for tool in graph.tools:
        cost = stack.costs[tool.id]
        for currency, amount in cost.unconverted:
            _add(unconverted, currency, amount)
        if cost.annual is None:
            without.append(tool.name)
            continue
        if cost.assumed_base:
            assumed.append(tool.name)
        amount = cost.annual
        total += amount
        capabilities = [c for c in tool.capabilities if c in area_of]
        if capabilities:
            share = amount / len(capabilities)
            for capability in capabilities:
                _add(by["capability"], capability, share)
                _add(by["area"], area_of[capability], share)
        else:
            _add(by["capability"], UNASSIGNED, amount)
            _add(by["area"], UNASSIGNED, amount)
        _add(by["category"], tool.category or UNASSIGNED, amount)
        _add(by["vendor"], tool.vendor or UNASSIGNED, amount)
        _add(by["owner"], tool.business_owner or tool.technical_owner or UNASSIGNED, amount)
        units = tool.business_units or (UNASSIGNED,)
        for unit in units:
            _add(by["unit"], unit, amount / len(units))
        per_seat = (amount / cost.seats_active).quantize(_CENT) if cost.seats_active else None
        per_tool.append(ToolSpend(tool.name, amount, cost.seats_active, per_seat))
    notes = []
    base = stack.base_currency
    if unconverted:
        listed = ", ".join(f"{money(v, c)}" for c, v in sorted(unconverted.items()))
        notes.append(
            f"Left out of the totals: {listed} a year, in currencies with no rate to {base}; "
            "add rates under currency.rates in analysis.yaml."
        )
    if assumed:
        notes.append(
            f"{len(assumed)} tool(s) have amounts with no currency, counted as {base}: "
            f"{', '.join(assumed[:5])}{' …' if len(assumed) > 5 else ''}."
        )
    # Two stable sorts (name, then cost descending): negating 20,000 Decimals costs more.
    per_tool.sort(key=lambda t: t.tool.casefold())
    per_tool.sort(key=lambda t: t.annual_cost, reverse=True)
    return Spend(
        currency=base,
        total=total.quantize(_CENT),
        tools_costed=len(per_tool),
        tools_without_cost=tuple(sorted(without, key=str.casefold)),
        by_area=_rounded(by["area"]),
        by_capability=_rounded(by["capability"]),
        by_category=_rounded(by["category"]),
        by_vendor=_rounded(by["vendor"]),
        by_owner=_rounded(by["owner"]),
        by_business_unit=_rounded(by["unit"]),
        tools=tuple(per_tool),
        unconverted={k: v.quantize(_CENT) for k, v in sorted(unconverted.items())},
        notes=tuple(notes),
    )


def underused(stack: Stack, graph: StackGraph) -> list[Underused]:
    """Licences whose active seats are below the threshold share of purchased seats."""
    threshold = stack.reference.settings.underused_below
    base = stack.base_currency
    result = []
    for tool in graph.tools:
        cost = stack.costs[tool.id]
        use = cost.utilisation
        if use is None or use >= threshold:
            continue
        assert cost.seats_purchased is not None and cost.seats_active is not None
        idle = cost.seats_purchased - cost.seats_active
        wasted = (
            (cost.annual * Decimal(idle) / Decimal(cost.seats_purchased)).quantize(_CENT)
            if cost.annual is not None
            else None
        )
        why = (
            f"{tool.name} uses {cost.seats_active} of {cost.seats_purchased} seats ({use:.0%}, "
            f"below {threshold:.0%})"
        )
        why += (
            f": {idle} idle seat(s) cost about {money(wasted, base)} a year."
            if wasted is not None
            else f": {idle} idle seat(s), cost unknown."
        )
        if cost.decide_by is not None and cost.decide_by >= stack.today:
            why += f" Reduce the seat count by {cost.decide_by.isoformat()} (notice date)."
        result.append(
            Underused(
                tool.name,
                cost.seats_purchased,
                cost.seats_active,
                round(use, 3),
                cost.annual,
                wasted,
                why,
            )
        )
    result.sort(key=lambda u: (-(u.wasted or 0), u.utilisation, u.tool.casefold()))
    return result


def renewals(stack: Stack, graph: StackGraph) -> list[Renewal]:
    """Contracts of tools in use renewing within the horizon, or lapsed or rolled over within it,
    sorted by the date notice must be given."""
    settings = stack.reference.settings.renewals
    today = stack.today
    horizon = today + timedelta(days=settings.horizon_days)
    since = today - timedelta(days=settings.horizon_days)
    base = stack.base_currency
    result = []
    for tool in graph.tools:
        # Contracts in force, or with none in force the last one: a lapse in the window is news.
        for contract in current_contracts(list(tool.contracts), today):
            renewal = contract.renewal_date or contract.end_date
            if renewal is None or not since <= renewal <= horizon:
                continue
            decide_by = renewal - timedelta(days=contract.notice_days or 0)
            days_left = (renewal - today).days
            cost = stack.costs[tool.id].annual
            owners = tool.owners
            tell = f" Owner: {', '.join(owners)}." if owners else " Nobody owns it."
            if renewal < today:
                if contract.auto_renew:
                    status = "auto-renewed"
                    why = (
                        f"{tool.name} renewed itself on {renewal.isoformat()} (auto-renewal): "
                        "the next term is committed; check the new renewal date."
                    )
                else:
                    status = "expired"
                    why = (
                        f"{tool.name}'s contract ended on {renewal.isoformat()} and does not "
                        "auto-renew: confirm it was renewed or the tool switched off."
                    )
                window = "past"
            else:
                window = next((str(d) for d in (30, 60, 90) if days_left <= d), "120")
                notice = f"notice ({contract.notice_days} days) " if contract.notice_days else ""
                if decide_by < today:
                    status = "overdue"
                    why = (
                        f"{tool.name} renews on {renewal.isoformat()}; the {notice}deadline "
                        f"passed on {decide_by.isoformat()}"
                    )
                    why += (
                        " and it renews automatically: negotiate or plan to give notice for "
                        "the next term."
                        if contract.auto_renew
                        else ": act now if it should not continue."
                    )
                elif (decide_by - today).days <= settings.urgent_days:
                    status = "urgent"
                    why = (
                        f"Decide about {tool.name} by {decide_by.isoformat()} "
                        f"({(decide_by - today).days} days): it renews on {renewal.isoformat()}"
                        f"{' automatically' if contract.auto_renew else ''}."
                    )
                else:
                    status = "upcoming"
                    why = (
                        f"{tool.name} renews on {renewal.isoformat()}; decide by "
                        f"{decide_by.isoformat()}."
                    )
            if cost is not None:
                why += f" {money(cost, base)} a year."
            result.append(
                Renewal(
                    tool.name,
                    renewal,
                    decide_by,
                    days_left,
                    window,
                    status,
                    cost,
                    contract.auto_renew,
                    owners,
                    why + tell,
                )
            )
    order = {"overdue": 0, "urgent": 1, "upcoming": 2, "auto-renewed": 3, "expired": 4}
    result.sort(key=lambda r: (order[r.status], r.decide_by, r.tool.casefold()))
    return result
