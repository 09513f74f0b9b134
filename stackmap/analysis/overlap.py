"""Tools that do the same job: groups whose capability sets overlap, the money at stake, and
which tool to keep and why.

Scale: tools are first grouped by identical capability sets (most stacks have far fewer
distinct sets than tools); Jaccard similarity is then computed between distinct sets with
blocked sparse-free matrix products, never as a dense tools x tools projection.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from networkx.utils import UnionFind

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack, ToolFacts, in_sentence, listing, money, names

_BLOCK = 512


@dataclass(frozen=True)
class Member:
    tool: str
    annual_cost: Decimal | None
    similarity: float  # Jaccard similarity with the keeper's capabilities
    only_here: tuple[str, ...]  # capabilities the keeper lacks


@dataclass(frozen=True)
class Overlap:
    tools: tuple[str, ...]
    shared_capabilities: tuple[str, ...]
    annual_cost: Decimal
    at_stake: Decimal
    keeper: str
    keeper_why: str
    members: tuple[Member, ...]
    why: str


def similarity(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    """Jaccard similarity: capabilities in common / capabilities of either."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def overlap_groups(
    tools: list[ToolFacts], min_similarity: float, min_shared: int
) -> list[list[ToolFacts]]:
    """Return groups of tools linked by pairwise similarity >= min_similarity (transitively)."""
    by_set: dict[frozenset[str], list[ToolFacts]] = {}
    for tool in tools:
        if tool.capabilities:
            by_set.setdefault(frozenset(tool.capabilities), []).append(tool)
    sets = list(by_set)
    if not sets:
        return []
    column = {c: i for i, c in enumerate(sorted({c for s in sets for c in s}))}
    matrix = np.zeros((len(sets), len(column)), dtype=np.float32)
    for row, capability_set in enumerate(sets):
        matrix[row, [column[c] for c in capability_set]] = 1.0
    sizes = matrix.sum(axis=1)
    joined = UnionFind(range(len(sets)))
    for start in range(0, len(sets), _BLOCK):
        block = matrix[start : start + _BLOCK]
        common = block @ matrix.T
        either = sizes[start : start + _BLOCK, None] + sizes[None, :] - common
        close = (common >= min_shared) & (common >= (min_similarity - 1e-9) * either)
        rows, cols = np.nonzero(close)
        for a, b in zip((rows + start).tolist(), cols.tolist(), strict=True):
            if a < b:
                joined.union(a, b)
    groups = []
    for part in joined.to_sets():
        members = [t for index in part for t in by_set[sets[index]]]
        if len(members) > 1:
            groups.append(members)
    return groups


def overlaps(stack: Stack, graph: StackGraph) -> list[Overlap]:
    """Return the overlapping groups of tools in use, the largest sums at stake first."""
    settings = stack.reference.settings
    groups = overlap_groups(
        list(graph.tools), settings.overlap.min_similarity, settings.overlap.min_shared
    )
    result = [
        _describe(stack, graph, keeper, members)
        for component in groups
        for keeper, members in _around_keepers(stack, graph, component)
    ]
    result.sort(key=lambda o: (-o.at_stake, -len(o.tools), o.keeper.casefold()))
    return result


def _around_keepers(
    stack: Stack, graph: StackGraph, component: list[ToolFacts]
) -> list[tuple[ToolFacts, list[ToolFacts]]]:
    """Split a component of similar tools into groups around a keeper.

    Similarity is not transitive (A like B and B like C does not make A like C), so a group is
    a keeper and the tools similar enough to it; what is left forms further groups. Every
    member of a group overlaps its keeper by at least the threshold, which is what makes
    "keep this one" a sentence a person can check.
    """
    settings = stack.reference.settings.overlap
    remaining = list(component)
    groups = []
    while len(remaining) > 1:
        keeper, _ = choose_keeper(stack, graph, remaining)
        keep = set(keeper.capabilities)
        members = [
            t
            for t in remaining
            if t is keeper
            or (
                len(keep & set(t.capabilities)) >= settings.min_shared
                and similarity(keep, set(t.capabilities)) >= settings.min_similarity - 1e-9
            )
        ]
        if len(members) > 1:
            groups.append((keeper, members))
        chosen = {t.id for t in members}
        remaining = [t for t in remaining if t.id not in chosen]
    return groups


def keeper_scores(stack: Stack, graph: StackGraph, group: list[ToolFacts]) -> dict[int, float]:
    """Score each tool of a group as the one to keep (weights in analysis.yaml)."""
    weights = stack.reference.settings.recommendations.keeper_weights
    union = {c for t in group for c in t.capabilities}
    degree = {t.id: graph.working.degree(t.id) if t.id in graph.working else 0 for t in group}
    most = max(degree.values()) or 1
    scores: dict[int, float] = {}
    for tool in group:
        cost = stack.costs[tool.id]
        use = cost.utilisation
        days = (cost.renewal_date - stack.today).days if cost.renewal_date else None
        parts = {
            "coverage": len(set(tool.capabilities) & union) / len(union),
            "integrations": degree[tool.id] / most,
            "utilisation": 0.5 if use is None else min(use, 1.0),
            "commitment": 0.5 if days is None else min(max(days, 0) / 365, 1.0),
        }
        scores[tool.id] = sum(weights.get(k, 0.0) * v for k, v in parts.items())
    return scores


def choose_keeper(stack: Stack, graph: StackGraph, group: list[ToolFacts]) -> tuple[ToolFacts, str]:
    """Return the tool to keep and why: a person's Invest decision first, then the scores."""
    decided = [t for t in group if t.disposition == "invest"]
    if len(decided) == 1:
        who = f" by {decided[0].decided_by}" if decided[0].decided_by else ""
        return decided[0], f"{decided[0].name} was marked Invest{who}."
    scores = keeper_scores(stack, graph, group)
    leaving = {"eliminate", "consolidate", "migrate"}
    pool = [t for t in group if t.disposition not in leaving] or group
    keeper = max(pool, key=lambda t: (scores[t.id], t.name.casefold()))
    return keeper, _keeper_reasons(stack, graph, group, keeper)


def _keeper_reasons(
    stack: Stack, graph: StackGraph, group: list[ToolFacts], keeper: ToolFacts
) -> str:
    union = {c for t in group for c in t.capabilities}
    reasons = [
        f"covers {len(set(keeper.capabilities) & union)} of the group's {len(union)} capabilities"
    ]
    degree = {t.id: graph.working.degree(t.id) if t.id in graph.working else 0 for t in group}
    links = degree[keeper.id]
    if links and links == max(degree.values()):
        reasons.append(f"has the most integrations in the group ({links})")
    elif links:
        reasons.append(f"has {links} integration(s)")
    cost = stack.costs[keeper.id]
    if cost.utilisation is not None:
        reasons.append(f"{cost.utilisation:.0%} of its seats are in use")
    if cost.renewal_date is not None:
        reasons.append(f"renews {cost.renewal_date.isoformat()}")
    return f"Keep {keeper.name}: it " + ", ".join(reasons) + "."


def _describe(
    stack: Stack, graph: StackGraph, keeper: ToolFacts, group: list[ToolFacts]
) -> Overlap:
    group = sorted(group, key=lambda t: t.name.casefold())
    keeper_why = _keeper_reasons(stack, graph, group, keeper)
    if keeper.disposition == "invest":
        who = f" by {keeper.decided_by}" if keeper.decided_by else ""
        keeper_why = f"{keeper.name} was marked Invest{who}. " + keeper_why
    counts: dict[str, int] = {}
    for tool in group:
        for capability in set(tool.capabilities):
            counts[capability] = counts.get(capability, 0) + 1
    shared = tuple(sorted(c for c, n in counts.items() if n > 1))
    costs = {t.id: stack.costs[t.id].annual for t in group}
    total = sum((c for c in costs.values() if c is not None), Decimal(0))
    at_stake = sum((c for i, c in costs.items() if c is not None and i != keeper.id), Decimal(0))
    keep = set(keeper.capabilities)
    members = tuple(
        Member(
            t.name,
            costs[t.id],
            round(similarity(keep, set(t.capabilities)), 3),
            tuple(sorted(set(t.capabilities) - keep)),
        )
        for t in group
    )
    capability_names = stack.reference.capabilities
    shown = listing([in_sentence(capability_names[c].name) for c in shared], 4)
    currency = stack.base_currency
    known = [t for t in group if costs[t.id] is not None]
    spent = f"{money(total, currency)} a year" if known else "cost unknown"
    every = "both" if len(group) == 2 else "all"
    why = f"{names(group)} {every} provide {shown} ({len(group)} tools, {spent})."
    if at_stake:
        why += f" Keeping only {keeper.name} could save up to {money(at_stake, currency)} a year"
        homeless = sorted({c for m in members for c in m.only_here})
        if homeless:
            listed = listing([in_sentence(capability_names[c].name) for c in homeless], 3)
            verb, it = ("needs", "it") if len(homeless) == 1 else ("need", "them")
            why += f", once {listed} {verb} a new home ({keeper.name} lacks {it})"
        why += "."
    unknown = [t for t in group if costs[t.id] is None]
    if unknown and known:
        why += f" Cost unknown for {names(unknown, 3)}."
    return Overlap(
        tools=tuple(t.name for t in group),
        shared_capabilities=shared,
        annual_cost=total,
        at_stake=at_stake,
        keeper=keeper.name,
        keeper_why=keeper_why,
        members=members,
        why=why,
    )
