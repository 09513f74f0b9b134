"""One consistent plan: a suggested disposition per tool (Invest / Tolerate / Migrate /
Eliminate / Consolidate) on evidence, with the reasons; a person's recorded decision or rating
always wins and is shown.

The order matters, so no finding contradicts another:
1. Keepers first. Each group of duplicates (tools doing the same job) keeps one tool; the
   others are Consolidate into it. A keeper is never Eliminate or Consolidate.
2. Uniqueness is worked out after consolidation: a capability the consolidated tools shared
   with the keeper now has one provider, the keeper.
3. Every other tool is placed by business value and technical fit (TIME):
   - business value: criticality (a hub or a single point of failure, many working links),
     reach (users, business units), the data it carries, being the only provider of a
     capability (of a required one above all), and seat use;
   - technical fit: link health and ownership. A tool with no integrations is not marked
     down for it: many tools (design, project management) need none.
   An unknown figure is left out of the score and named, never counted as middling.
   The sole provider of a required capability is never suggested Eliminate.
4. Sunsetting tools (when counted) are already leaving: Eliminate, never a new saving.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Literal, NamedTuple

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.overlap import Overlap
from stackmap.analysis.stack import Cost, LinkFacts, Stack, ToolFacts, in_sentence, missing_cost
from stackmap.record import written
from stackmap.text import listing, money

if TYPE_CHECKING:
    from stackmap.reference import RecommendationSettings


@written
class Recommendation:
    tool: str
    suggested: str
    decided: str | None
    disposition: str  # the decided one when a person recorded one, else the suggestion
    value: float
    fit: float
    annual_cost: Decimal | None
    savings: Decimal | None  # a year, when Eliminate or Consolidate and the cost is known
    into: str | None
    reasons: tuple[str, ...]
    why: str
    keeper: bool = False  # keeps the work of a group of duplicates
    already_leaving: bool = False  # sunsetting: not a new saving
    value_basis: Literal["derived", "rated"] = "derived"  # rated: a person's 1-5 rating
    fit_basis: str = "derived"


@dataclass(frozen=True)
class Evidence:
    """What the whole stack tells about each tool, gathered once."""

    spofs: dict[str, int]  # tool name -> tools it alone connects
    hubs: frozenset[str]


RETIRING = ("eliminate", "consolidate")
# Link health by status, then by method; None: tells nothing (undocumented).
_LINK_HEALTH: dict[str, float | None] = {"broken": 0.0, "manual": 0.5, "file": 0.5, "unknown": None}


_SOURCE, _TARGET = attrgetter("source"), attrgetter("target")


@dataclass
class _LinkEvidence:
    """Per tool: links scored for health and their mean health, fragile links, undocumented
    links, and the data objects its links carry.

    A working automated link scores 1, a manual or file link 0.5 (it works until someone
    stops), a broken one 0; an undocumented link says nothing either way. Counted in one
    pass: a large catalog has 100,000 links.
    """

    scored: list[int]
    health: list[float]
    fragile: list[int]
    undocumented: list[int]
    objects: dict[int, frozenset[str]]

    @classmethod
    def of(cls, links: tuple[LinkFacts, ...]) -> _LinkEvidence:
        # A handful of (status, method) kinds: score each once, then count per end. A plain
        # loop: 100,000 links take 60 ms, faster than array code once the arrays are built,
        # and importing numpy for it would slow every start by a tenth of a second.
        kind_of: dict[tuple[str, str], tuple[float | None, bool]] = {}
        for link in {(link.status, link.method): link for link in links}.values():
            score = _LINK_HEALTH.get(link.status, _LINK_HEALTH.get(link.method, 1.0))
            kind_of[(link.status, link.method)] = (score, link.fragility is not None)
        size = max(max(map(_SOURCE, links), default=0), max(map(_TARGET, links), default=0)) + 1
        scored, health = [0] * size, [0.0] * size
        fragile, undocumented = [0] * size, [0] * size
        objects: dict[int, set[str]] = {}
        for link in links:
            score, weak = kind_of[(link.status, link.method)]
            source, target = link.source, link.target
            if score is None:
                undocumented[source] += 1
                undocumented[target] += 1
            else:
                scored[source] += 1
                scored[target] += 1
                health[source] += score
                health[target] += score
            if weak:
                fragile[source] += 1
                fragile[target] += 1
            if link.data_objects:
                objects.setdefault(source, set()).update(link.data_objects)
                objects.setdefault(target, set()).update(link.data_objects)
        # Frozen, so that the reason naming a set is written once per distinct set (a
        # frozenset keeps its hash).
        carried = {tool: frozenset(found) for tool, found in objects.items()}
        return cls(scored, health, fragile, undocumented, carried)

    def at(self, tool_id: int) -> tuple[int, int, float | None, int]:
        """(links scored, fragile links, mean health or None, undocumented links)."""
        if tool_id >= len(self.scored):
            return 0, 0, None, 0
        scored = self.scored[tool_id]
        health = self.health[tool_id] / scored if scored else None
        return scored, self.fragile[tool_id], health, self.undocumented[tool_id]


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values()) or 1.0
    return {k: v / total for k, v in weights.items()}


def _score(parts: tuple[float | None, ...], weights: tuple[float, ...]) -> float:
    """The weighted mean of the known parts (unknown ones are left out, not guessed)."""
    total = weighted = 0.0
    for value, weight in zip(parts, weights, strict=True):
        if value is not None and weight > 0:
            total += weight
            weighted += weight * value
    return weighted / total if total else 0.0


VALUE_PARTS = ("criticality", "reach", "data", "uniqueness", "utilisation")
FIT_PARTS = ("link_health", "ownership")


def recommendations(
    stack: Stack, graph: StackGraph, overlaps: list[Overlap], evidence: Evidence
) -> list[Recommendation]:
    """One suggested disposition per tool in use, from its business value and technical fit,
    the overlaps' keepers and the decisions people already made; each says why."""
    context = _Context.of(stack, graph, overlaps, evidence)
    return [_recommend(context, tool) for tool in graph.sorted_tools]


def dispositions(
    stack: Stack, graph: StackGraph, overlaps: list[Overlap], evidence: Evidence
) -> dict[str, str]:
    """Each tool's disposition exactly as its recommendation gives it (a person's decision,
    else the suggestion), without the sentence saying why: what the integration map colours
    and filters tools by. The same judgement; only the explaining is left out (a sixth of
    the map's analysis on a 20,000-tool stack)."""
    context = _Context.of(stack, graph, overlaps, evidence)
    costs = stack.costs
    return {
        tool.name: tool.disposition
        or _judged(context, tool, costs[tool.id], stack.leaving(tool)).suggested
        for tool in graph.sorted_tools
    }


# A tool's known capabilities, those it alone provides, which of those are required, and
# what that says in a reason.
_Uniqueness = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]


@dataclass(frozen=True)
class _Context:
    """What every tool's recommendation is weighed against."""

    stack: Stack
    evidence: Evidence
    links: _LinkEvidence
    into_of: dict[str, str]  # a duplicate's name -> the keeper it consolidates into
    keepers: dict[str, Overlap]  # a keeper's name -> its overlap
    gone: set[int]  # consolidated or already retiring
    providers: dict[str, int]  # how many tools left provide each capability
    degrees: dict[int, int]
    value_weights: tuple[float, ...]
    fit_weights: tuple[float, ...]
    # Read once for every tool's recommendation (100,000 of them in a large catalog).
    settings: RecommendationSettings
    required: frozenset[str]
    # What each set of capabilities comes to, for a tool kept and for one going (see
    # uniqueness): tools doing one job mostly share one, so each is worked out once.
    _unique: dict[tuple[tuple[str, ...], bool], _Uniqueness] = field(default_factory=dict)
    # The same for the data objects a tool's links carry, as a reason (see carries).
    _carried: dict[frozenset[str], str] = field(default_factory=dict)

    def carries(self, objects: frozenset[str]) -> str:
        """The reason naming the data objects a tool's links carry."""
        said = self._carried.get(objects)
        if said is None:
            said = self._carried[objects] = f"carries {listing(sorted(objects), 3)}"
        return said

    def uniqueness(self, tool: ToolFacts) -> _Uniqueness:
        """The tool's known capabilities, those no other tool kept provides (sorted; none
        for a tool going), which of those are required, and the reason that makes."""
        key = (tool.capabilities, tool.id in self.gone)
        found = self._unique.get(key)
        if found is None:
            known = self.stack.reference.capabilities
            capabilities = tuple(c for c in set(tool.capabilities) if c in known)
            providers = self.providers
            sole = () if key[1] else tuple(sorted(c for c in capabilities if providers.get(c) == 1))
            sole_required = tuple(c for c in sole if c in self.required)
            if sole:
                listed = listing([in_sentence(known[c].name) for c in sole], 3)
                req = " (required)" if sole_required else ""
                reason = f"the only tool providing {listed}{req}"
            elif capabilities:
                reason = "everything it does, another tool kept also does"
            else:
                reason = "no capabilities recorded"
            found = self._unique[key] = (capabilities, sole, sole_required, reason)
        return found

    @classmethod
    def of(
        cls, stack: Stack, graph: StackGraph, overlaps: list[Overlap], evidence: Evidence
    ) -> _Context:
        settings = stack.reference.settings.recommendations
        into_of: dict[str, str] = {}
        keepers: dict[str, Overlap] = {}
        for group in overlaps:
            if group.keeper is None:
                continue
            keepers[group.keeper] = group
            for name in group.tools:
                if name != group.keeper:
                    into_of[name] = group.keeper
        # Who provides what once the duplicates are consolidated into their keepers, and once
        # the tools people already decided to retire are gone.
        gone = {
            t.id
            for t in graph.tools
            if t.name in into_of or t.disposition in RETIRING or stack.leaving(t)
        }
        providers: dict[str, int] = {}
        for tool in graph.tools:
            if tool.id in gone:
                continue
            for capability in set(tool.capabilities):
                providers[capability] = providers.get(capability, 0) + 1
        return cls(
            stack,
            evidence,
            _LinkEvidence.of(stack.in_use_links),
            into_of,
            keepers,
            gone,
            providers,
            {t: len(others) for t, others in graph.adjacency.items()},
            tuple(_normalised(settings.value_weights).get(k, 0.0) for k in VALUE_PARTS),
            tuple(_normalised(settings.fit_weights).get(k, 0.0) for k in FIT_PARTS),
            settings,
            frozenset(stack.reference.required_capabilities),
        )


class _Judgement(NamedTuple):
    """A tool's business value and technical fit, what each rests on, and what follows."""

    value: float
    fit: float
    value_basis: Literal["derived", "rated"]
    fit_basis: Literal["derived", "rated"]
    suggested: str
    summary: str
    reasons: list[str]


def _judged(context: _Context, tool: ToolFacts, cost: Cost, leaving: bool) -> _Judgement:
    """cost: the tool's (stack.costs); leaving: stack.leaving(tool). Looked up once per tool
    by the caller, for every step that needs them."""
    settings = context.settings
    reasons: list[str] = []
    unknown: list[str] = []
    value, sole_required = _business_value(context, tool, cost, reasons, unknown)
    fit = _technical_fit(context, tool, reasons)
    if unknown:
        reasons.append(f"{listing(unknown)} unknown (left out of the score)")
    value_basis: Literal["derived", "rated"] = "derived"
    fit_basis: Literal["derived", "rated"] = "derived"
    if tool.functional_fit is not None:
        value, value_basis = (tool.functional_fit - 1) / 4, "rated"
        reasons.append(f"business value rated {tool.functional_fit}/5 by a person")
    if tool.technical_fit is not None:
        fit, fit_basis = (tool.technical_fit - 1) / 4, "rated"
        reasons.append(f"technical fit rated {tool.technical_fit}/5 by a person")
    suggested, summary = _suggest(
        context,
        tool,
        leaving,
        value >= settings.threshold,
        fit >= settings.threshold,
        sole_required,
    )
    return _Judgement(value, fit, value_basis, fit_basis, suggested, summary, reasons)


def _recommend(context: _Context, tool: ToolFacts) -> Recommendation:
    stack = context.stack
    cost = stack.costs[tool.id]
    leaving = stack.leaving(tool)
    judged = _judged(context, tool, cost, leaving)
    value, fit, value_basis, fit_basis, suggested, summary, reasons = judged
    why, savings = _why(stack, tool, cost, leaving, suggested, summary, reasons)
    # By position, in the order of Recommendation's fields: one per tool, 100,000 in a large
    # catalog, and naming sixteen arguments costs more than making the record.
    return Recommendation(
        tool.name,  # tool
        suggested,
        tool.disposition,  # decided
        tool.disposition or suggested,  # disposition
        round(value, 3),  # value
        round(fit, 3),  # fit
        cost.annual,  # annual_cost
        savings if (tool.disposition or suggested) in RETIRING else None,  # savings
        context.into_of.get(tool.name),  # into
        tuple(reasons),  # reasons
        why,
        tool.name in context.keepers,  # keeper
        leaving,  # already_leaving
        value_basis,
        fit_basis,
    )


def _business_value(
    context: _Context, tool: ToolFacts, cost: Cost, reasons: list[str], unknown: list[str]
) -> tuple[float, bool]:
    """How much the business relies on the tool (0-1), and whether it alone provides a
    required capability; what it rests on goes to `reasons`, what is unknown to `unknown`."""
    settings = context.settings
    degree = context.degrees.get(tool.id, 0)
    cut = context.evidence.spofs.get(tool.name, 0)
    if cut:
        criticality = 1.0
        reasons.append(f"the only path to the rest of the stack for {cut} tool(s)")
    elif tool.name in context.evidence.hubs:
        criticality = 1.0
        reasons.append(f"a hub: exchanges data with {degree} tools")
    else:
        criticality = min(degree / settings.links_for_full_fit, 1.0)
    users = cost.seats_active if cost.seats_active is not None else cost.seats_assigned
    units = len(tool.business_units)
    reach: float | None = None
    if users is not None or units:
        user_part = min(math.log10(1 + users) / 2, 1.0) if users is not None else 0.0
        reach = max(user_part, min(units / 3, 1.0))
        if users is not None:
            reasons.append(f"{users} user(s)")
        if units > 1:
            reasons.append(f"used by {units} business units")
    else:
        unknown.append("users")
    objects = context.links.objects.get(tool.id)
    if objects:
        data: float | None = min(len(objects) / 3, 1.0)
        reasons.append(context.carries(objects))
    else:
        data = 0.0 if degree else None
    capabilities, sole, sole_required, said = context.uniqueness(tool)
    if sole_required:
        uniqueness = 1.0
    else:
        uniqueness = min(len(sole) / len(capabilities), 1.0) * 0.6 if capabilities else 0.0
    reasons.append(said)
    use = cost.utilisation
    if use is None:
        unknown.append("seat use")
    else:
        reasons.append(f"{cost.seats_active} of {cost.seats_purchased} seats in use ({use:.0%})")
    value = _score(
        (criticality, reach, data, uniqueness, None if use is None else min(use, 1.0)),
        context.value_weights,
    )
    return value, bool(sole_required)


def _technical_fit(context: _Context, tool: ToolFacts, reasons: list[str]) -> float:
    """Link health and ownership (0-1); no integrations is no penalty."""
    links, fragile, health, undocumented = context.links.at(tool.id)
    if fragile - undocumented:
        reasons.append(f"{fragile - undocumented} broken, manual or file link(s)")
    if undocumented:
        reasons.append(f"{undocumented} undocumented link(s) (not scored)")
    if links and not fragile:
        reasons.append(f"{links} working link(s)")
    owners = tool.owners
    both = tool.business_owner and tool.technical_owner
    ownership = 1.0 if both else 0.7 if owners else 0.0
    reasons.append("owned by " + ", ".join(owners) if owners else "no owner")
    return _score((health, ownership), context.fit_weights)


def _suggest(
    context: _Context,
    tool: ToolFacts,
    leaving: bool,
    high_value: bool,
    high_fit: bool,
    sole_required: bool,
) -> tuple[str, str]:
    """The disposition and its reason in a phrase. Decided retirements, then the overlaps'
    keepers and duplicates, come before the value/fit quadrant: a keeper is never retired.
    leaving: the tool is already being sunset (stack.leaving)."""
    into = context.into_of.get(tool.name)
    if leaving:
        return "eliminate", "already being sunset"
    if into is not None:
        return "consolidate", f"does the same job as {into}, the suggested keeper"
    if tool.name in context.keepers:
        others = [n for n in context.keepers[tool.name].tools if n != tool.name]
        summary = f"keeps the work of {listing(others, 3)} (same job)"
        if not high_fit:
            summary += "; fix its integrations and ownership as it takes the work on"
        return "invest", summary
    if sole_required and not high_value:
        return ("invest" if high_fit else "migrate"), "the only provider of a required capability"
    if high_value and high_fit:
        return "invest", "high business value and good technical fit"
    if high_value:
        return "migrate", "valuable but fragile or unowned"
    if high_fit:
        return "tolerate", "sound but of limited business value"
    return "eliminate", "low business value and poor technical fit"


def _why(
    stack: Stack,
    tool: ToolFacts,
    cost: Cost,
    leaving: bool,
    suggested: str,
    summary: str,
    reasons: list[str],
) -> tuple[str, Decimal | None]:
    """The recommendation in a sentence, with what retiring saves (None when nothing or
    unknown), and a person's decision first when there is one."""
    base = stack.base_currency
    savings = cost.annual if suggested in RETIRING and not leaving else None
    why = f"{suggested.capitalize()}: {summary} ({'; '.join(reasons)})."
    if savings:
        why += f" Retiring it saves {money(savings, base)} a year once its contract lets go."
    elif suggested in RETIRING and not leaving and cost.lapsed_only:
        last = f" ({money(cost.lapsed, base)} a year)" if cost.lapsed is not None else ""
        why += (
            f" Its contract lapsed{last}: nothing is being paid as far as the catalog knows, "
            "so no saving is counted; verify whether it is still in use."
        )
    elif suggested in RETIRING and not leaving and cost.annual is None:
        why += f" What retiring it saves is not known here ({missing_cost(stack, [tool])})."
    decided = tool.disposition
    if decided:
        who = f" by {tool.decided_by}" if tool.decided_by else ""
        note = f": {tool.decision_note}" if tool.decision_note else ""
        verdict = "agrees" if decided == suggested else f"suggestion was {suggested}"
        why = f"Decided {decided}{who}{note} ({verdict}). " + why
        if decided in RETIRING and not leaving:
            savings = cost.annual
    return why, savings


def retiring(items: list[Recommendation]) -> list[str]:
    """The tools the plan retires (Eliminate or Consolidate), not counting tools already being
    sunset."""
    return [r.tool for r in items if r.disposition in RETIRING and not r.already_leaving]
