"""Tools that do the same job (duplicates), and tools that do part of another's job (partial
overlaps), with the money at stake and which tool to keep and why.

Sharing a capability is not doing the same job: a heatmap tool that also runs surveys does not
replace an experience-management suite, and a scheduling tool is not a CRM because both route
leads. So:

- A **duplicate** is two or more tools whose main job (their primary capability: the first of
  their category's capabilities they provide, or their only one) is the same: two CRMs, three
  webinar platforms, a free web-analytics tool beside a paid analytics suite. Only duplicates
  put money at stake, and only they get a keeper.
- A **partial overlap** is a capability that is one tool's main job and another tool's side
  line: worth a look, but neither tool simply replaces the other, so no money is at stake.

How much of a member's work the keeper covers is weighted by how specific each capability is
(rare capabilities count more than generic ones; see Reference.capability_weight).

Scale: tools are grouped by job in one pass (there are far fewer jobs than tools); choosing a
keeper is one pass over its group.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack, ToolFacts, in_sentence, missing_cost, names
from stackmap.record import written
from stackmap.text import listing, money

# A person's decisions that take a tool out of the running as a keeper.
LEAVING_DECISIONS = frozenset({"eliminate", "consolidate", "migrate"})
# Statuses that can keep a group's work: a tool being evaluated or sunset cannot, by default.
KEEPER_STATUSES = frozenset({"active"})


@written
class Member:
    tool: str
    annual_cost: Decimal | None
    covered: float  # weighted share of its capabilities the keeper also provides
    only_here: tuple[str, ...]  # capabilities the keeper lacks


@dataclass(frozen=True)
class Overlap:
    """Tools doing the same job (duplicates)."""

    job: str  # the capability they are all mainly bought for
    tools: tuple[str, ...]
    shared_capabilities: tuple[str, ...]  # provided by every one of them
    annual_cost: Decimal  # known costs of all of them
    at_stake: Decimal  # known costs of all but the keeper
    keeper: str | None  # None: none of them can keep the work (all leaving or evaluated)
    keeper_why: str
    members: tuple[Member, ...]
    why: str
    cost_unknown: tuple[str, ...] = ()
    kind: str = "duplicate"


@dataclass(frozen=True)
class PartialOverlap:
    """A capability that is some tools' main job and other tools' side line."""

    capability: str
    main: tuple[str, ...]  # tools whose job it is
    also: tuple[str, ...]  # tools that provide it beside another job
    why: str
    kind: str = "partial"


def job_groups(
    stack: Stack, tools: tuple[ToolFacts, ...]
) -> list[tuple[str, bool, list[ToolFacts]]]:
    """Groups of at least two tools doing the same job: (job, by_set, tools).

    A tool's job is its primary capability when that can be told (see
    Reference.job_capability). A tool with several capabilities and no category has no known
    job: it is a duplicate only of tools with exactly the same capabilities (by_set), and the
    group is named after its most specific capability.
    """
    reference = stack.reference
    by_job: dict[str, list[ToolFacts]] = {}
    by_set: dict[frozenset[str], list[ToolFacts]] = {}
    jobs = stack.jobs
    for tool in tools:
        job = jobs[tool.id]
        if job is not None:
            by_job.setdefault(job, []).append(tool)
            continue
        known = frozenset(c for c in tool.capabilities if c in reference.capabilities)
        if known:
            by_set.setdefault(known, []).append(tool)
    weight = reference.capability_weight
    groups = [(job, False, group) for job, group in by_job.items() if len(group) > 1]
    groups += [
        (max(sorted(key), key=lambda c: weight.get(c, 1.0)), True, group)
        for key, group in by_set.items()
        if len(group) > 1
    ]
    return groups


def overlaps(stack: Stack, graph: StackGraph) -> list[Overlap]:
    """Return the groups of tools in use doing the same job, the largest sums at stake first."""
    degree = {t: len(others) for t, others in graph.adjacency.items()}
    result = [
        _describe(stack, degree, job, group, by_set)
        for job, by_set, group in job_groups(stack, graph.tools)
    ]
    result.sort(key=lambda o: (-o.at_stake, -len(o.tools), (o.keeper or "").casefold(), o.job))
    return result


def partial_overlaps(stack: Stack, graph: StackGraph) -> list[PartialOverlap]:
    """Capabilities that are one tool's job and another's side line (generic ones aside)."""
    reference = stack.reference
    job_of = stack.jobs
    result = []
    for capability, providers in sorted(graph.providers_by_capability.items()):
        if reference.capabilities[capability].generic or len(providers) < 2:
            continue
        main = [stack.by_id[i] for i in providers if job_of[i] == capability]
        also = [stack.by_id[i] for i in providers if job_of[i] != capability]
        if not main or not also:
            continue
        main.sort(key=lambda t: t.name.casefold())
        also.sort(key=lambda t: t.name.casefold())
        label = in_sentence(reference.capabilities[capability].name)
        side = [f"{t.name} ({_mainly(stack, job_of[t.id])})" for t in also[:4]]
        more = f" and {len(also) - 4} more" if len(also) > 4 else ""
        verb = "is the job of" if len(main) == 1 else "is the job of each of"
        why = (
            f"{label[:1].upper() + label[1:]} {verb} {names(main, 4)}, and {listing(side)}{more} "
            f"also {'does' if len(also) == 1 else 'do'} it. Check whether one is enough; no "
            "saving is counted, because neither replaces the other's main job."
        )
        result.append(
            PartialOverlap(
                capability, tuple(t.name for t in main), tuple(t.name for t in also), why
            )
        )
    result.sort(key=lambda p: (-len(p.main) - len(p.also), p.capability))
    return result


def _mainly(stack: Stack, job: str | None) -> str:
    if job is None:
        return "its main job not recorded"
    return "mainly " + in_sentence(stack.reference.capabilities[job].name)


def _keeper(
    stack: Stack, degree: dict[int, int], tools: list[ToolFacts], weights: dict[str, float]
) -> int | None:
    """Return the index of the tool to keep among tools sorted by name: a person's Invest
    decision first, then the best weighted score (weights in analysis.yaml): coverage of the
    group's capabilities (weighted by specificity), integrations, seat use, how far off the
    renewal is, and cheapness. An unknown figure scores 0 on its criterion, so it never beats
    a known one; a tie goes to the first name. None when no tool may keep the work.

    Plain Python: groups are small and there are few of them, so arrays cost more to build
    than they save.
    """
    eligible = [
        i
        for i, t in enumerate(tools)
        if t.status in KEEPER_STATUSES and t.disposition not in LEAVING_DECISIONS
    ]
    invest = [i for i in eligible if tools[i].disposition == "invest"]
    if len(invest) == 1:
        return invest[0]
    if not eligible:
        return None
    weight = stack.reference.capability_weight
    union = {c for t in tools for c in t.capabilities}
    whole = sum(weight.get(c, 1.0) for c in union) or 1.0
    most = max(degree.get(t.id, 0) for t in tools) or 1
    costs = [stack.costs[t.id] for t in tools]
    known = [float(c.annual) for c in costs if c.annual is not None]
    dearest = max(known) if known and max(known) > 0 else 1.0
    w_cover, w_links = weights.get("coverage", 0.0), weights.get("integrations", 0.0)
    w_use, w_commit = weights.get("utilisation", 0.0), weights.get("commitment", 0.0)
    w_cost = weights.get("cost", 0.0)
    best, best_score = eligible[0], -1.0
    # Tools doing one job mostly share their capabilities: each set is weighed once.
    covers: dict[tuple[str, ...], float] = {}
    for i in eligible:
        tool, cost = tools[i], costs[i]
        use = cost.utilisation
        days = (cost.renewal_date - stack.today).days if cost.renewal_date else None
        cover = covers.get(tool.capabilities)
        if cover is None:
            cover = covers[tool.capabilities] = sum(
                weight.get(c, 1.0) for c in set(tool.capabilities)
            )
        score = (
            w_cover * cover / whole
            + w_links * degree.get(tool.id, 0) / most
            + w_use * (min(use, 1.0) if use is not None else 0.0)
            + w_commit * (min(max(days, 0) / 365, 1.0) if days is not None else 0.0)
            # A known cost scores 0.5 (the dearest) to 1 (free); an unknown one 0.
            + w_cost
            * (1.0 - 0.5 * float(cost.annual) / dearest if cost.annual is not None else 0.0)
        )
        if score > best_score + 1e-12:
            best, best_score = i, score
    return best


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
    text = f"Keep {keeper.name}: it " + ", ".join(reasons) + "."
    unknown = [
        label
        for label, missing in (
            ("cost", cost.annual is None),
            ("seat use", cost.utilisation is None),
            ("renewal date", cost.renewal_date is None),
        )
        if missing
    ]
    if unknown:
        text += f" Its {listing(unknown)} {'is' if len(unknown) == 1 else 'are'} unknown, "
        text += "ranked below known figures."
    return text


def _describe(
    stack: Stack, degree: dict[int, int], job: str, group: list[ToolFacts], by_set: bool
) -> Overlap:
    reference = stack.reference
    weights = reference.settings.recommendations.keeper_weights
    group = sorted(group, key=lambda t: t.name.casefold())
    index = _keeper(stack, degree, group, weights)
    keeper = group[index] if index is not None else None
    capability_names = reference.capabilities
    weight = reference.capability_weight
    currency = stack.base_currency
    costs = {t.id: stack.costs[t.id].annual for t in group}
    total = sum((c for c in costs.values() if c is not None), Decimal(0))
    shared = tuple(sorted(set.intersection(*(set(t.capabilities) for t in group))))
    job_name = in_sentence(capability_names[job].name)
    every = "both" if len(group) == 2 else "all"
    known = [t for t in group if costs[t.id] is not None]
    unknown = tuple(t.name for t in group if costs[t.id] is None)
    if not known:
        spent = missing_cost(stack, group)
    else:
        spent = f"{money(total, currency)} a year" + (" known" if unknown else "")
    if by_set:
        listed = listing([in_sentence(capability_names[c].name) for c in shared], 4)
        why = (
            f"{names(group)} {every} provide exactly the same capabilities, {listed} "
            f"({len(group)} tools, {spent}; no category records their main job)."
        )
    else:
        why = (
            f"{names(group)} {every} do {job_name} as their main job ({len(group)} tools, {spent})."
        )
    others = [c for c in shared if c != job]
    if others and not by_set:
        listed = listing([in_sentence(capability_names[c].name) for c in others], 4)
        why += f" They {'both' if len(group) == 2 else 'all'} also provide {listed}."
    if keeper is None:
        members = tuple(
            Member(t.name, costs[t.id], 0.0, tuple(sorted(set(t.capabilities)))) for t in group
        )
        why += (
            " None of them can keep the work: each is being evaluated, sunset or already "
            "decided against. No saving is counted."
        )
        return Overlap(
            job, tuple(t.name for t in group), shared, total, Decimal(0), None,
            "No keeper: every tool is leaving or being evaluated.", members, why, unknown,
        )  # fmt: skip
    keep = set(keeper.capabilities)
    shares: list[Member] = []
    # What the keeper covers of each tool's capabilities, worked out once per set of them.
    share_of: dict[tuple[str, ...], tuple[float, tuple[str, ...]]] = {}
    for tool in group:
        share = share_of.get(tool.capabilities)
        if share is None:
            mine = set(tool.capabilities)
            whole = sum(weight.get(c, 1.0) for c in mine) or 1.0
            covered = sum(weight.get(c, 1.0) for c in mine & keep) / whole
            share = share_of[tool.capabilities] = (round(covered, 3), tuple(sorted(mine - keep)))
        shares.append(Member(tool.name, costs[tool.id], *share))
    members = tuple(shares)
    retiring = [t for t in group if t is not keeper and not stack.leaving(t)]
    at_stake = sum((c for t in retiring if (c := costs[t.id]) is not None), Decimal(0))
    keeper_why = _keeper_reasons(stack, degree, group, keeper)
    if keeper.disposition == "invest":
        who = f" by {keeper.decided_by}" if keeper.decided_by else ""
        keeper_why = f"{keeper.name} was marked Invest{who}. " + keeper_why
    if at_stake:
        why += f" Keeping only {keeper.name} could save up to {money(at_stake, currency)} a year"
        homeless = sorted({c for m in members for c in m.only_here})
        if homeless:
            listed = listing([in_sentence(capability_names[c].name) for c in homeless], 3)
            verb, it = ("needs", "it") if len(homeless) == 1 else ("need", "them")
            why += f", once {listed} {verb} a new home ({keeper.name} lacks {it})"
        why += "."
    said = False
    if not at_stake and retiring and not any(costs[t.id] is not None for t in retiring):
        why += (
            f" What dropping {names(retiring, 3)} would save is not known here "
            f"({missing_cost(stack, retiring)})."
        )
        said = {t.name for t in retiring} >= set(unknown)
    if unknown and known and not said:
        gap = missing_cost(stack, [t for t in group if costs[t.id] is None])
        why += f" {gap[:1].upper()}{gap[1:]}."
    return Overlap(
        job=job,
        tools=tuple(t.name for t in group),
        shared_capabilities=shared,
        annual_cost=total,
        at_stake=at_stake,
        keeper=keeper.name,
        keeper_why=keeper_why,
        members=members,
        why=why,
        cost_unknown=unknown,
    )
