"""What goes to the budget review: `export workbook|map|diagram|calendar`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from stackmap.cli.base import (
    AllTools,
    AsOf,
    Include,
    Only,
    as_of_date,
    commands,
    counted,
    open_reader,
    say,
    statuses,
)
from stackmap.domain import ToolStatus

export_app = commands(
    "Write the budget-review workbook, the integration map and the stack diagram.",
    no_args_is_help=True,
)


Retire = Annotated[
    list[str] | None,
    typer.Option("--retire", help="Add the what-if view of retiring this tool (repeatable)."),
]
Into = Annotated[
    str | None, typer.Option("--into", help="In the what-if, consolidate into this tool.")
]


def _scenario(include: list[ToolStatus] | None, as_of: str | None) -> dict[str, Any]:
    return {"today": as_of_date(as_of), "counted": tuple(counted(include))}


@export_app.command("workbook")
def export_workbook_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the workbook (.xlsx).")],
    retire: Retire = None,
    into: Into = None,
    as_of: AsOf = None,
    include: Include = None,
    all_tools: AllTools = False,
) -> None:
    """Write the rationalisation workbook for a budget review (Excel, with live totals)."""
    if path.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the workbook must be an .xlsx file", param_hint="PATH")
    from stackmap.publish import export_workbook

    source = export_workbook(
        open_reader(ctx),
        path,
        retire=retire,
        into=into,
        all_tools=all_tools,
        **_scenario(include, as_of),
    )
    say(
        f"Wrote {path}: {source.analysis.tools_total} tools, catalog state "
        f"{source.catalog_id}. Reviewers fill in the Inventory's Decision, Decision owner and "
        f"Comment; then `stackmap import-decisions {path.name}`."
    )


@export_app.command("map")
def export_map_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the map (.html).")],
    retire: Retire = None,
    into: Into = None,
    as_of: AsOf = None,
    include: Include = None,
    all_tools: AllTools = False,
) -> None:
    """Write the interactive integration map: one HTML file that works offline."""
    if path.suffix.lower() not in (".html", ".htm"):
        raise typer.BadParameter("the map must be an .html file", param_hint="PATH")
    from stackmap.publish import export_map

    result = export_map(
        open_reader(ctx),
        path,
        retire=retire,
        into=into,
        all_tools=all_tools,
        **_scenario(include, as_of),
    )
    say(f"Wrote {path}: {result.nodes} tools, {result.edges} integrations; open it in a browser.")


@export_app.command("diagram")
def export_diagram_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the diagram (.html or .svg).")],
    as_of: AsOf = None,
    include: Include = None,
    overlay: Annotated[
        str,
        typer.Option(
            help="Mark each tool with its disposition (a letter and a tint) or its annual "
            "cost: none, disposition or cost."
        ),
    ] = "none",
) -> None:
    """Write the stack diagram: tools by capability area and job, overlaps framed, gaps in
    red; one A4 landscape page up to about 150 tools, more pages beyond (HTML or SVG)."""
    if path.suffix.lower() not in (".html", ".htm", ".svg"):
        raise typer.BadParameter("the diagram must be an .html or .svg file", param_hint="PATH")
    from stackmap.export.diagram import OVERLAYS
    from stackmap.publish import export_diagram

    if overlay not in OVERLAYS:
        raise typer.BadParameter(f"choose one of {', '.join(OVERLAYS)}", param_hint="--overlay")
    result = export_diagram(open_reader(ctx), path, overlay=overlay, **_scenario(include, as_of))
    pages = "one page" if result.pages == 1 else f"{result.pages} pages"
    say(f"Wrote {path}: {result.tools} tools on {pages} (A4 landscape)")


@export_app.command("calendar")
def export_calendar_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the calendar (.ics).")],
    as_of: AsOf = None,
    include: Include = None,
    only: Only = None,
) -> None:
    """Write the renewal calendar: one event per decide-by date and per renewal date, with the
    tool, its cost, its owners and what to do, to import into Outlook or Google Calendar."""
    if path.suffix.lower() != ".ics":
        raise typer.BadParameter("the calendar must be an .ics file", param_hint="PATH")
    from stackmap.publish import export_calendar

    chosen = statuses(include, only)
    count = export_calendar(
        open_reader(ctx),
        path,
        today=as_of_date(as_of),
        counted=tuple(chosen["counted"]),
        paid_statuses=tuple(chosen["paid_statuses"]) if "paid_statuses" in chosen else None,
    )
    say(f"Wrote {path}: {count} dates (decide-by and renewal) to import.")
