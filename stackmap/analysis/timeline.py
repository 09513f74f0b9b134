"""When retiring tools actually saves money: each tool's saving starts at the earliest exit its
contract allows (from the contract engine), so a plan's savings are a timeline by quarter,
not one annual figure. This is what finance asks for at a budget review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stackmap.analysis.stack import Stack, ToolFacts, missing_cost
from stackmap.record import written
from stackmap.text import money

_CENT = Decimal("0.01")
_YEAR = Decimal(365)
QUARTERS_SHOWN = 8


@written
class Exit:
    """One retiring tool's money: what it costs, when paying it can stop, what is owed till then."""

    tool: str
    annual_cost: Decimal | None
    exit_date: date | None  # None: unknown (see why)
    committed: Decimal | None  # owed from today to the exit
    why: str
    renewal_date: date | None = None
    decide_by: date | None = None  # give notice by this day to leave at the renewal


@written
class Quarter:
    label: str  # "2027 Q1"
    start: date
    end: date
    starting: tuple[str, ...]  # tools whose saving starts in this quarter
    saved: Decimal  # not paid within this quarter, thanks to the exits so far
    run_rate: Decimal  # the annual rate saved by the end of this quarter


@dataclass(frozen=True)
class Timeline:
    exits: tuple[Exit, ...]
    quarters: tuple[Quarter, ...]
    annual: Decimal  # the full yearly saving once every scheduled and unscheduled exit is done
    next_12_months: Decimal  # saved in the next 12 months, over the tools with a known exit
    committed: Decimal  # still owed before the exits (known ones)
    unscheduled: tuple[str, ...]  # tools with a known cost whose exit date is unknown
    unknown_cost: tuple[str, ...]  # tools whose cost is unknown: their saving is unknown
    no_rate: tuple[str, ...]  # tools whose cost is in a currency with no rate to the base
    already_leaving: tuple[str, ...]  # sunsetting: not counted as a new saving
    lapsed: tuple[str, ...]  # nothing is being paid: nothing to save


def quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(start: date) -> date:
    month = start.month + 3
    return date(start.year + (month > 12), (month - 1) % 12 + 1, 1)


def _days(start: date, end: date) -> int:
    return max((end - start).days, 0)


def savings_timeline(stack: Stack, tools: list[ToolFacts]) -> Timeline:
    """Return when retiring these tools saves what, quarter by quarter from today's quarter."""
    today = stack.today
    exits: list[Exit] = []
    unscheduled: list[str] = []
    unknown_cost: list[str] = []
    no_rate: list[str] = []
    leaving: list[str] = []
    lapsed: list[str] = []
    for tool in tools:
        cost = stack.costs[tool.id]
        dates = (cost.renewal_date, cost.decide_by)
        if stack.leaving(tool):
            leaving.append(tool.name)
            continue
        if cost.lapsed_only:
            lapsed.append(tool.name)
            continue
        if cost.annual is None:
            (no_rate if cost.unconverted else unknown_cost).append(tool.name)
            gap = missing_cost(stack, [tool])
            exits.append(
                Exit(tool.name, None, cost.exit_date, None, f"{tool.name}: {gap}.", *dates)
            )
            continue
        if cost.exit_date is None and cost.annual == 0:
            exits.append(
                Exit(tool.name, cost.annual, today, Decimal(0), f"{tool.name}: free.", *dates)
            )
            continue
        if cost.exit_date is None:
            unscheduled.append(tool.name)
            reasons = sorted({n for p in cost.paid for n in p.notes}) or ["no contract dates"]
            exits.append(
                Exit(
                    tool.name,
                    cost.annual,
                    None,
                    None,
                    f"{tool.name}: when the saving starts is unknown ({'; '.join(reasons)}).",
                    *dates,
                )
            )
            continue
        exits.append(_scheduled_exit(stack, tool))
    by_date, names_by_date = _by_exit_date(exits)
    quarters = _quarters(today, by_date, names_by_date)
    year_end = today + timedelta(days=365)
    next_12 = sum(
        (amount * _days(max(day, today), year_end) / _YEAR for day, amount in by_date.items()),
        Decimal(0),
    )
    return Timeline(
        exits=tuple(exits),
        quarters=tuple(quarters),
        annual=sum((e.annual_cost for e in exits if e.annual_cost is not None), Decimal(0)),
        next_12_months=next_12.quantize(_CENT),
        committed=sum((e.committed for e in exits if e.committed), Decimal(0)).quantize(_CENT),
        unscheduled=tuple(unscheduled),
        unknown_cost=tuple(unknown_cost),
        no_rate=tuple(no_rate),
        already_leaving=tuple(leaving),
        lapsed=tuple(lapsed),
    )


def _scheduled_exit(stack: Stack, tool: ToolFacts) -> Exit:
    """A tool with a known cost and exit date: what is owed until then, and what to do by
    when, in words."""
    today, base = stack.today, stack.base_currency
    cost = stack.costs[tool.id]
    assert cost.annual is not None and cost.exit_date is not None
    owed = (cost.annual * _days(today, cost.exit_date) / _YEAR).quantize(_CENT)
    why = f"{tool.name}: "
    decide_by = cost.decide_by
    if decide_by is not None and decide_by >= today and cost.renewal_date == cost.exit_date:
        why += f"give notice by {decide_by.isoformat()}; "
    elif decide_by is not None and decide_by < today and cost.exit_date != cost.renewal_date:
        why += (
            f"the notice deadline ({decide_by.isoformat()}) has passed, so the term after "
            f"{cost.renewal_date} is committed; "
        )
    why += f"paying can stop on {cost.exit_date.isoformat()}"
    why += f"; {money(owed, base)} is owed until then." if owed else "."
    return Exit(
        tool.name, cost.annual, cost.exit_date, owed, why, cost.renewal_date, cost.decide_by
    )


def _by_exit_date(exits: list[Exit]) -> tuple[dict[date, Decimal], dict[date, list[str]]]:
    """The yearly amounts that stop on each date, and the tools that stop paying then.

    Exits share dates (renewals cluster): summed per date once, the quarters cost dates x
    quarters, not tools x quarters."""
    scheduled = [e for e in exits if e.exit_date is not None and e.annual_cost is not None]
    by_date: dict[date, Decimal] = {}
    names_by_date: dict[date, list[str]] = {}
    for e in scheduled:
        assert e.exit_date is not None and e.annual_cost is not None
        by_date[e.exit_date] = by_date.get(e.exit_date, Decimal(0)) + e.annual_cost
        if e.annual_cost:
            names_by_date.setdefault(e.exit_date, []).append(e.tool)
    return by_date, names_by_date


def _quarters(
    today: date, by_date: dict[date, Decimal], names_by_date: dict[date, list[str]]
) -> list[Quarter]:
    """What is saved in each quarter from today's, the yearly run rate by its end, and the
    tools whose savings start in it."""
    quarters = []
    start = quarter_of(today)
    for _ in range(QUARTERS_SHOWN):
        following = _next_quarter(start)
        saved = run_rate = Decimal(0)
        starting = []
        for day, amount in by_date.items():
            begin = max(day, start, today)
            saved += amount * _days(begin, following) / _YEAR
            if day < following:
                run_rate += amount
            if start <= day < following:
                starting += names_by_date.get(day, [])
        starting.sort(key=str.casefold)
        label = f"{start.year} Q{(start.month - 1) // 3 + 1}"
        last = following - timedelta(days=1)
        quarters.append(
            Quarter(label, start, last, tuple(starting), saved.quantize(_CENT), run_rate)
        )
        start = following
    return quarters
