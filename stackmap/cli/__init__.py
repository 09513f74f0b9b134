"""The `stackmap` command line: a thin Typer layer over the application API.

Each module holds one family of commands; `base` holds what they share. Errors are one line
on stderr with a documented exit code (see the README); `--json` writes JSON only on stdout.
Commands import what they use inside their bodies, so starting `stackmap` costs Typer and Rich
and nothing else (see benchmarks/startup.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from stackmap import DATABASE_URL_ENV, __version__
from stackmap.bulk import one_shot_process
from stackmap.cli import analysis, catalog, imports, run, safekeeping, tool
from stackmap.cli.base import app
from stackmap.cli.export import export_app
from stackmap.cli.reference import reference_app

# Each module registers its commands on `app` as it is imported; --help lists them in the
# order a person meets them: the catalog, keeping it safe, the analysis, files in, the demo.
COMMANDS = (catalog, safekeeping, analysis, imports, run, tool)
ORDER = [
    "init",
    "info",
    "tools",
    "history",
    "dump",
    "load",
    "backup",
    "restore",
    "analyze",
    "whatif",
    "import",
    "template",
    "import-decisions",
    "demo",
    "tui",
]
app.registered_commands.sort(
    key=lambda c: ORDER.index(c.name or c.callback.__name__ if c.callback else "")
)

app.add_typer(tool.tool_app, name="tool")
app.add_typer(tool.integrations_app, name="integrations")
app.add_typer(reference_app, name="reference")
app.add_typer(catalog.db_app, name="db")
app.add_typer(export_app, name="export")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stackmap {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    database: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar=DATABASE_URL_ENV,
            show_envvar=True,
            help="Catalog database: a SQLite file path or any SQLAlchemy URL "
            "(postgresql+psycopg://…). Default: the per-user data directory.",
        ),
    ] = None,
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            "--reference", help="A folder of reference files extending (or replacing) the defaults."
        ),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Name recorded in the history for changes.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Take stock of a marketing technology stack: what you have, what it costs, what overlaps."""
    ctx.obj = {"db": database, "reference": reference or [], "actor": actor, "debug": debug}


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI (the `stackmap` console script), and end the process when it is done.

    Once the command has returned, its catalog closed and its output flushed, nothing is
    left to do but free memory the system takes back anyway: the interpreter's own teardown
    of a 20,000-tool analysis (a few hundred MB of small objects) is a quarter of a second
    the user would wait for nothing. So the process ends there, as mypy's does; and, for the
    same reason, what its bulk work builds is never scanned by the collector again."""
    one_shot_process()
    try:
        app(args=list(argv) if argv is not None else None, prog_name="stackmap")
        status: object = 0
    except SystemExit as exc:
        status = exc.code
    _end(status)


def _end(status: object) -> NoReturn:
    """Exit with what `sys.exit(status)` would give, skipping the interpreter's teardown."""
    if status is None:
        code = 0
    elif isinstance(status, int):
        code = status
    else:  # sys.exit("message"): the message on stderr, status 1
        sys.stderr.write(f"{status}\n")
        code = 1
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = code or 141  # the reader left before the last of the output
    sys.stderr.flush()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or coverage is watching: let it write its results
    os._exit(code)


__all__ = ["COMMANDS", "app", "main"]
