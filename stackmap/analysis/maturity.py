"""Which marketing-operations maturity stage the stack's technology is consistent with, on
evidence (maturity.yaml), and what is missing for the next stage.

A technology-only view: people, process and strategy maturity cannot be read from a tool
inventory, and the result says so. Only links that are automated (not manual copies or file
drops), documented (their method recorded) and working (not broken) count as integration:
five tools glued by monthly spreadsheet copies are not an integrated stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackmap.analysis.coverage import Coverage
from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack, in_sentence
from stackmap.reference import MaturitySignals
from stackmap.text import listing

SCOPE = "technology-only view: people, process and strategy maturity are not measured"
# Methods of a link that make it count as integration.
AUTOMATED = frozenset({"native", "api", "ipaas"})
NEAR_REAL_TIME = frozenset({"real_time", "hourly"})


@dataclass(frozen=True)
class Maturity:
    stage: str
    level: int
    name: str
    summary: str
    scope: str
    required_coverage: float
    integrated_share: float
    evidence: tuple[str, ...]
    next_steps: tuple[str, ...]
    why: str = ""


def maturity(stack: Stack, graph: StackGraph, coverage: Coverage) -> Maturity:
    reference = stack.reference
    tools = graph.tools
    ids = {t.id for t in tools}
    automated: set[int] = set()
    realtime: set[int] = set()
    for link in stack.in_use_links:
        if link.status != "active" or link.method not in AUTOMATED:
            continue
        if link.source not in ids or link.target not in ids:
            continue
        automated.add(link.source)
        automated.add(link.target)
        if link.frequency in NEAR_REAL_TIME:
            realtime.add(link.source)
            realtime.add(link.target)
    integrated = len(automated) / len(tools) if tools else 0.0
    provided = {c for t in tools for c in t.capabilities}
    covered = coverage.required_share
    expansion = [j for j in coverage.journey if j.side == "expansion"]
    unserved = [j.stage for j in expansion if not j.tools]
    # Which side of the journey each tool serves, for the near-real-time check.
    side_of: dict[str, set[str]] = {}
    for served in coverage.journey:
        for name in served.tools:
            side_of.setdefault(name, set()).add(served.side)
    realtime_sides = {s for i in realtime for s in side_of.get(stack.by_id[i].name, ())}
    stage_names = {s.slug: s.name for s in reference.journey}

    def missing(s: MaturitySignals) -> list[str]:
        """What a stage asks that the stack does not show."""
        lacks = []
        if covered < s.min_required_coverage:
            lacks.append(
                f"cover {s.min_required_coverage:.0%} of required capabilities (now {covered:.0%})"
            )
        if integrated < s.min_integrated_share:
            lacks.append(
                f"connect {s.min_integrated_share:.0%} of tools by automated, documented, "
                f"working links (now {integrated:.0%})"
            )
        for need in s.needs:
            if not provided & set(need.any_of):
                lacks.append(f"add {need.what}")
        if s.expansion_served and unserved:
            lacks.append(
                "serve every expansion-side journey stage (missing: "
                + listing([in_sentence(stage_names.get(u, u)) for u in unserved])
                + ")"
            )
        if s.realtime_both_sides and not {"acquisition", "expansion"} <= realtime_sides:
            lacks.append("run near-real-time automated flows on both sides of the journey")
        return lacks

    stages = list(reference.maturity)
    reached = stages[0]
    for stage in stages:
        if missing(stage.signals):
            break
        reached = stage
    following = next((s for s in stages if s.level > reached.level), None)
    evidence = [
        f"{covered:.0%} of required capabilities covered",
        f"{integrated:.0%} of tools in use have an automated, documented, working link "
        f"({len(automated)} of {len(tools)})",
    ]
    for stage in stages[1 : reached.level]:
        evidence += [
            f"{need.what}: {listing(sorted(provided & set(need.any_of)))}"
            for need in stage.signals.needs
        ]
    steps = tuple(missing(following.signals)) if following else ()
    why = f"Technology consistent with {reached.name} (level {reached.level})"
    if following:
        why += f"; for {following.name}: " + "; ".join(steps) + "."
    else:
        why += "."
    return Maturity(
        stage=reached.slug,
        level=reached.level,
        name=reached.name,
        summary=reached.summary,
        scope=SCOPE,
        required_coverage=round(covered, 3),
        integrated_share=round(integrated, 3),
        evidence=tuple(evidence),
        next_steps=tuple(f"to reach {following.name}: {s}" for s in steps) if following else (),
        why=why + f" ({SCOPE}).",
    )
