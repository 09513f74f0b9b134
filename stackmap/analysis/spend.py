"""Where the money goes: totals by area, capability, category, vendor, owner and business unit;
cost per active seat; licences paid for and not used; contracts coming up for renewal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack, ToolFacts
from stackmap.record import written
from stackmap.terms import COMMITTED, IN_TERM, LAPSED, OPEN_ENDED, ROLLED, Position
from stackmap.text import money

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
UNASSIGNED = "(none recorded)"


@written
class ToolCost:
    tool: str
    annual_cost: Decimal
    seats_active: int | None
    cost_per_active_seat: Decimal | None
    already_leaving: bool = False  # sunsetting: paid until its contract ends


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
    tools: tuple[ToolCost, ...]
    unconverted: dict[str, Decimal] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    already_leaving: Decimal = Decimal(0)  # of the total, for tools being sunset
    lapsed: tuple[str, ...] = ()  # tools whose contracts lapsed: not counted, to verify


@written
class Underused:
    """A seat finding: idle seats, low adoption, over-use (a true-up risk), or none in use."""

    tool: str
    seats_purchased: int
    seats_active: int  # active seats, or assigned ones when active use is not recorded
    utilisation: float | None  # None: no seats were purchased
    annual_cost: Decimal | None
    wasted: Decimal | None  # a year, only for per-seat licences with a known cost
    why: str
    kind: str = "idle seats"  # idle seats, low adoption, over-used, none active, none purchased
    pricing_model: str | None = None
    basis: Literal["active", "assigned"] = "active"  # which seats count as used
    if_per_seat: Decimal | None = None  # what idle seats would cost if priced per seat
    already_leaving: bool = False


@written
class Renewal:
    tool: str
    renewal_date: date | None  # None: a lapsed or rolled contract whose next date is unknown
    decide_by: date | None  # None: notice period not recorded
    days_left: int  # to the decide-by date (to the renewal when the notice is unknown)
    window: str  # the bucket of days to the decision ("30", "60", "90", "120"), or "past"
    # overdue, urgent, upcoming, notice unknown, committed, auto-renewed or lapsed
    status: str
    annual_cost: Decimal | None
    auto_renew: bool | None
    owners: tuple[str, ...]
    why: str
    notice_days: int | None = None
    exit_date: date | None = None  # earliest day the tool can stop being paid
    already_leaving: bool = False  # the tool is sunsetting

    @property
    def due(self) -> bool:
        """Whether a decision is still ahead of the renewal (what "renewals due" counts)."""
        return self.status in DUE


# Statuses of renewals still to decide, in the order they are listed.
DUE = ("overdue", "urgent", "notice unknown", "upcoming")
_ORDER = {s: i for i, s in enumerate((*DUE, "committed", "auto-renewed", "lapsed"))}


def _add(totals: dict[str, Decimal], key: str, amount: Decimal) -> None:
    totals[key] = totals.get(key, _ZERO) + amount


def _rounded(amounts: dict[str, list[Decimal]]) -> dict[str, Decimal]:
    """Each key's amounts summed (in the order they came, from 0), largest first, in cents."""
    totals = [(k, sum(v, _ZERO)) for k, v in amounts.items()]
    return {k: v.quantize(_CENT) for k, v in sorted(totals, key=lambda kv: kv[1], reverse=True)}


def primary_capability(stack: Stack, tool: ToolFacts) -> str | None:
    """The capability a tool's cost is put on: its main job (see Reference.job_capability),
    else its most specific capability (the one fewest products in the library share)."""
    job = stack.jobs[tool.id]
    if job is not None:
        return job
    reference = stack.reference
    known = sorted(c for c in tool.capabilities if c in reference.area_of)
    weight = reference.capability_weight
    return max(known, key=lambda c: weight.get(c, 1.0)) if known else None


def spend(stack: Stack, graph: StackGraph) -> Spend:
    """Return annual spend of the tools being paid for, in the base currency.

    The tools are those in use and, unless narrowed, sunsetting ones: they are still paid for
    (and marked as already leaving). A tool's cost goes to its primary capability (and so its
    area) rather than evenly over every tag, so a CRM's licence does not make "sales
    enablement" look expensive; a tool with business units is split evenly over them. Every
    breakdown adds up to the same total; costs with nothing recorded show under "(none
    recorded)". Lapsed contracts are not spend: they are listed in the notes to verify.
    """
    reference = stack.reference
    area_of = reference.area_of
    # Each breakdown's amounts by key, summed at the end: six additions per tool in Python
    # were a twentieth of the analysis.
    by: dict[str, dict[str, list[Decimal]]] = {
        k: {} for k in ("area", "capability", "category", "vendor", "owner", "unit")
    }
    by_capability, by_area, by_category = by["capability"], by["area"], by["category"]
    by_vendor, by_owner, by_unit = by["vendor"], by["owner"], by["unit"]
    total = leaving_total = Decimal(0)
    without: list[str] = []
    unconverted: dict[str, Decimal] = {}
    per_tool: list[ToolCost] = []
    assumed: list[str] = []
    lapsed: list[str] = []
    leaving: list[str] = []
    base = stack.base_currency
    for tool in stack.paid_tools:
        cost = stack.costs[tool.id]
        for currency, amount in cost.unconverted:
            _add(unconverted, currency, amount)
        if cost.lapsed_only:
            lapsed.append(f"{tool.name} ({money(cost.lapsed, base)})" if cost.lapsed else tool.name)
            continue
        if cost.annual is None:
            if not cost.unconverted:  # a known amount with no rate is not "cost unknown"
                without.append(tool.name)
            continue
        if cost.assumed_base:
            assumed.append(tool.name)
        amount = cost.annual
        total += amount
        if stack.leaving(tool):
            leaving_total += amount
            leaving.append(tool.name)
        primary = primary_capability(stack, tool)
        by_capability.setdefault(primary or UNASSIGNED, []).append(amount)
        by_area.setdefault(area_of[primary] if primary else UNASSIGNED, []).append(amount)
        by_category.setdefault(tool.category or UNASSIGNED, []).append(amount)
        by_vendor.setdefault(tool.vendor or UNASSIGNED, []).append(amount)
        owner = tool.business_owner or tool.technical_owner or UNASSIGNED
        by_owner.setdefault(owner, []).append(amount)
        units = tool.business_units or (UNASSIGNED,)
        share = amount / len(units) if len(units) > 1 else amount
        for unit in units:
            by_unit.setdefault(unit, []).append(share)
        per_seat = (amount / cost.seats_active).quantize(_CENT) if cost.seats_active else None
        per_tool.append(
            ToolCost(tool.name, amount, cost.seats_active, per_seat, stack.leaving(tool))
        )
    notes = []
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
    if leaving:
        notes.append(
            f"{money(leaving_total, base)} of it is for {len(leaving)} tool(s) already being "
            f"sunset ({', '.join(sorted(leaving, key=str.casefold)[:5])}"
            f"{' …' if len(leaving) > 5 else ''}): paid until their contracts end, never "
            "counted again as a new saving."
        )
    if lapsed:
        lapsed.sort(key=str.casefold)
        notes.append(
            f"Not counted: {len(lapsed)} tool(s) whose contracts lapsed without auto-renewal "
            f"({', '.join(lapsed[:5])}{' …' if len(lapsed) > 5 else ''}); verify whether they "
            "were renewed or switched off."
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
        already_leaving=leaving_total.quantize(_CENT),
        lapsed=tuple(lapsed),
    )


def underused(stack: Stack, graph: StackGraph) -> list[Underused]:
    """Seat findings for the tools being paid for, by their contracts' pricing model.

    Idle seats are money only for per-seat licences: a platform- or usage-priced tool with few
    logins costs the same, and is a low-adoption finding with no money on it. Where the pricing
    model is not recorded, what the idle seats would cost if priced per seat is shown apart,
    never added to the waste. Active seats are used where recorded, else assigned seats (and
    the finding says so).
    """
    threshold = stack.reference.settings.underused_below
    base = stack.base_currency
    result = []
    for tool in stack.paid_tools:
        cost = stack.costs[tool.id]
        bought = cost.seats_purchased
        basis: Literal["active", "assigned"] = (
            "active" if cost.seats_active is not None else "assigned"
        )
        used = cost.seats_active if cost.seats_active is not None else cost.seats_assigned
        if bought is None or used is None:
            continue
        model = cost.pricing_model
        per_seat = model == "per_seat"
        word = "active" if basis == "active" else "assigned (active use not recorded)"
        leaving = stack.leaving(tool)
        if bought == 0:
            if used:
                why = (
                    f"{tool.name} has {used} {word} user(s) but no seats recorded as purchased: "
                    "check the contract, or expect a true-up."
                )
                result.append(
                    Underused(tool.name, 0, used, None, cost.annual, None, why, "none purchased",
                              model, basis, None, leaving)
                )  # fmt: skip
            continue
        share = used / bought
        if used > bought:
            extra = used - bought
            per = cost.annual / bought if cost.annual is not None else None
            why = (
                f"{tool.name} has {used} {word} users for {bought} seats bought: {extra} over. "
                "Expect a true-up at renewal"
            )
            if per is not None and per_seat:
                why += f" (about {money(per * extra, base)} a year at the current price)"
            why += "."
            result.append(
                Underused(tool.name, bought, used, round(share, 3), cost.annual, None, why,
                          "over-used", model, basis, None, leaving)
            )  # fmt: skip
            continue
        if share >= threshold:
            continue
        idle = bought - used
        idle_cost = (
            (cost.annual * Decimal(idle) / Decimal(bought)).quantize(_CENT)
            if cost.annual is not None
            else None
        )
        kind = "none active" if used == 0 else "idle seats"
        head = f"{tool.name} uses {used} of {bought} seats ({share:.0%}, below {threshold:.0%}"
        head += "; assigned seats, active use not recorded)" if basis == "assigned" else ")"
        wasted = if_per_seat = None
        if per_seat:
            wasted = idle_cost
            why = head + (
                f": {idle} idle seat(s) cost about {money(idle_cost, base)} a year."
                if idle_cost is not None
                else f": {idle} idle seat(s), cost unknown."
            )
        elif model in ("platform", "usage"):
            kind = "low adoption"
            why = head + (
                f": priced by {'usage' if model == 'usage' else 'platform or tier'}, so idle "
                "seats cost nothing extra; low use says little value is being drawn from it."
            )
        else:
            if_per_seat = idle_cost
            why = head + (
                f": {idle} idle seat(s). The pricing model is not recorded: if it is priced "
                f"per seat they cost about {money(idle_cost, base)} a year (not counted as "
                "waste until someone records it)."
                if idle_cost is not None
                else f": {idle} idle seat(s); pricing model and cost not recorded."
            )
        if (wasted or if_per_seat) and cost.decide_by is not None and cost.decide_by >= stack.today:
            why += f" Reduce the seat count by {cost.decide_by.isoformat()} (notice date)."
        if leaving:
            why += " The tool is being sunset."
        result.append(
            Underused(tool.name, bought, used, round(share, 3), cost.annual, wasted, why, kind,
                      model, basis, if_per_seat, leaving)
        )  # fmt: skip
    result.sort(
        key=lambda u: (-(u.wasted or u.if_per_seat or 0), u.utilisation or 0, u.tool.casefold())
    )
    return result


def renewals(stack: Stack, graph: StackGraph) -> list[Renewal]:
    """Contracts whose decision falls within the horizon (on the decide-by date, not the renewal
    date: a 180-day notice is due long before the renewal), and those that renewed themselves
    or lapsed within the same span back, most pressing first. Tools being sunset are included
    and marked: their notice dates are exactly what must not be missed."""
    settings = stack.reference.settings.renewals
    today = stack.today
    horizon = today + timedelta(days=settings.horizon_days)
    since = today - timedelta(days=settings.horizon_days)
    base = stack.base_currency
    result = []
    for tool in stack.paid_tools:
        cost = stack.costs[tool.id]
        for p in cost.positions:
            found = _renewal_status(p, today, horizon, since, settings.urgent_days)
            if found is None:
                continue
            status, why = found
            name = tool.name
            why = f"{name} {why}"
            leaving = stack.leaving(tool)
            if leaving:
                why += " It is being sunset: give notice in time so it is not paid for again."
            amount = cost.annual if p.paid else cost.lapsed
            if amount is not None:
                why += f" {money(amount, base)} a year."
            owners = tool.owners
            why += f" Owner: {', '.join(owners)}." if owners else " Nobody owns it."
            anchor = p.decide_by or p.renewal_date
            days = (anchor - today).days if anchor else 0
            window = (
                "past"
                if days < 0 or status in ("lapsed", "auto-renewed", "committed")
                else _window(days, settings.windows, settings.horizon_days)
            )
            result.append(
                Renewal(
                    name,
                    p.renewal_date,
                    p.decide_by,
                    days,
                    window,
                    status,
                    amount,
                    p.auto_renew,
                    owners,
                    why,
                    p.notice_days,
                    p.exit_date,
                    leaving,
                )
            )
    result.sort(
        key=lambda r: (
            _ORDER[r.status],
            r.decide_by or r.renewal_date or date.max,
            r.tool.casefold(),
        )
    )
    return result


def _renewal_status(
    p: Position, today: date, horizon: date, since: date, urgent_days: int
) -> tuple[str, str] | None:
    """The status and the reason (after the tool's name) of a contract within the renewal
    window, or None when it is outside it."""
    renewal, decide_by = p.renewal_date, p.decide_by
    if p.state == LAPSED:
        if renewal is None or renewal < since:
            return None
        return "lapsed", f"{_ended(p)}: lapsed, verify it was renewed or switched off."
    if p.state not in (IN_TERM, COMMITTED, ROLLED):
        return None
    rolled = (
        f" It renewed itself on {p.rolled_on.isoformat()}."
        if p.rolled_on is not None and p.rolled_on >= since
        else ""
    )
    if renewal is None:  # rolled, next date unknown
        if not rolled:
            return None
        return "auto-renewed", f"renewed itself on {p.rolled_on}; its next renewal date is unknown."
    itself = " automatically" if p.auto_renew is not False else ""
    if decide_by is None:
        if renewal > horizon:
            return (
                ("auto-renewed", f"renewed itself; it next renews on {renewal.isoformat()}.")
                if rolled
                else None
            )
        return (
            "notice unknown",
            f"renews{itself} on {renewal.isoformat()}; no notice period is recorded, so the "
            "decide-by date is unknown and may already have passed: check the contract." + rolled,
        )
    if decide_by > horizon:
        return (
            (
                "auto-renewed",
                f"renewed itself on {p.rolled_on}; it next renews on {renewal.isoformat()} "
                f"(decide by {decide_by.isoformat()}).",
            )
            if rolled
            else None
        )
    notice = f"notice ({p.notice_days} days) " if p.notice_days else ""
    if p.state == COMMITTED:
        exit_text = (
            f"the earliest exit is {p.exit_date.isoformat()}"
            if p.exit_date
            else "the earliest exit is a term later"
        )
        auto = "" if p.auto_renew else " (auto-renewal not recorded: read as renewing)"
        return (
            "committed",
            f"renews{itself} on {renewal.isoformat()}{auto}; the {notice}deadline passed on "
            f"{decide_by.isoformat()}, so the next term is committed: {exit_text}. Negotiate "
            "the terms now." + rolled,
        )
    if decide_by < today:
        return (
            "overdue",
            f"ends on {renewal.isoformat()} without renewing itself; the {notice}deadline "
            f"passed on {decide_by.isoformat()}: renew now if it should continue." + rolled,
        )
    days = (decide_by - today).days
    if days <= urgent_days:
        return (
            "urgent",
            f"needs a decision by {decide_by.isoformat()} ({days} days): it renews{itself} on "
            f"{renewal.isoformat()}." + rolled,
        )
    return (
        "upcoming",
        f"renews{itself} on {renewal.isoformat()}; decide by {decide_by.isoformat()}." + rolled,
    )


def _ended(p: Position) -> str:
    end = p.renewal_date.isoformat() if p.renewal_date else "?"
    why = "was not recorded as auto-renewing" if p.auto_renew is None else "did not auto-renew"
    return f"ended on {end} and {why}"


@written
class ContractCheck:
    """Something about a contract's terms a person should confirm before relying on them."""

    tool: str
    kind: str  # "open-ended", "notice unknown", "auto-renewal unknown" or "lapsed"
    annual_cost: Decimal | None
    why: str


_CHECKS = {
    "open-ended": "has no renewal or end date recorded: an open-ended (evergreen) contract runs "
    "until someone gives notice, and nothing here will remind anyone; record its term",
    "notice unknown": "has no notice period recorded: its decide-by date, and so when a saving "
    "could start, is unknown; record the notice period",
    "auto-renewal unknown": "does not say whether it renews itself: read as renewing (the "
    "cautious reading) until someone records it",
    "lapsed": "has a contract that ended without auto-renewal: it is not counted as spend; "
    "verify whether it was renewed or switched off",
}


def contract_checks(stack: Stack) -> list[ContractCheck]:
    """Contracts whose terms leave a decision unknowable until someone records them, dearest
    first: open-ended, no notice period, auto-renewal not recorded, lapsed."""
    base = stack.base_currency
    result = []
    for tool in stack.paid_tools:
        cost = stack.costs[tool.id]
        kinds: dict[str, None] = {}
        for p in cost.positions:
            if p.state == OPEN_ENDED:
                kinds["open-ended"] = None
            elif p.state == LAPSED:
                kinds["lapsed"] = None
            elif p.paid:
                if p.notice_days is None and p.auto_renew is not False:
                    kinds["notice unknown"] = None
                if p.auto_renew is None:
                    kinds["auto-renewal unknown"] = None
        amount = cost.annual if cost.paid else cost.lapsed
        if amount == 0:
            continue  # a free tool's terms decide no money
        for kind in kinds:
            why = f"{tool.name} {_CHECKS[kind]}."
            if amount is not None:
                why += f" {money(amount, base)} a year."
            result.append(ContractCheck(tool.name, kind, amount, why))
    result.sort(key=lambda c: (-(c.annual_cost or 0), c.tool.casefold(), c.kind))
    return result


def _window(days: int, windows: tuple[int, ...], horizon: int) -> str:
    """The settings' bucket a decision falls in: the first window it is within, else the
    horizon's."""
    return str(next((w for w in sorted(windows) if days <= w < horizon), horizon))
