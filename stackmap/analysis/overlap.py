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
    degree = {t: len(others) for t, others in graph.adjacency.items()}
    result = [
        _describe(stack, degree, keeper, members)
        for component in groups
        for keeper, members in _around_keepers(stack, degree, component)
    ]
    result.sort(key=lambda o: (-o.at_stake, -len(o.tools), o.keeper.casefold()))
    return result


@dataclass
class _Features:
    """What choosing a keeper looks at, as arrays over the tools of one component."""

    tools: list[ToolFacts]
    matrix: np.ndarray  # tools x capabilities, 1.0 where the tool provides it
    sizes: np.ndarray
    degree: np.ndarray
    use: np.ndarray
    commitment: np.ndarray
    cost: np.ndarray  # annual cost, NaN where unknown
    invest: np.ndarray
    leaving: np.ndarray
    order: np.ndarray  # rank of each tool's name, for deterministic ties

    @classmethod
    def of(cls, stack: Stack, degree: dict[int, int], tools: list[ToolFacts]) -> _Features:
        column = {c: i for i, c in enumerate(sorted({c for t in tools for c in t.capabilities}))}
        matrix = np.zeros((len(tools), len(column)), dtype=np.float32)
        cells = [(row, column[c]) for row, t in enumerate(tools) for c in t.capabilities]
        rows, cols = zip(*cells, strict=True) if cells else ((), ())
        matrix[list(rows), list(cols)] = 1.0  # one assignment for all cells, repeats harmless
        use, commitment = [], []
        for tool in tools:
            cost = stack.costs[tool.id]
            share = cost.utilisation
            use.append(0.5 if share is None else min(share, 1.0))
            days = (cost.renewal_date - stack.today).days if cost.renewal_date else None
            commitment.append(0.5 if days is None else min(max(days, 0) / 365, 1.0))
        names = sorted(range(len(tools)), key=lambda i: tools[i].name.casefold())
        order = np.empty(len(tools), dtype=np.int64)
        order[names] = np.arange(len(tools))
        return cls(
            tools,
            matrix,
            matrix.sum(axis=1),
            np.array([degree.get(t.id, 0) for t in tools], dtype=np.float64),
            np.array(use),
            np.array(commitment),
            np.array(
                [float(c) if (c := stack.costs[t.id].annual) is not None else np.nan for t in tools]
            ),
            np.array([t.disposition == "invest" for t in tools]),
            np.array([t.disposition in _LEAVING for t in tools]),
            order,
        )

    def keeper(self, candidates: np.ndarray, weights: dict[str, float]) -> int:
        """Return the index of the tool to keep among candidates: a person's Invest decision
        first, then the best weighted score (weights in analysis.yaml)."""
        invest = candidates[self.invest[candidates]]
        if len(invest) == 1:
            return int(invest[0])
        pool = candidates[~self.leaving[candidates]]
        if not len(pool):
            pool = candidates
        union = np.count_nonzero(self.matrix[candidates].any(axis=0)) or 1
        most = self.degree[candidates].max() or 1.0
        known = self.cost[pool][~np.isnan(self.cost[pool])]
        dearest = known.max() if len(known) and known.max() > 0 else 1.0
        # Cheaper is better; an unknown cost counts as middling.
        cheapness = np.where(np.isnan(self.cost[pool]), 0.5, 1.0 - self.cost[pool] / dearest)
        scores = (
            weights.get("coverage", 0.0) * self.sizes[pool] / union
            + weights.get("integrations", 0.0) * self.degree[pool] / most
            + weights.get("utilisation", 0.0) * self.use[pool]
            + weights.get("commitment", 0.0) * self.commitment[pool]
            + weights.get("cost", 0.0) * cheapness
        )
        best = pool[scores == scores.max()]
        return int(best[np.argmax(self.order[best])])


_LEAVING = {"eliminate", "consolidate", "migrate"}


def _around_keepers(
    stack: Stack, degree: dict[int, int], component: list[ToolFacts]
) -> list[tuple[ToolFacts, list[ToolFacts]]]:
    """Split a component of similar tools into groups around a keeper.

    Similarity is not transitive (A like B and B like C does not make A like C), so a group is
    a keeper and the tools similar enough to it; what is left forms further groups. Every
    member of a group overlaps its keeper by at least the threshold, which is what makes
    "keep this one" a sentence a person can check.
    """
    settings = stack.reference.settings
    threshold = settings.overlap.min_similarity - 1e-9
    weights = settings.recommendations.keeper_weights
    features = _Features.of(stack, degree, component)
    remaining = np.arange(len(component))
    groups = []
    while len(remaining) > 1:
        keeper = features.keeper(remaining, weights)
        common = features.matrix[remaining] @ features.matrix[keeper]
        either = features.sizes[remaining] + features.sizes[keeper] - common
        close = (common >= settings.overlap.min_shared) & (common >= threshold * either)
        close |= remaining == keeper
        members = remaining[close]
        if len(members) > 1:
            groups.append((component[keeper], [component[int(i)] for i in members]))
        remaining = remaining[~close]
    return groups


def _keeper_reasons(
    stack: Stack, degrees: dict[int, int], group: list[ToolFacts], keeper: ToolFacts
) -> str:
    union = {c for t in group for c in t.capabilities}
    reasons = [
        f"covers {len(set(keeper.capabilities) & union)} of the group's {len(union)} capabilities"
    ]
    degree = {t.id: degrees.get(t.id, 0) for t in group}
    links = degree[keeper.id]
    if links and links == max(degree.values()):
        reasons.append(f"has the most integrations in the group ({links})")
    elif links:
        reasons.append(f"has {links} integration(s)")
    cost = stack.costs[keeper.id]
    known = [c for t in group if (c := stack.costs[t.id].annual) is not None]
    if cost.annual is not None and len(known) > 1 and cost.annual == min(known):
        reasons.append(f"costs the least ({money(cost.annual, stack.base_currency)} a year)")
    if cost.utilisation is not None:
        reasons.append(f"{cost.utilisation:.0%} of its seats are in use")
    if cost.renewal_date is not None:
        reasons.append(f"renews {cost.renewal_date.isoformat()}")
    return f"Keep {keeper.name}: it " + ", ".join(reasons) + "."


def _describe(
    stack: Stack, degree: dict[int, int], keeper: ToolFacts, group: list[ToolFacts]
) -> Overlap:
    group = sorted(group, key=lambda t: t.name.casefold())
    keeper_why = _keeper_reasons(stack, degree, group, keeper)
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
