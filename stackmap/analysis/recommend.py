"""A suggested disposition per tool (Tolerate / Invest / Migrate / Eliminate / Consolidate) from
explicit scores, with the reasons; a person's recorded decision always wins and is shown.

Business value = weighted seat utilisation and uniqueness (capabilities only this tool
provides); technical fit = weighted integrations, link health and ownership. The weights and
the threshold live in analysis.yaml. High value and fit: Invest; high value, low fit: Migrate;
low value, high fit: Tolerate; both low: Eliminate. A tool in an overlapping group that is not
the suggested keeper: Consolidate into the keeper.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.overlap import Overlap
from stackmap.analysis.stack import Stack, in_sentence, money


@dataclass(frozen=True)
class Recommendation:
    tool: str
    suggested: str
    decided: str | None
    disposition: str  # the decided one when a person recorded one, else the suggestion
    value: float
    fit: float
    annual_cost: Decimal | None
    savings: Decimal | None
    into: str | None
    reasons: tuple[str, ...]
    why: str


def _normalised(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values()) or 1.0
    return {k: v / total for k, v in weights.items()}


def recommendations(
    stack: Stack, graph: StackGraph, overlaps: list[Overlap]
) -> list[Recommendation]:
    settings = stack.reference.settings.recommendations
    reference = stack.reference
    required = set(reference.required_capabilities)
    keeper_of: dict[str, Overlap] = {}
    for overlap in overlaps:
        for name in overlap.tools:
            if name != overlap.keeper:
                keeper_of[name] = overlap
    provider_count: dict[str, int] = {}
    for tool in graph.tools:
        for capability in set(tool.capabilities):
            provider_count[capability] = provider_count.get(capability, 0) + 1
    links_of: dict[int, int] = {}
    fragile_of: dict[int, int] = {}
    for link in stack.in_use_links:
        for end in (link.source, link.target):
            links_of[end] = links_of.get(end, 0) + 1
        if link.fragility is not None:
            for end in (link.source, link.target):
                fragile_of[end] = fragile_of.get(end, 0) + 1
    degrees = {t: len(others) for t, others in graph.adjacency.items()}
    value_weights = _normalised(settings.value_weights)
    fit_weights = _normalised(settings.fit_weights)
    base = stack.base_currency
    result = []
    for tool in sorted(graph.tools, key=lambda t: t.name.casefold()):
        cost = stack.costs[tool.id]
        reasons: list[str] = []
        use = cost.utilisation
        if use is None:
            reasons.append("seat use unknown (counted as middling)")
        else:
            reasons.append(
                f"{cost.seats_active} of {cost.seats_purchased} seats in use ({use:.0%})"
            )
        capabilities = [c for c in set(tool.capabilities) if c in reference.capabilities]
        sole = sorted(c for c in capabilities if provider_count.get(c) == 1)
        if any(c in required for c in sole):
            uniqueness = 1.0
        else:
            uniqueness = len(sole) / len(capabilities) if capabilities else 0.0
        if sole:
            listed = ", ".join(in_sentence(reference.capabilities[c].name) for c in sole[:3])
            req = " (required)" if any(c in required for c in sole) else ""
            reasons.append(f"the only tool providing {listed}{req}")
        elif capabilities:
            reasons.append("everything it does, another tool also does")
        else:
            reasons.append("no capabilities recorded")
        degree = degrees.get(tool.id, 0)
        fragile = fragile_of.get(tool.id, 0)
        links = links_of.get(tool.id, 0)
        reasons.append(f"{degree} working integration(s)" if degree else "no working integration")
        if fragile:
            reasons.append(f"{fragile} of its {links} link(s) fragile")
        reasons.append("owned by " + ", ".join(tool.owners) if tool.owners else "no owner")
        value = (
            value_weights.get("utilisation", 0.0) * (0.5 if use is None else min(use, 1.0))
            + value_weights.get("uniqueness", 0.0) * uniqueness
        )
        fit = (
            fit_weights.get("integration", 0.0) * min(degree / settings.links_for_full_fit, 1.0)
            + fit_weights.get("link_health", 0.0) * ((1 - fragile / links) if links else 0.0)
            + fit_weights.get("ownership", 0.0) * (1.0 if tool.owners else 0.0)
        )
        high_value, high_fit = value >= settings.threshold, fit >= settings.threshold
        into = None
        group = keeper_of.get(tool.name)
        if group is not None:
            suggested, into = "consolidate", group.keeper
            summary = f"overlaps {group.keeper}, the suggested keeper of its group"
        elif high_value and high_fit:
            suggested, summary = "invest", "high business value and good technical fit"
        elif high_value:
            suggested, summary = "migrate", "valuable but poorly integrated or unowned"
        elif high_fit:
            suggested, summary = "tolerate", "well connected but of limited business value"
        else:
            suggested, summary = "eliminate", "low business value and poor technical fit"
        savings = cost.annual if suggested in ("eliminate", "consolidate") else None
        why = f"{suggested.capitalize()}: {summary} ({'; '.join(reasons)})."
        if savings:
            why += f" Retiring it saves {money(savings, base)} a year."
        decided = tool.disposition
        if decided:
            who = f" by {tool.decided_by}" if tool.decided_by else ""
            note = f": {tool.decision_note}" if tool.decision_note else ""
            verdict = "agrees" if decided == suggested else f"suggestion was {suggested}"
            why = f"Decided {decided}{who}{note} ({verdict}). " + why
        result.append(
            Recommendation(
                tool=tool.name,
                suggested=suggested,
                decided=decided,
                disposition=decided or suggested,
                value=round(value, 3),
                fit=round(fit, 3),
                annual_cost=cost.annual,
                savings=savings,
                into=into,
                reasons=tuple(reasons),
                why=why,
            )
        )
    return result


def plan_savings(items: list[Recommendation]) -> Decimal:
    """Annual savings of retiring every tool whose disposition is Eliminate or Consolidate."""
    return sum(
        (
            r.annual_cost
            for r in items
            if r.disposition in ("eliminate", "consolidate") and r.annual_cost is not None
        ),
        Decimal(0),
    )
