"""The suggested plan as a whole: what it retires, what that saves and when (by the contract
terms, quarter by quarter), and what it would lose, checked by running it through the what-if.
A plan that leaves a required capability with no provider says so in its headline."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.recommend import Recommendation, retiring
from stackmap.analysis.stack import Stack, in_sentence, missing_cost
from stackmap.analysis.timeline import Exit, Quarter
from stackmap.analysis.whatif import LostCapability, what_if
from stackmap.text import listing, money


@dataclass(frozen=True)
class Plan:
    retire: tuple[str, ...]
    annual_savings: Decimal | None  # a year once every contract lets go; None: no cost known
    savings_next_12_months: Decimal | None
    committed_until_exit: Decimal
    timeline: tuple[Quarter, ...]
    exits: tuple[Exit, ...]
    capabilities_lost: tuple[LostCapability, ...]
    required_lost: tuple[str, ...]
    cost_unknown: tuple[str, ...]
    unscheduled: tuple[str, ...]
    tools_cut_off: tuple[str, ...]
    headline: str


def plan(stack: Stack, graph: StackGraph, items: list[Recommendation]) -> Plan:
    names = retiring(items)
    base = stack.base_currency
    if not names:
        return Plan((), Decimal(0), Decimal(0), Decimal(0), (), (), (), (), (), (), (),
                    "The plan retires no tool.")  # fmt: skip
    scenario = what_if(stack, names, graph=graph, links=False)
    required = set(stack.reference.required_capabilities)
    required_lost = tuple(
        c.capability for c in scenario.capabilities_lost if c.capability in required
    )
    capability = stack.reference.capabilities
    headline = f"The plan retires {len(names)} tool(s)"
    if scenario.annual_savings is None:
        headline += ": what it saves is unknown (no cost recorded)."
    else:
        headline += (
            f", saving {money(scenario.annual_savings, base)} a year once their contracts let go"
        )
        if scenario.savings_next_12_months is not None:
            headline += f" ({money(scenario.savings_next_12_months, base)} in the next 12 months"
            if scenario.committed_until_renewal:
                headline += f"; {money(scenario.committed_until_renewal, base)} is owed until then"
            headline += ")"
        headline += "."
    if required_lost:
        headline += (
            " It would leave required capabilities with no provider: "
            + listing([in_sentence(capability[c].name) for c in required_lost], 4)
            + "."
        )
    elif scenario.capabilities_lost:
        headline += (
            f" {len(scenario.capabilities_lost)} optional capability(ies) would have no "
            "provider: "
            + listing(
                [in_sentence(capability[c.capability].name) for c in scenario.capabilities_lost], 4
            )
            + "."
        )
    else:
        headline += " Every capability stays covered."
    if scenario.cost_unknown or scenario.no_rate:
        wanted = {*scenario.cost_unknown, *scenario.no_rate}
        missing = [t for t in stack.tools if t.name in wanted]
        gap = missing_cost(stack, missing)
        headline += f" Not counted: {gap}."
    if scenario.unscheduled:
        headline += (
            f" When the saving starts is unknown for {listing(list(scenario.unscheduled), 3)}."
        )
    return Plan(
        retire=scenario.retire,
        annual_savings=scenario.annual_savings,
        savings_next_12_months=scenario.savings_next_12_months,
        committed_until_exit=scenario.committed_until_renewal,
        timeline=scenario.timeline,
        exits=scenario.deadlines,
        capabilities_lost=scenario.capabilities_lost,
        required_lost=required_lost,
        cost_unknown=scenario.cost_unknown,
        unscheduled=scenario.unscheduled,
        tools_cut_off=scenario.tools_cut_off,
        headline=headline,
    )
