"""Keeping the catalog safe: `dump`, `load`, `backup` and `restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackmap.cli.base import app, fail, open_inventory, open_reader, say


def _records(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {file.removesuffix('.yaml')}" for file, n in counts.items() if n)


@app.command()
def dump(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Directory to write (created if needed).")],
) -> None:
    """Write the whole catalog as sorted, diffable YAML files, one per kind (to keep in git)."""
    counts = open_reader(ctx).dump(directory)
    say(f"Wrote {sum(counts.values()):,} records to {directory}: {_records(counts)}")


@app.command()
def load(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="A directory written by `stackmap dump`.")],
) -> None:
    """Load a dump into an empty catalog, all or nothing (restore replaces a catalog)."""
    from stackmap.load import load_catalog

    counts = load_catalog(open_inventory(ctx).engine, directory)
    say(f"Loaded {sum(counts.values()):,} records from {directory}: {_records(counts)}")


@app.command()
def backup(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="The backup file to write.")],
) -> None:
    """Back up the live catalog: SQLite's online backup, or a logical dump of a server catalog."""
    from stackmap.backup import backup_catalog

    result = backup_catalog(open_inventory(ctx).engine, out_path)
    what = "SQLite database" if result.kind == "sqlite" else "dump archive"
    say(f"Backed up {result.rows:,} records to {result.path} ({what})")


@app.command()
def restore(
    ctx: typer.Context,
    source: Annotated[
        Path, typer.Argument(help="A backup file, a dump archive or a dump directory.")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the catalog without asking.")] = False,
) -> None:
    """Replace the whole catalog with a backup, in one transaction; the current catalog is
    backed up first."""
    from stackmap.backup import read_backup, restore_keeping_a_copy

    inventory = open_inventory(ctx)
    # Read (and check) the backup before anything is asked or written.
    kind, snap = read_backup(source)
    now = inventory.counts()
    then = snap.counts()
    question = (
        f"Replace the catalog at {inventory.location} ({now['tools']:,} tools, "
        f"{now['changes']:,} changes in its history) with {source} "
        f"({then['tools.yaml']:,} tools, {then['history.yaml']:,} changes)?"
    )
    if not yes and not typer.confirm(question, err=True):
        raise fail("nothing was changed", 1)
    result = restore_keeping_a_copy(inventory.engine, source, kind, snap)
    say(f"Restored {result.rows:,} records from {source}")
    if result.kept is not None:
        say(f"The catalog as it was is kept in {result.kept}")
