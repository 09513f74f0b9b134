"""Which marketing-operations maturity stage the stack's technology profile matches.

A technology-only view: people, process and strategy maturity cannot be read from a tool
inventory, and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from stackmap.analysis.coverage import Coverage
from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack
from stackmap.reference import MaturitySignals

SCOPE = "technology-only view: people, process and strategy maturity are not measured"


@dataclass(frozen=True)
class Maturity:
    stage: str
    level: int
    name: str
    summary: str
    scope: str
    required_coverage: float
    integrated_share: float
    measurement: bool
    process_tooling: bool
    evidence: tuple[str, ...]
    next_steps: tuple[str, ...]


def maturity(stack: Stack, graph: StackGraph, coverage: Coverage) -> Maturity:
    reference = stack.reference
    tools = graph.tools
    linked = sum(1 for t in tools if graph.degree(t.id))
    integrated = linked / len(tools) if tools else 0.0
    area_of = reference.area_of
    provided = {area_of[c] for t in tools for c in t.capabilities if c in area_of}
    measurement = "measurement" in provided
    process = "process" in provided
    covered = coverage.required_share

    def meets(s: MaturitySignals) -> list[str]:
        """Return what a stage asks that the stack lacks."""
        missing = []
        if covered < s.min_required_coverage:
            missing.append(
                f"cover {s.min_required_coverage:.0%} of required capabilities (now {covered:.0%})"
            )
        if integrated < s.min_integrated_share:
            missing.append(
                f"integrate {s.min_integrated_share:.0%} of tools (now {integrated:.0%})"
            )
        if s.measurement and not measurement:
            missing.append("add measurement and analytics tooling")
        if s.process_tooling and not process:
            missing.append("add process tooling (lead management, campaign or project management)")
        return missing

    stages = list(reference.maturity)
    reached = stages[0]
    for stage in stages:
        if meets(stage.signals):
            break
        reached = stage
    following = next((s for s in stages if s.level > reached.level), None)
    evidence = (
        f"{covered:.0%} of required capabilities covered",
        f"{integrated:.0%} of tools in use have a working integration ({linked} of {len(tools)})",
        "measurement tooling present" if measurement else "no measurement tooling",
        "process tooling present" if process else "no process tooling",
    )
    steps = tuple(meets(following.signals)) if following else ()
    if following:
        steps = tuple(f"to reach {following.name}: {step}" for step in steps)
    return Maturity(
        stage=reached.slug,
        level=reached.level,
        name=reached.name,
        summary=reached.summary,
        scope=SCOPE,
        required_coverage=round(covered, 3),
        integrated_share=round(integrated, 3),
        measurement=measurement,
        process_tooling=process,
        evidence=evidence,
        next_steps=steps,
    )
