"""The analysis: `analyze` (overlaps, gaps, health, spend, renewals, dispositions) and
`whatif` (what retiring tools would break and save)."""

from __future__ import annotations

from typing import Annotated

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
    open_reader,
    out,
    print_json,
    statuses,
)
from stackmap.sections import SECTIONS


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
    from stackmap.analysis import analyze as run_analysis

    result = run_analysis(stack)
    keep(stack, result)
    if as_json:
        with bulk_work():  # a million JSON values: no cycles for the collector to find
            # The findings go to orjson as they are, which writes dataclasses, dates and
            # tuples itself: a million values never become Python dicts and lists first.
            print_json(result.to_json(raw=True))
        return
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
