"""The analysis: `analyze` (overlaps, gaps, health, spend, renewals, dispositions) and
`whatif` (what retiring tools would break and save)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from stackmap.bulk import bulk_work, keep
from stackmap.cli.base import (
    AllTools,
    AsOf,
    Include,
    Json,
    Only,
    amount,
    app,
    as_of_date,
    json_text,
    open_reader,
    out,
    print_json,
    statuses,
)
from stackmap.sections import SECTIONS

if TYPE_CHECKING:
    from stackmap.analysis import Stack

# From this many tools in use, the analysis's two halves are worked out side by side (see
# analysis_document): below it, the copy of the process costs more than it saves (a few
# hundredths of a second). And only while the process holds at most this much memory when
# it would fork: the copy comes to hold most of what it was forked from (stackmap.forked),
# and together they peak at about 3.5 times that. At 20,000 tools: 115 MB then, a peak of
# 360 MB for both where one process alone peaks at 205 MB; at 100,000 tools, 454 MB then,
# 1.64 GB for both against 0.90 GB alone, for an eighth of the time: not worth it.
SIDE_BY_SIDE_FROM = 2_000
SIDE_BY_SIDE_MEMORY = 256 * 2**20


@app.command()
def analyze(
    ctx: typer.Context,
    section: Annotated[
        list[str] | None,
        typer.Option(
            "--section",
            help=f"Show only these sections (repeatable): {', '.join(SECTIONS)}.",
        ),
    ] = None,
    as_of: AsOf = None,
    include: Include = None,
    only: Only = None,
    all_tools: AllTools = False,
    as_json: Json = False,
) -> None:
    """Overlaps, gaps, integration health, spend, renewals and suggested dispositions, with why."""
    unknown = [s for s in section or [] if s not in SECTIONS]
    if unknown:
        raise typer.BadParameter(
            f"unknown section {unknown[0]!r}; use one of {', '.join(SECTIONS)}",
            param_hint="--section",
        )
    chosen = statuses(include, only)
    stack = open_reader(ctx).stack(
        as_of_date(as_of), chosen.pop("counted"), all_tools=all_tools, **chosen
    )
    if as_json:
        with bulk_work():  # a million JSON values: no cycles for the collector to find
            found = analysis_document(stack)
            keep(stack, found)
            print_json(found)
        return
    from stackmap.analysis import analyze as run_analysis

    result = run_analysis(stack)
    keep(stack, result)
    from stackmap.render import render_analysis

    render_analysis(out.console, result, section or SECTIONS)


@app.command()
def whatif(
    ctx: typer.Context,
    retire: Annotated[
        list[str], typer.Option("--retire", help="A tool to retire (repeat for several).")
    ],
    into: Annotated[
        str | None,
        typer.Option("--into", help="Consolidate the retired tools into this one."),
    ] = None,
    target_cost: Annotated[
        str | None,
        typer.Option(
            "--target-cost",
            help="With --into: what taking the work on costs a year on that tool (more seats, a "
            "higher tier), in the base currency; 0 if nothing changes.",
        ),
    ] = None,
    migration_cost: Annotated[
        str | None,
        typer.Option("--migration-cost", help="A one-off cost of moving, in the base currency."),
    ] = None,
    as_of: AsOf = None,
    include: Include = None,
    only: Only = None,
    all_tools: AllTools = False,
    as_json: Json = False,
) -> None:
    """What retiring tools would break and save: capabilities, integrations, money, deadlines."""
    if target_cost is not None and into is None:
        raise typer.BadParameter("--target-cost needs --into", param_hint="--target-cost")
    chosen = statuses(include, only)
    stack = open_reader(ctx).stack(
        as_of_date(as_of), chosen.pop("counted"), all_tools=all_tools, **chosen
    )
    from stackmap.analysis import what_if
    from stackmap.render import render_what_if

    result = what_if(
        stack,
        retire,
        into,
        target_cost=amount(target_cost, "--target-cost"),
        migration_cost=amount(migration_cost, "--migration-cost"),
    )
    keep(stack, result)
    if as_json:
        with bulk_work():
            print_json(result)
        return
    render_what_if(out.console, result)


def analysis_document(stack: Stack, *, side_by_side: bool | None = None) -> dict[str, Any]:
    """The JSON document of `analyze --json`: the findings as they are, for orjson (which
    writes dataclasses, dates and tuples itself: a million values never become Python dicts
    and lists first).

    On a large stack, the findings outside the recommendations' chain (Measured) are worked
    out and written as JSON text in a copy of this process, on the other core, while this
    one judges (stackmap.forked). side_by_side: force it on or off (None: by the stack's
    size); the document is the same byte for byte either way."""
    from stackmap.analysis import analyze
    from stackmap.analysis.graph import StackGraph
    from stackmap.analysis.report import document, header_of, judge, marketing_graph, measure
    from stackmap.forked import beside, can_fork, resident_size

    graph = StackGraph.of(stack)
    if side_by_side is None:
        resident = resident_size()
        side_by_side = (
            len(graph.tools) >= SIDE_BY_SIDE_FROM
            and resident is not None
            and resident <= SIDE_BY_SIDE_MEMORY
        )
    if not (side_by_side and can_fork()):
        whole = analyze(stack, graph)
        # The graphs are freed here, before the document is written: at 100,000 tools they
        # are 100 MB more at the process's peak, for a tenth of a second.
        keep(whole)
        return whole.to_json(raw=True)

    marketing = marketing_graph(stack, graph)

    def measured_text() -> dict[str, Any]:
        members = measure(stack, graph, marketing).to_json(raw=True)
        # The summary's few amounts come back as values; the long lists as their text.
        return {k: v if k == "summary" else json_text(v) for k, v in members.items()}

    with beside(measured_text) as measured_members:
        judged = judge(stack, graph, marketing)
        members = measured_members()
    keep(graph, marketing, judged)  # a small stack's (see SIDE_BY_SIDE_MEMORY)
    head = header_of(
        stack.today.isoformat(), stack.base_currency, len(graph.tools), len(stack.tools)
    )
    return document(head, judged.to_json(raw=True), members)
