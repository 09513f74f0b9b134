"""The main job and the front end: `demo` (a catalog from the bundled samples, and what
stackmap finds in it) and `tui`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackmap.bulk import one_shot_process
from stackmap.cli.base import Json, app, open_inventory, out, print_json, say, say_lines
from stackmap.demo import DEFAULT_OUTPUT

# The demo shows what a marketing-ops lead asks first; `analyze` shows every section.
DEMO_SECTIONS = (
    "summary",
    "overlaps",
    "gaps",
    "integrations",
    "renewals",
    "underutilized",
    "recommendations",
    "maturity",
)


@app.command()
def demo(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", help="Folder for the demo catalog and files.")
    ] = DEFAULT_OUTPUT,
    as_json: Json = False,
) -> None:
    """Build a catalog from the bundled sample files and print what stackmap found."""
    from stackmap.demo import run_demo
    from stackmap.render import render_analysis

    obj = ctx.find_root().obj
    report = run_demo(
        output, database=obj["db"], reference_dirs=obj["reference"], actor=obj["actor"]
    )
    if as_json:
        print_json(report.to_json())
        return
    say_lines(report.lines())
    out.print()
    render_analysis(out.console, report.analysis, DEMO_SECTIONS)
    database = obj["db"] or str(output / "demo.db")
    say(
        f"Explore further: stackmap --db {database} analyze (all sections, or --json); "
        f"stackmap --db {database} whatif --retire NAME [--into NAME]",
        style="dim",
    )


@app.command()
def tui(ctx: typer.Context) -> None:
    """Open the terminal UI: dashboard, tools, tool detail and decisions, what-if."""
    from stackmap.tui.app import create_app  # Textual loads only for this command

    one_shot_process(False)  # the TUI lives on: its collector must catch up after each read
    create_app(open_inventory(ctx)).run()
