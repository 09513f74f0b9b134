"""What retiring tools would break and save: capabilities left with no provider, integrations
broken, tools cut off, the money, the dates, and who to tell. Also consolidation (A into B)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stackmap.analysis.graph import StackGraph, reachable
from stackmap.analysis.stack import Stack, ToolFacts, in_sentence, money, names
from stackmap.bulk import bulk_work
from stackmap.errors import NotFoundError
from stackmap.models import name_key

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class LostCapability:
    capability: str
    area: str
    why: str


@dataclass(frozen=True)
class BrokenLink:
    source: str
    target: str
    method: str
    partner: str  # the end that stays
    rebuild: str  # "rebuild" or "exists" (the tool taken over into already has it) or "lost"
    why: str


@dataclass(frozen=True)
class Deadline:
    tool: str
    annual_cost: Decimal | None
    renewal_date: date | None
    decide_by: date | None
    committed: Decimal | None  # still owed until the renewal date
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
    annual_savings: Decimal
    committed_until_renewal: Decimal
    savings_next_12_months: Decimal
    deadlines: tuple[Deadline, ...]
    owners_to_inform: tuple[str, ...]
    currency: str
    why: tuple[str, ...]


def find_tool(stack: Stack, name: str) -> ToolFacts:
    """Return the tool with this name (any case and spacing)."""
    key = name_key(name)
    for tool in stack.tools:
        if name_key(tool.name) == key:
            return tool
    raise NotFoundError(f"no tool named {name!r} in the catalog")


def what_if(
    stack: Stack,
    retire: list[str],
    into: str | None = None,
    graph: StackGraph | None = None,
) -> WhatIf:
    """Return what retiring these tools (into one other tool, if given) would do.

    graph: a StackGraph of the stack already built (the TUI keeps one), to skip building it.
    """
    with bulk_work():
        return _what_if(stack, retire, into, graph or StackGraph.of(stack))


def _what_if(stack: Stack, retire: list[str], into: str | None, graph: StackGraph) -> WhatIf:
    leaving = [find_tool(stack, n) for n in dict.fromkeys(retire)]
    gone = {t.id for t in leaving}
    target = find_tool(stack, into) if into else None
    if target is not None and target.id in gone:
        raise NotFoundError(f"{target.name} cannot be both retired and the tool kept")
    reference = stack.reference
    why: list[str] = []

    # Capabilities.
    lost: list[LostCapability] = []
    moved: list[str] = []
    in_use = {t.id for t in graph.tools}
    for capability in sorted({c for t in leaving for c in t.capabilities}):
        if capability not in reference.capabilities:
            continue
        others = [i for i in graph.providers(capability) if i not in gone and i in in_use]
        label = reference.capabilities[capability].name
        if target is not None and capability in target.capabilities:
            moved.append(capability)
            continue
        if others:
            moved.append(capability)
            continue
        reason = f"No tool left provides {in_sentence(label)}"
        if target is not None:
            reason += f": {target.name} does not"
        required = capability in reference.required_capabilities
        reason += " (a required capability)." if required else "."
        lost.append(LostCapability(capability, reference.area_of[capability], reason))

    # Integrations.
    broken: list[BrokenLink] = []
    partners_of_target = set()
    if target is not None:
        partners_of_target = graph.adjacency.get(target.id, set())
    touching = {link.id: link for t in gone for link in graph.links_of.get(t, ())}
    partner_ids: set[int] = set()
    for link in touching.values():
        if link.source in gone and link.target in gone:
            continue
        partner = link.target if link.source in gone else link.source
        source, dest = stack.by_id[link.source].name, stack.by_id[link.target].name
        partner_name = stack.by_id[partner].name
        partner_ids.add(partner)
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

    # Connectivity: who was connected to the main stack and no longer is.
    cut_off, silos = _disconnected(stack, graph, gone)

    # Money and dates.
    today = stack.today
    annual = committed = first_year = Decimal(0)
    deadlines = []
    for tool in leaving:
        cost = stack.costs[tool.id]
        amount = cost.annual
        owed: Decimal | None = None
        if amount is not None:
            annual += amount
            # Until the renewal the money is committed; with no renewal date recorded the
            # first year's saving is unknown and left out rather than guessed.
            if cost.renewal_date is not None and cost.renewal_date >= today:
                days = (cost.renewal_date - today).days
                owed = (amount * Decimal(days) / Decimal(365)).quantize(_CENT)
                committed += owed
                first_year += amount * Decimal(max(365 - days, 0)) / Decimal(365)
            elif cost.renewal_date is not None:
                first_year += amount
        decide_by = cost.decide_by
        if cost.renewal_date is None:
            text = f"{tool.name}: no renewal date recorded; check the contract before planning."
        elif decide_by is not None and decide_by < today <= cost.renewal_date:
            text = (
                f"{tool.name}: the notice deadline ({decide_by.isoformat()}) has passed; the "
                f"earliest exit is the term after {cost.renewal_date.isoformat()}."
            )
        elif cost.renewal_date < today:
            text = f"{tool.name}: its contract ran to {cost.renewal_date.isoformat()}."
        else:
            text = (
                f"{tool.name}: give notice by {decide_by.isoformat() if decide_by else '?'} to "
                f"leave at the renewal on {cost.renewal_date.isoformat()}"
                + (f"; {money(owed, stack.base_currency)} is owed until then." if owed else ".")
            )
        deadlines.append(Deadline(tool.name, amount, cost.renewal_date, decide_by, owed, text))

    owners = {o for t in leaving for o in t.owners}
    broken.sort(key=lambda b: (b.source.casefold(), b.target.casefold(), b.method))
    partners = {stack.by_id[i] for i in partner_ids}
    owners |= {o for t in partners for o in t.owners}
    owners |= {link.owner for link in touching.values() if link.owner}
    if target is not None:
        owners |= set(target.owners)

    base = stack.base_currency
    subject = names(leaving)
    why.append(
        f"Retiring {subject}{f' into {target.name}' if target else ''} saves "
        f"{money(annual, base)} a year once the contracts end"
        + (
            f"; {money(committed, base)} is still owed until the renewal dates."
            if committed
            else "."
        )
    )
    if lost:
        why.append(
            f"{len(lost)} capability(ies) would have no provider: "
            + ", ".join(in_sentence(reference.capabilities[c.capability].name) for c in lost[:6])
            + "."
        )
    else:
        why.append("Every capability they provide stays covered.")
    if broken:
        to_build = sum(1 for b in broken if b.rebuild == "rebuild")
        why.append(
            f"{len(broken)} integration(s) would break"
            + (f"; {to_build} must be rebuilt on {target.name}." if target else ".")
        )
    if cut_off:
        why.append(
            f"{len(cut_off)} tool(s) would be cut off from the rest of the stack: "
            f"{', '.join(cut_off[:6])}{' …' if len(cut_off) > 6 else ''}."
        )
    return WhatIf(
        retire=tuple(t.name for t in leaving),
        into=target.name if target else None,
        capabilities_lost=tuple(lost),
        capabilities_moved=tuple(moved),
        integrations_broken=tuple(broken),
        tools_cut_off=tuple(cut_off),
        new_silos=tuple(silos),
        annual_savings=annual.quantize(_CENT),
        committed_until_renewal=committed.quantize(_CENT),
        savings_next_12_months=first_year.quantize(_CENT),
        deadlines=tuple(deadlines),
        owners_to_inform=tuple(sorted(owners, key=str.casefold)),
        currency=base,
        why=tuple(why),
    )


def _disconnected(stack: Stack, graph: StackGraph, gone: set[int]) -> tuple[list[str], list[str]]:
    """Tools that would lose their path to the main stack, and tools left with no working link.

    Only the component(s) the retired tools belong to can change, so only those are searched.
    """
    working = graph.adjacency
    touched = [n for n in gone if working.get(n)]
    if not touched:
        return [], []
    main = graph.main_component
    neighbours = {m for n in touched for m in working[n]} - gone
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
