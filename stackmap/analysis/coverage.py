"""Which capabilities the stack covers, which required ones it lacks, and where one tool carries
a capability alone; coverage per area and along the customer journey."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import Stack, ToolFacts, in_sentence, names
from stackmap.text import listing


@dataclass(frozen=True)
class Gap:
    capability: str
    area: str
    why: str


@dataclass(frozen=True)
class CapabilityCoverage:
    capability: str
    area: str
    required: bool
    providers: tuple[str, ...]
    state: Literal["gap", "single", "overlap"]  # no provider, one, several
    why: str


@dataclass(frozen=True)
class AreaCoverage:
    area: str
    name: str
    capabilities: int
    covered: int
    required: int
    required_covered: int

    @property
    def share(self) -> float:
        return self.covered / self.capabilities if self.capabilities else 0.0

    @property
    def required_share(self) -> float:
        return self.required_covered / self.required if self.required else 1.0


@dataclass(frozen=True)
class JourneyCoverage:
    stage: str
    side: str
    tools: tuple[str, ...]
    why: str
    gap: bool = False  # a required stage no tool serves


@dataclass(frozen=True)
class JourneyGap:
    stage: str
    side: str
    why: str


@dataclass(frozen=True)
class Coverage:
    capabilities: tuple[CapabilityCoverage, ...]
    areas: tuple[AreaCoverage, ...]
    journey: tuple[JourneyCoverage, ...]
    gaps: tuple[Gap, ...]

    @property
    def journey_gaps(self) -> tuple[JourneyGap, ...]:
        """Required journey stages no tool in use serves, per stage."""
        return tuple(JourneyGap(j.stage, j.side, j.why) for j in self.journey if j.gap)

    @property
    def single_provider(self) -> tuple[CapabilityCoverage, ...]:
        return tuple(c for c in self.capabilities if c.state == "single")

    @property
    def journey_sides(self) -> dict[str, dict[str, int]]:
        """Stages served per side of the journey: acquisition against expansion."""
        sides: dict[str, dict[str, int]] = {}
        for stage in self.journey:
            side = sides.setdefault(stage.side, {"stages": 0, "served": 0})
            side["stages"] += 1
            side["served"] += bool(stage.tools)
        return sides

    @property
    def required_share(self) -> float:
        required = [c for c in self.capabilities if c.required]
        return sum(1 for c in required if c.providers) / len(required) if required else 1.0


def coverage(stack: Stack, graph: StackGraph, required: set[str] | None = None) -> Coverage:
    """Return coverage of the reference model by the graph's tools.

    required overrides the reference model's required set (a team's own list).
    """
    reference = stack.reference
    wanted = set(reference.required_capabilities) if required is None else required
    tools = {t.id: t for t in graph.tools}
    # Tools that are winding down or being evaluated: named when they are all a gap has.
    others: dict[str, list[ToolFacts]] = {}
    for tool in stack.tools:
        if tool.id not in tools and tool.status in ("sunsetting", "evaluating"):
            for slug in tool.capabilities:
                others.setdefault(slug, []).append(tool)
    rows: list[CapabilityCoverage] = []
    gaps: list[Gap] = []
    areas: list[AreaCoverage] = []
    for area in reference.areas:
        covered = required_covered = required_count = 0
        for capability in area.capabilities:
            providers = sorted((tools[i] for i in graph.providers(capability.slug)), key=_name)
            is_required = capability.slug in wanted
            required_count += is_required
            label = capability.name
            state: Literal["gap", "single", "overlap"]
            if not providers:
                state = "gap"
                pending = others.get(capability.slug, [])
                why = f"No tool in use provides {in_sentence(label)}"
                if pending:
                    states = ", ".join(f"{t.name} ({t.status})" for t in pending[:4])
                    why += f"; only {states} would"
                if is_required:
                    gaps.append(Gap(capability.slug, area.slug, why + "."))
            else:
                covered += 1
                required_covered += is_required
                if len(providers) == 1:
                    state = "single"
                    why = (
                        f"Only {providers[0].name} provides {in_sentence(label)}: if it goes, "
                        "so does the capability"
                    )
                else:
                    state = "overlap"
                    why = f"{len(providers)} tools provide {in_sentence(label)}: {names(providers)}"
            rows.append(
                CapabilityCoverage(
                    capability.slug,
                    area.slug,
                    is_required,
                    tuple(t.name for t in providers),
                    state,
                    why + ".",
                )
            )
        areas.append(
            AreaCoverage(
                area.slug,
                area.name,
                len(area.capabilities),
                covered,
                required_count,
                required_covered,
            )
        )
    return Coverage(tuple(rows), tuple(areas), _journey(stack, graph), tuple(gaps))


def _name(tool: ToolFacts) -> str:
    return tool.name.casefold()


def _journey(stack: Stack, graph: StackGraph) -> tuple[JourneyCoverage, ...]:
    stages = stack.reference.journey
    capabilities = stack.reference.capabilities
    by_capability: dict[str, list[str]] = {}
    for stage in stages:
        for capability in stage.capabilities:
            by_capability.setdefault(capability, []).append(stage.slug)
    serving: dict[str, list[ToolFacts]] = {stage.slug: [] for stage in stages}
    for tool in graph.tools:
        slugs = set(tool.journey_stages)
        for capability in tool.capabilities:
            slugs.update(by_capability.get(capability, ()))
        for slug in slugs:
            if slug in serving:
                serving[slug].append(tool)
    result = []
    for stage in stages:
        tools = sorted(serving[stage.slug], key=_name)
        if tools:
            why = f"{len(tools)} tool(s) serve {in_sentence(stage.name)}: {names(tools, 4)}."
        else:
            needs = listing(
                [
                    in_sentence(capabilities[c].name)
                    for c in stage.capabilities
                    if c in capabilities
                ],
                4,
            )
            why = (
                f"No tool in use serves {in_sentence(stage.name)} ({stage.side} side): none is "
                f"recorded for the stage or provides what it needs ({needs})."
            )
            if stage.side == "expansion":
                why += " Revenue from existing customers is left to chance here."
        result.append(
            JourneyCoverage(
                stage.slug,
                stage.side,
                tuple(t.name for t in tools),
                why,
                gap=stage.required and not tools,
            )
        )
    return tuple(result)
