"""The `stackmap` command line: a thin Typer layer over the application API.

Each module holds one family of commands; `base` holds what they share. Errors are one line
on stderr with a documented exit code (see the README); `--json` writes JSON only on stdout.
Commands import what they use inside their bodies, so starting `stackmap` costs Typer and
nothing else (Rich loads when something is first printed; see benchmarks/startup.py).
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from typer.main import get_command_name

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
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        only(_command_named(args))(args=args, prog_name="stackmap")
        status: object = 0
    except SystemExit as exc:
        status = exc.code
    _end(status)


# The root options that take a value: what follows them is not a command's name.
_VALUED = frozenset({"--db", "--reference", "--actor"})


def _command_named(args: Sequence[str]) -> str | None:
    """The command the arguments run, when they plainly name one after the root options;
    None for anything else (--help, --version, no command, an option we do not know)."""
    rest = iter(args)
    for arg in rest:
        if arg in _VALUED:
            next(rest, None)
        elif arg == "--debug" or arg.split("=", 1)[0] in _VALUED:
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


def only(name: str | None) -> typer.Typer:
    """The app with only the named top-level command or group, or the whole app.

    Typer turns every command of an app into a Click command before it runs one, reading
    the signatures of some forty commands: 20 ms of every start, a third of what a JSON
    listing of an empty catalog costs beyond Python's own start. The command that runs is
    built as it would be in the whole app, so it parses, helps and fails alike (a test holds
    every command's --help and errors to that); what needs the others (the list in --help,
    a suggestion for a mistyped name) gets the whole app.
    """
    if name is None:
        return app
    commands = [
        c
        for c in app.registered_commands
        if c.callback is not None and (c.name or get_command_name(c.callback.__name__)) == name
    ]
    groups = [g for g in app.registered_groups if g.name == name]
    if len(commands) + len(groups) != 1:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands = commands
    narrowed.registered_groups = groups
    return narrowed


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
