"""The reference model: `reference [capabilities|categories|products]`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from stackmap.cli.base import Json, commands, load_reference, out, print_json, say, text

reference_app = commands(
    "Show the reference model: areas, capabilities, categories, products.",
)


@reference_app.callback(invoke_without_command=True)
def reference_areas(
    ctx: typer.Context,
    as_json: Json = False,
) -> None:
    """Show the five capability areas and their capabilities (`stackmap reference`)."""
    if ctx.invoked_subcommand is not None:
        return
    ref = load_reference(ctx)
    if as_json:
        print_json([asdict(a) for a in ref.areas])
        return
    from rich.text import Text

    for area in ref.areas:
        out.print(Text(f"{area.name}", style="bold") + Text(f" — {area.description}"))
        for c in area.capabilities:
            mark = "*" if c.required else " "
            say(f"  {mark} {c.slug:<28} {c.name}")
    say("* expected in a typical B2B stack (the default set for gap analysis)", style="dim")


@reference_app.command("capabilities")
def reference_capabilities(
    ctx: typer.Context,
    as_json: Json = False,
) -> None:
    """List every capability with its area and description."""
    ref = load_reference(ctx)
    rows = [
        {
            "slug": c.slug,
            "name": c.name,
            "area": a.slug,
            "required": c.required,
            "description": c.description,
        }
        for a in ref.areas
        for c in a.capabilities
    ]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table()
    for column in ("Capability", "Name", "Area", "Required", "Description"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            *(
                text("yes" if v is True else "" if v is False else v)
                for v in (r["slug"], r["name"], r["area"], r["required"], r["description"])
            )
        )
    out.print(table)


@reference_app.command("categories")
def reference_categories(
    ctx: typer.Context,
    as_json: Json = False,
) -> None:
    """List the landscape categories and subcategories with the capabilities each maps to."""
    ref = load_reference(ctx)
    if as_json:
        print_json([asdict(c) for c in ref.categories])
        return
    from rich.text import Text

    for category in ref.categories:
        say(category.name, style="bold")
        for sub in category.subcategories:
            out.print(
                Text(f"  {sub.slug:<42} {sub.name}  ")
                + Text(", ".join(sub.capabilities), style="dim")
            )


@reference_app.command("products")
def reference_products(
    ctx: typer.Context,
    search: Annotated[
        str | None,
        typer.Option("--search", help="Only products whose name or alias contains this."),
    ] = None,
    as_json: Json = False,
) -> None:
    """List the product library: vendor, category, capabilities and aliases."""
    ref = load_reference(ctx)
    needle = (search or "").casefold()
    rows = [
        p
        for p in ref.products
        if not needle or any(needle in n.casefold() for n in (p.name, *p.aliases))
    ]
    if as_json:
        print_json([asdict(p) for p in rows])
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} products", title_justify="left")
    for column in ("Product", "Vendor", "Category", "Also known as"):
        table.add_column(column)
    for p in rows:
        table.add_row(text(p.name), text(p.vendor), text(p.category), text(p.aliases))
    out.print(table)
