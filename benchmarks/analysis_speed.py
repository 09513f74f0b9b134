"""Analysis speed: the full analysis and one what-if on generated stacks of growing size.

Each size runs in a fresh process so its peak memory (max RSS) is its own. The stack is
built in memory from the same generator the import benchmark uses (capabilities from each
tool's category, methods from the sheet's words), so the figure is the analysis alone.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import date
from decimal import Decimal

from benchmarks.child import in_child, peak_mb
from stackmap.analysis import LinkFacts, Stack, ToolFacts
from stackmap.reference import Reference
from stackmap.views import ContractView

TODAY = date(2026, 11, 22)
METHOD = {
    "Native": "native",
    "API": "api",
    "Zapier": "ipaas",
    "CSV export": "file",
    "Manual upload": "manual",
    "Webhook": "api",
}


def build_stack(tools: int, integrations: int, reference: Reference) -> Stack:
    """Return an in-memory Stack of a generated stack of this size."""
    from benchmarks.generate import synthetic_stack

    generated = synthetic_stack(tools, integrations)
    rng = random.Random(11)
    every = list(reference.capabilities)
    facts = []
    ids: dict[str, int] = {}
    for number, t in enumerate(generated.tools, 1):
        slug = reference.subcategory_slug(t.category)
        capabilities = set(reference.subcategories[slug].capabilities) if slug else set()
        if rng.random() < 0.5:
            capabilities.add(rng.choice(every))
        cost = rng.choice([None, 1200, 9600, 24000, 74900])
        renewal = t.renewal if isinstance(t.renewal, date) else None
        contract = ContractView(
            id=number,
            annual_cost=None if cost is None else Decimal(cost),
            amount=None,
            currency="USD",
            billing_period="annual",
            start_date=None,
            end_date=None,
            renewal_date=renewal,
            notice_days=rng.choice([None, 30, 60, 90]),
            auto_renew=rng.choice([None, True, False]),
            seats_purchased=t.seats,
            seats_assigned=None,
            seats_active=t.active,
            cost_centre=None,
            notes=None,
        )
        ids[t.name] = number
        facts.append(
            ToolFacts(
                id=number,
                name=t.name,
                status="active" if rng.random() < 0.95 else "retired",
                vendor=t.vendor,
                # The import stores the category it read, as a real catalog holds it.
                category=slug,
                business_owner=t.owner if rng.random() < 0.9 else None,
                capabilities=tuple(sorted(capabilities)),
                business_units=tuple(t.team.split("; ")),
                contracts=(contract,),
            )
        )
    links = tuple(
        LinkFacts(
            id=i,
            source=ids[source],
            target=ids[target],
            method=METHOD[method],
            status="broken" if rng.random() < 0.03 else "active",
        )
        for i, (source, target, method, _) in enumerate(generated.integrations, 1)
    )
    return Stack(tuple(facts), links, reference, TODAY)


def _measure(tools: int, integrations: int) -> dict[str, float]:
    from stackmap.analysis import analyze, what_if
    from stackmap.analysis.graph import StackGraph
    from stackmap.reference import load_reference

    reference = load_reference()
    # Best of three runs, each on a fresh snapshot: the machine's noise only ever adds time.
    analysis_s = cold_s = warm_s = float("inf")
    for _ in range(3):
        stack = build_stack(tools, integrations, reference)
        started = time.perf_counter()
        result = analyze(stack)
        analysis_s = min(analysis_s, time.perf_counter() - started)
        hubs = [h.tool for h in result.hubs] or [stack.tools[0].name]
        # Cold: the graph built from nothing for this one question. Warm: the TUI keeps the
        # graph and asks again about another tool.
        stack = build_stack(tools, integrations, reference)
        graph = StackGraph.of(stack)
        started = time.perf_counter()
        what_if(stack, [hubs[0]], graph=graph)
        cold_s = min(cold_s, time.perf_counter() - started)
        started = time.perf_counter()
        what_if(stack, [hubs[-1]], graph=graph)
        warm_s = min(warm_s, time.perf_counter() - started)
    return {
        "analysis_s": analysis_s,
        "whatif_cold_s": cold_s,
        "whatif_warm_s": warm_s,
        "overlaps": len(result.overlaps),
        "peak_mb": peak_mb(),
    }


def measure(tools: int, integrations: int) -> dict[str, float]:
    return in_child("benchmarks.analysis_speed", tools, integrations)


def run(tools: int) -> list[tuple[str, str]]:
    """Return (figure, value) rows: analysis at tools/100, tools/10 and tools (5 links each)."""
    sizes = sorted({max(tools // 100, 20), max(tools // 10, 20), tools})
    rows = []
    previous: tuple[int, float] | None = None
    for size in sizes:
        figures = measure(size, size * 5)
        growth = ""
        if previous is not None:
            ratio = figures["analysis_s"] / previous[1]
            growth = f"; {ratio:.1f}x the time for {size / previous[0]:.0f}x the tools"
        rows.append(
            (
                f"{size:,} tools, {size * 5:,} integrations",
                f"analysis {figures['analysis_s']:.2f} s (target ≤ 3 s at 20,000), "
                f"what-if on a top hub {figures['whatif_cold_s']:.2f} s from scratch, "
                f"{figures['whatif_warm_s']:.2f} s with the graph kept (target ≤ 0.5 s), "
                f"peak {figures['peak_mb']:.0f} MB{growth}",
            )
        )
        previous = (size, figures["analysis_s"])
    return rows


if __name__ == "__main__":
    print(json.dumps(_measure(int(sys.argv[1]), int(sys.argv[2]))))
