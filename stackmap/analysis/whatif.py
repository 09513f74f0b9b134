"""What retiring tools would break and save: capabilities left with no provider, integrations
broken, tools cut off, the money, the dates, and who to tell. Also consolidation (A into B)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Literal

from stackmap.analysis.graph import StackGraph, reachable
from stackmap.analysis.stack import LinkFacts, Stack, ToolFacts, in_sentence, missing_cost, names
from stackmap.analysis.timeline import Exit, Quarter, Timeline, savings_timeline
from stackmap.bulk import bulk_work
from stackmap.domain import name_key
from stackmap.errors import NotFoundError
from stackmap.text import listing, money

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class LostCapability:
    capability: str
    area: str
    why: str


Rebuild = Literal["rebuild", "exists", "lost"]


@dataclass(frozen=True)
class BrokenLink:
    source: str
    target: str
    method: str
    partner: str  # the end that stays
    # "exists": the tool taken over into already has it; "lost": nothing takes it over.
    rebuild: Rebuild
    why: str


@dataclass(frozen=True)
class WhatIf:
    retire: tuple[str, ...]
    into: str | None
    capabilities_lost: tuple[LostCapability, ...]
    capabilities_moved: tuple[str, ...]  # covered by the tool retired into, or another tool
    integrations_broken: tuple[BrokenLink, ...]
    tools_cut_off: tuple[str, ...]
    new_silos: tuple[str, ...]
    annual_savings: Decimal | None  # gross, known costs; None when no cost is known
    committed_until_renewal: Decimal  # owed before the contracts let go
    savings_next_12_months: Decimal | None  # net of the target's and migration costs if known
    deadlines: tuple[Exit, ...]
    owners_to_inform: tuple[str, ...]
    currency: str
    why: tuple[str, ...]
    timeline: tuple[Quarter, ...] = ()
    target_extra_cost: Decimal | None = None  # a year, for taking the retired tools' work on
    migration_cost: Decimal | None = None  # one-off
    net_annual_savings: Decimal | None = None  # gross less the target's extra cost
    cost_unknown: tuple[str, ...] = ()
    no_rate: tuple[str, ...] = ()  # cost in a currency with no rate to the base
    unscheduled: tuple[str, ...] = ()  # known cost, unknown exit date
    already_leaving: tuple[str, ...] = ()
    lapsed: tuple[str, ...] = ()


def find_tool(stack: Stack, name: str) -> ToolFacts:
    """Return the tool with this name (any case and spacing)."""
    # The plan passes stored names, thousands of them: those need no normalising.
    found = stack.by_name.get(name) or stack.by_key.get(name_key(name))
    if found is None:
        raise NotFoundError(f"no tool named {name!r} in the catalog")
    return found


def what_if(
    stack: Stack,
    retire: list[str],
    into: str | None = None,
    graph: StackGraph | None = None,
    target_cost: Decimal | None = None,
    migration_cost: Decimal | None = None,
    links: bool = True,
) -> WhatIf:
    """Return what retiring these tools (into one other tool, if given) would do.

    graph: a StackGraph of the stack already built (the TUI keeps one), to skip building it.
    target_cost: what taking the work on costs a year on the tool retired into (more seats, a
    higher tier); when that tool is not paid for yet, its whole cost counts instead.
    migration_cost: a one-off cost of moving, taken from the first year's savings.
    links: False leaves the list of broken integrations (and the owners to tell) empty, for a
    whole plan retired without a target, whose other consequences are wanted (the links still
    count in the cut-offs).
    """
    if not links and into:
        raise ValueError("links=False is for retiring without a target: rebuilt links need them")
    with bulk_work():
        return _what_if(
            stack, retire, into, graph or StackGraph.of(stack), target_cost, migration_cost, links
        )


def _what_if(
    stack: Stack,
    retire: list[str],
    into: str | None,
    graph: StackGraph,
    target_cost: Decimal | None,
    migration_cost: Decimal | None,
    links: bool = True,
) -> WhatIf:
    leaving = [find_tool(stack, n) for n in dict.fromkeys(retire)]
    gone = {t.id for t in leaving}
    target = find_tool(stack, into) if into else None
    if target is not None and target.id in gone:
        raise NotFoundError(f"{target.name} cannot be both retired and the tool kept")
    lost, moved = _capabilities(stack, graph, leaving, gone, target)
    found = graph.links_touching(gone) if links else {}
    touching = {link.id: link for t in gone for link in found.get(t, ())}
    broken, partner_ids = _broken_links(stack, graph, touching, gone, target)
    # Connectivity: who was connected to the main stack and no longer is. Links rebuilt on
    # the tool retired into reconnect their partners.
    bridged = partner_ids if target is not None else set()
    cut_off, silos = _disconnected(stack, graph, gone, target.id if target else None, bridged)
    money_ = _money(stack, leaving, target, target_cost, migration_cost)
    plan = money_.plan
    owners = {o for t in leaving for o in t.owners}
    owners |= {o for t in (stack.by_id[i] for i in partner_ids) for o in t.owners}
    owners |= {link.owner for link in touching.values() if link.owner}
    if target is not None:
        owners |= set(target.owners)
    why = _explain(stack, leaving, target, migration_cost, money_, lost, broken, cut_off)
    gross, net, next_12 = money_.gross, money_.net, money_.next_12
    return WhatIf(
        retire=tuple(t.name for t in leaving),
        into=target.name if target else None,
        capabilities_lost=tuple(lost),
        capabilities_moved=tuple(moved),
        integrations_broken=tuple(broken),
        tools_cut_off=tuple(cut_off),
        new_silos=tuple(silos),
        annual_savings=gross.quantize(_CENT) if gross is not None else None,
        committed_until_renewal=plan.committed,
        savings_next_12_months=next_12.quantize(_CENT) if next_12 is not None else None,
        deadlines=plan.exits,
        owners_to_inform=tuple(sorted(owners, key=str.casefold)),
        currency=stack.base_currency,
        why=tuple(why),
        timeline=plan.quarters,
        target_extra_cost=money_.extra,
        migration_cost=migration_cost,
        net_annual_savings=net.quantize(_CENT) if net is not None else None,
        cost_unknown=plan.unknown_cost,
        no_rate=plan.no_rate,
        unscheduled=plan.unscheduled,
        already_leaving=plan.already_leaving,
        lapsed=plan.lapsed,
    )


def _capabilities(
    stack: Stack,
    graph: StackGraph,
    leaving: list[ToolFacts],
    gone: set[int],
    target: ToolFacts | None,
) -> tuple[list[LostCapability], list[str]]:
    """The capabilities the retiring tools provide: lost (no tool left provides them) or
    moved (the target or another tool in use still does)."""
    reference = stack.reference
    lost: list[LostCapability] = []
    moved: list[str] = []
    in_use = {t.id for t in graph.tools}
    for capability in sorted({c for t in leaving for c in t.capabilities}):
        if capability not in reference.capabilities:
            continue
        others = [i for i in graph.providers(capability) if i not in gone and i in in_use]
        label = reference.capabilities[capability].name
        if (target is not None and capability in target.capabilities) or others:
            moved.append(capability)
            continue
        reason = f"No tool left provides {in_sentence(label)}"
        if target is not None:
            reason += f": {target.name} does not"
        required = capability in reference.required_capabilities
        reason += " (a required capability)." if required else "."
        lost.append(LostCapability(capability, reference.area_of[capability], reason))
    return lost, moved


def _broken_links(
    stack: Stack,
    graph: StackGraph,
    touching: dict[int, LinkFacts],
    gone: set[int],
    target: ToolFacts | None,
) -> tuple[list[BrokenLink], set[int]]:
    """The integrations that break, each with what becomes of it, and the tools they reach."""
    broken: list[BrokenLink] = []
    partners_of_target = graph.adjacency.get(target.id, set()) if target is not None else set()
    partner_ids: set[int] = set()
    for link in touching.values():
        if link.source in gone and link.target in gone:
            continue
        partner = link.target if link.source in gone else link.source
        source, dest = stack.by_id[link.source].name, stack.by_id[link.target].name
        partner_name = stack.by_id[partner].name
        partner_ids.add(partner)
        rebuild: Rebuild
        if target is None:
            rebuild, note = "lost", f"{partner_name} loses this data flow"
        elif partner == target.id:
            rebuild, note = "exists", f"it ends at {target.name}, which stays"
        elif partner in partners_of_target:
            rebuild, note = "exists", f"{target.name} already integrates with {partner_name}"
        else:
            rebuild, note = "rebuild", f"rebuild it on {target.name}"
        broken.append(
            BrokenLink(
                source, dest, link.method, partner_name, rebuild, f"{source} → {dest}: {note}."
            )
        )
    broken.sort(key=lambda b: (b.source.casefold(), b.target.casefold(), b.method))
    return broken, partner_ids


@dataclass(frozen=True)
class _Money:
    """What retiring saves, from the contract engine; None where it is unknown (never 0)."""

    plan: Timeline
    gross: Decimal | None  # a year, once every contract lets go
    extra: Decimal | None  # a year more on the target, when consolidating
    extra_why: str
    net: Decimal | None  # gross less extra
    next_12: Decimal | None  # over the next twelve months, net of the target and the move


def _money(
    stack: Stack,
    leaving: list[ToolFacts],
    target: ToolFacts | None,
    target_cost: Decimal | None,
    migration_cost: Decimal | None,
) -> _Money:
    plan = savings_timeline(stack, leaving)
    known = [e for e in plan.exits if e.annual_cost is not None]
    gross = plan.annual if known else None
    extra, extra_why = _target_cost(stack, target, target_cost)
    net = gross - extra if gross is not None and extra is not None else None
    # Unknown when no retiring tool with a known cost has a known exit date: never 0.
    scheduled = [e for e in known if e.exit_date is not None]
    next_12: Decimal | None = plan.next_12_months if scheduled else None
    if next_12 is not None and target is not None:
        # The target's extra cost runs from when the work moves (the first exit) onwards.
        first = min((e.exit_date for e in plan.exits if e.exit_date), default=None)
        if extra is None or first is None:
            next_12 = None
        else:
            year_end = stack.today + timedelta(days=365)
            share = Decimal(max((year_end - max(first, stack.today)).days, 0)) / Decimal(365)
            next_12 = next_12 - extra * share - (migration_cost or 0)
    return _Money(plan, gross, extra, extra_why, net, next_12)


def _explain(
    stack: Stack,
    leaving: list[ToolFacts],
    target: ToolFacts | None,
    migration_cost: Decimal | None,
    figures: _Money,
    lost: list[LostCapability],
    broken: list[BrokenLink],
    cut_off: list[str],
) -> list[str]:
    """The what-if in sentences: the saving first, then what it rests on and what it breaks."""
    base, plan, gross, net = stack.base_currency, figures.plan, figures.gross, figures.net
    why: list[str] = []
    subject = names(leaving)
    headline = f"Retiring {subject}{f' into {target.name}' if target else ''} saves "
    if gross is None:
        headline += "an unknown amount: no cost is recorded for " + (
            "it." if len(leaving) == 1 else "them."
        )
    else:
        headline += f"{money(gross, base)} a year once the contracts let go"
        headline += (
            f"; {money(plan.committed, base)} is still owed until then." if plan.committed else "."
        )
    why.append(headline)
    if target is not None:
        why.append(figures.extra_why)
        if migration_cost:
            why.append(f"Moving costs {money(migration_cost, base)} once, from the first year.")
        if net is not None:
            why.append(f"Net of {target.name}'s extra cost: {money(net, base)} a year.")
    wanted = {*plan.unknown_cost, *plan.no_rate}
    missing = [t for t in leaving if t.name in wanted]
    if missing:
        gap = missing_cost(stack, missing, 4)
        why.append(f"{gap[:1].upper()}{gap[1:]}: not counted.")
    if plan.unscheduled:
        why.append(
            f"When paying for {names_of(plan.unscheduled)} can stop is unknown (notice period "
            "or dates not recorded): left out of the next 12 months."
        )
    if plan.already_leaving:
        why.append(
            f"{names_of(plan.already_leaving)} {'is' if len(plan.already_leaving) == 1 else 'are'}"
            " already being sunset: not counted as a new saving."
        )
    if plan.lapsed:
        why.append(
            f"The contracts of {names_of(plan.lapsed)} lapsed: nothing is being paid to save "
            "(verify)."
        )
    if lost:
        capabilities = stack.reference.capabilities
        why.append(
            f"{len(lost)} capability(ies) would have no provider: "
            + ", ".join(in_sentence(capabilities[c.capability].name) for c in lost[:6])
            + "."
        )
    else:
        why.append("Every capability they provide stays covered.")
    if broken:
        to_build = sum(1 for b in broken if b.rebuild == "rebuild")
        why.append(
            f"{len(broken)} integration(s) would break"
            + (
                f"; {to_build} must be rebuilt on {target.name} to reconnect their partners."
                if target
                else "."
            )
        )
    if cut_off:
        why.append(
            f"{len(cut_off)} tool(s) would be cut off from the rest of the stack: "
            f"{', '.join(cut_off[:6])}{' …' if len(cut_off) > 6 else ''}."
        )
    return why


def names_of(items: tuple[str, ...]) -> str:
    return listing(list(items), 4)


def _target_cost(
    stack: Stack, target: ToolFacts | None, given: Decimal | None
) -> tuple[Decimal | None, str]:
    """What taking the work on costs a year on the tool retired into, and the sentence."""
    if target is None:
        return Decimal(0), ""
    base = stack.base_currency
    if given is not None:
        return given, f"Taking the work on costs {money(given, base)} a year more on {target.name}."
    cost = stack.costs[target.id]
    paid_for = target.status == "active" and bool(cost.paid)  # a trial is not paid for yet
    if not paid_for:
        if cost.annual is None:
            return None, (
                f"{target.name} is not paid for yet and its cost is unknown: the net saving "
                "is unknown (give --target-cost)."
            )
        return cost.annual, (
            f"{target.name} is not paid for yet: its {money(cost.annual, base)} a year counts "
            "against the saving."
        )
    return None, (
        f"What taking the work on costs on {target.name} (more seats, a higher tier) is not "
        "recorded: the net saving is unknown (give --target-cost; 0 if nothing changes)."
    )


def _disconnected(
    stack: Stack, graph: StackGraph, gone: set[int], target: int | None, bridged: set[int]
) -> tuple[list[str], list[str]]:
    """Tools that would lose their path to the main stack, and tools left with no working link.

    Only the component(s) the retired tools belong to can change, so only those are searched.
    With a target, the retired tools' partners (bridged) are linked to it: their links are
    rebuilt there.
    """
    working = graph.adjacency
    if target is not None and bridged:
        working = dict(working)
        working[target] = working[target] | (bridged - gone)
        for partner in bridged - gone:
            working[partner] = working[partner] | {target}
    touched = [n for n in gone if working.get(n)]
    if not touched:
        return [], []
    main = graph.main_component
    # One union in C: a plan retiring most of a large stack touches most of its links.
    neighbours = set().union(*[working[n] for n in touched]) - gone
    silos = sorted(
        (stack.by_id[n].name for n in neighbours if not working[n] - gone),
        key=str.casefold,
    )
    pieces: list[set[int]] = []
    seen: set[int] = set()
    for start in neighbours:
        if start not in seen:
            piece = reachable(working, start, gone)
            seen |= piece
            pieces.append(piece)
    main_left = main - gone
    # The main stack is what is left of the largest component: its biggest surviving piece.
    in_main = [p for p in pieces if p & main_left]
    keep = max(in_main, key=len) if in_main else set()
    cut = sorted(
        (stack.by_id[n].name for p in in_main if p is not keep for n in p),
        key=str.casefold,
    )
    return cut, silos
