"""What the catalog holds: `init`, `info`, `tools`, `history`, and `db upgrade`."""

from __future__ import annotations

from typing import Annotated

import typer

from stackmap.bulk import keep
from stackmap.cli.base import (
    Json,
    app,
    commands,
    money,
    open_inventory,
    open_reader,
    out,
    print_json,
    say,
    text,
)
from stackmap.domain import ToolStatus

db_app = commands("Database maintenance.", no_args_is_help=True)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the catalog database (or bring its schema up to date) and say where it is."""
    inventory = open_inventory(ctx)
    say(f"Catalog ready at {inventory.location}")


@app.command()
def info(ctx: typer.Context, as_json: Json = False) -> None:
    """Show the version, the database location (password masked), schema revision and counts."""
    from stackmap.outcomes import about_json

    data = about_json(open_reader(ctx))
    if as_json:
        print_json(data)
        return
    say(f"stackmap {data['version']}")
    say(f"Database:  {data['database']} (schema {data['schema_revision']})")
    say(f"Reference: {', '.join(data['reference'])}")
    ref = data["reference_counts"]
    say(
        f"           {ref['areas']} areas, {ref['capabilities']} capabilities, "
        f"{ref['subcategories']} subcategories, {ref['products']} products"
    )
    say("Catalog:   " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in data["counts"].items()))


@app.command()
def tools(
    ctx: typer.Context,
    status: Annotated[
        list[ToolStatus] | None, typer.Option("--status", help="Only tools with this status.")
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Only names containing this.")
    ] = None,
    as_json: Json = False,
) -> None:
    """List the tools in the catalog with owner, cost, renewal and capabilities."""
    rows = open_reader(ctx).tools(status=[s.value for s in status or []], search=search)
    keep(rows)
    if as_json:
        print_json(rows)  # orjson writes the records as they are (see ToolSummary)
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} tools", title_justify="left")
    right = ("Annual cost", "Seats", "Links")
    for column in (
        "Tool",
        "Vendor",
        "Category",
        "Status",
        "Owner",
        "Annual cost",
        "Renewal",
        "Seats",
        "Links",
    ):
        table.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        seats = f"{row.seats_active or 0}/{row.seats_purchased}" if row.seats_purchased else "—"
        table.add_row(
            text(row.name),
            text(row.vendor),
            text(row.category),
            text(row.status),
            text(row.owner),
            text(money(row.annual_cost, row.currency)),
            text(row.renewal_date.isoformat() if row.renewal_date else None),
            text(seats),
            text(row.integrations),
        )
    out.print(table)


@app.command()
def history(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many changes.")] = 30,
    as_json: Json = False,
) -> None:
    """Show the most recent changes to the catalog: who, when, what (old → new)."""
    from stackmap.outcomes import short

    rows = open_reader(ctx).history(limit=limit)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    from rich.table import Table

    table = Table(title="Recent changes", title_justify="left")
    for column in ("When (UTC)", "Who", "What", "Action", "Changes"):
        table.add_column(column)
    for r in rows:
        changes = "; ".join(f"{k}: {short(v[0])} → {short(v[1])}" for k, v in r.changes.items())
        table.add_row(
            text(r.at.strftime("%Y-%m-%d %H:%M")),
            text(r.actor),
            text(f"{r.entity} {r.label}"),
            text(r.action),
            text(changes),
        )
    out.print(table)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations (opening the catalog does this too)."""
    from stackmap import db

    obj = ctx.find_root().obj
    url = db.resolve_url(obj["db"])
    engine = db.open_database(url, migrate=False)
    try:
        before = db.current_revision(engine)
        db.upgrade(engine)
        after = db.current_revision(engine)
    finally:
        engine.dispose()
    message = "already at" if before == after else f"upgraded from {before or 'empty'} to"
    say(f"{db.mask_url(url)}: {message} schema {after}")
