"""What every command shares: the root Typer app, its one-line errors, and output helpers.

Only Typer and stackmap's light modules load here: `stackmap --version` and `--help` build
every command from these names, so anything heavy (the database, the analysis, the file
readers and writers, Rich itself) is imported where it is used.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from typer.core import TyperGroup

from stackmap.domain import ToolStatus
from stackmap.errors import DatabaseUnavailableError, StackmapError

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

    from stackmap.inventory import Inventory
    from stackmap.reads import ReadCatalog
    from stackmap.reference import Reference

EX_SOFTWARE = 70


class Output:
    """A Rich console on stdout or stderr, made when something is first printed: a command
    that writes only JSON (or nothing) never loads Rich, a fifth of its start-up."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console

    @property
    def is_terminal(self) -> bool:
        return self.console.is_terminal

    def print(self, *renderables: RenderableType) -> None:
        self.console.print(*renderables)

    def say(self, line: str, style: str | None = None) -> None:
        """Print a line as it is written: brackets in user data are not Rich markup."""
        from rich.text import Text

        self.console.print(Text(line, style=style or ""))

    def say_lines(self, lines: Iterable[str]) -> None:
        """Print lines as they are written, in one go: the same text as a `say` per line (a
        20,000-tool import reports a couple of thousand), without Rich's work per print."""
        from rich.text import Text

        lines = list(lines)
        if lines:  # an empty line is still a line
            self.console.print(Text("\n".join(lines)))


out = Output(stderr=False)
err = Output(stderr=True)
say = out.say
say_lines = out.say_lines


def fail(message: str, exit_code: int) -> typer.Exit:
    """Print one error line on stderr; return the Exit to raise with the exit code."""
    err.say(f"stackmap: error: {message}")
    return typer.Exit(exit_code)


def _database_error(exc: Exception) -> bool:
    # SQLAlchemy is only loaded by commands that open a catalog through it, and sqlite3 by
    # those that open one at all: no other command can raise their errors.
    module = sys.modules.get("sqlalchemy.exc")
    if module is not None and isinstance(exc, module.SQLAlchemyError):
        return True
    driver = sys.modules.get("sqlite3")
    return driver is not None and isinstance(exc, driver.Error)


class Commands(TyperGroup):
    """A group whose --help lists each command with its whole first sentence, wrapped, where
    Click cuts it at the terminal's edge with "..." (a cut sentence explains nothing)."""

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        rows = [
            (name, command.get_short_help_str(limit=500))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class Group(Commands):
    """Turns every error into one line on stderr, unless --debug asks for the traceback.

    Whatever is printed is scrubbed of the database password first: an exception from a
    driver or from URL parsing may quote the URL it was given.
    """

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise  # usage errors and exits: Typer reports them itself
        except StackmapError as exc:
            _traceback_if_debug(ctx)
            raise fail(_scrubbed(ctx, str(exc)), exc.exit_code) from exc
        except KeyboardInterrupt:
            raise fail("interrupted; nothing was changed", 130) from None
        except BrokenPipeError:
            # The reader went away (`stackmap tools --json | head`): stop quietly, as other
            # command-line tools do. Standard output is pointed at /dev/null so that the
            # interpreter's own flush at exit does not raise the same error again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(141) from None  # 128 + SIGPIPE, what a shell reports
        except Exception as exc:
            _traceback_if_debug(ctx)
            if _database_error(exc):
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                raise fail(
                    _scrubbed(ctx, f"database error: {reason}"),
                    DatabaseUnavailableError.exit_code,
                ) from exc
            hint = "" if _debug(ctx) else " (run with --debug for details)"
            raise fail(
                _scrubbed(ctx, f"internal error: {type(exc).__name__}: {exc}{hint}"),
                EX_SOFTWARE,
            ) from exc


def _scrubbed(ctx: typer.Context, text: str) -> str:
    from stackmap import db

    root = ctx.find_root()
    given = root.obj.get("db") if root.obj else None
    secrets = db.url_secrets(given) + db.url_secrets(os.environ.get(db.ENV_URL))
    return db.scrub(text, secrets)


def _traceback_if_debug(ctx: typer.Context) -> None:
    if _debug(ctx):
        sys.stderr.write(_scrubbed(ctx, traceback.format_exc()))


def _debug(ctx: typer.Context) -> bool:
    root = ctx.find_root()
    return bool(root.obj and root.obj.get("debug"))


def commands(help_text: str, **options: Any) -> typer.Typer:
    """A group of commands. Help and usage errors take Click's plain form: Typer's Rich form
    loads Markdown rendering, about 0.15 s of the 0.3 s that `stackmap --help` may take."""
    options.setdefault("cls", Commands)
    return typer.Typer(
        help=help_text,
        rich_markup_mode=None,
        context_settings={"max_content_width": 100},
        **options,
    )


app = commands(
    "Take stock of a marketing technology stack: what you have, what it costs, what overlaps.",
    cls=Group,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@contextmanager
def collector_paused(loaded: str = "stackmap.inventory") -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a command loads its libraries.

    Importing SQLAlchemy, SQLModel and the tables allocates hundreds of thousands of objects
    that live as long as the process, and the collector keeps scanning them as they are made:
    about a fifth of the import time. Frozen afterwards, they are never scanned again (the
    next full collection would otherwise take as long). Done once per process: one that has
    loaded them already (module `loaded`; the tests run many commands in one) has nothing to
    gain.
    """
    if loaded in sys.modules or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def open_inventory(ctx: typer.Context) -> Inventory:
    """The catalog the root options name, closed when the command ends."""
    with collector_paused():
        from stackmap.inventory import Inventory

    obj = ctx.find_root().obj
    inventory = Inventory.open(obj["db"], reference_dirs=obj["reference"], actor=obj["actor"])
    ctx.call_on_close(inventory.close)
    return inventory


def open_reader(ctx: typer.Context) -> ReadCatalog:
    """The catalog the root options name, for a command that only reads it: an embedded
    catalog at this stackmap's schema opens without SQLAlchemy (see stackmap.reader)."""
    obj = ctx.find_root().obj
    with collector_paused("stackmap.reader"):
        from stackmap.reader import open_for_reading

        catalog = open_for_reading(obj["db"], reference_dirs=obj["reference"], actor=obj["actor"])
    ctx.call_on_close(catalog.close)
    return catalog


def load_reference(ctx: typer.Context) -> Reference:
    """The reference model with the folders the root options add."""
    from stackmap.reference import load_reference as load

    return load(ctx.find_root().obj["reference"])


_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def print_json(data: Any) -> None:
    # orjson writes the same indented text as json.dumps(indent=2) in a fraction of the time
    # (json's indenting encoder is pure Python: seconds on a 20,000-tool analysis). Money is
    # the one kind of value it leaves to `default`, written as a number: `float` itself, not
    # a Python function, because an analysis holds over 100,000 amounts. Anything else
    # unwritable is a TypeError, as it should be.
    with _buffered(_write_all(sys.stdout.buffer.write)) as write:
        _write_json(write, data, 0)
        write(b"\n")
    sys.stdout.flush()


_BUFFER_SIZE = 1 << 20


# Where JSON text goes: bytes, or a slice of orjson's bytes not copied out (see _dumped).
Piece = bytes | memoryview


def _write_all(write: Callable[[memoryview], int | None]) -> Callable[[Piece], None]:
    """write, repeated until all of the data is out. An unbuffered stdout is the raw file,
    whose write may take only part of a large piece (a pipe takes what fits)."""

    def write_all(data: Piece) -> None:
        view = memoryview(data)
        while view:
            done = write(view)
            view = view[done or 0 :]

    return write_all


@contextmanager
def _buffered(write: Callable[[Piece], Any]) -> Iterator[Callable[[Piece], None]]:
    """Pieces gathered and handed to write a megabyte at a time. stdout may be unbuffered
    (PYTHONUNBUFFERED=1 is common in containers and CI): written a member at a time, a
    20,000-tool list would otherwise be 700,000 system calls."""
    pieces: list[Piece] = []
    size = 0

    def add(piece: Piece) -> None:
        nonlocal size
        if len(piece) >= _BUFFER_SIZE:  # a run of members: written as it is, not copied
            if pieces:
                write(b"".join(pieces))
                pieces.clear()
                size = 0
            write(piece)
            return
        pieces.append(piece)
        size += len(piece)
        if size >= _BUFFER_SIZE:
            write(b"".join(pieces))
            pieces.clear()
            size = 0

    yield add
    if pieces:
        write(b"".join(pieces))


class Written:
    """A member of an object already written as JSON text for its place in the document
    (by json_text, at the depth it is written at), written out as it is. Only where
    print_json writes a member at a time: the document's own members."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text


def json_text(value: Any, depth: int = 1) -> Written:
    """value's text as print_json writes it as a member of an object `depth` levels deep:
    the same bytes, worked out elsewhere (another process) and put in by Written."""
    pieces: list[Piece] = []
    _write_json(pieces.append, value, depth, keyed=True)
    return Written(b"".join(pieces))


_STREAMED_DEPTH = 3  # objects and lists less deep are written a member at a time...
_STREAMED_SIZE = 64  # ...when they are the outermost, or hold more members than this, or
# (for an object that is a member of an object) hold a list or object that does
_RUN = 1000  # members of a list that are written whole go to orjson this many at a time


def _write_json(
    write: Callable[[Piece], Any],
    value: Any,
    depth: int,
    small: int = _STREAMED_SIZE,
    run: int = _RUN,
    keyed: bool = False,
) -> None:
    """Write value as orjson.dumps(value, OPT_INDENT_2) would, byte for byte, but the outer
    objects and lists a member at a time: a 100,000-tool analysis is 290 MB of JSON, which
    need never be held whole (only its largest finding is). A small inner one (a tool's
    seventeen fields) is written whole: one call instead of one per field; and consecutive
    members written whole go to orjson a run at a time, a thousand recommendations in one
    call instead of a thousand calls. `keyed`: value is a member of an object."""
    pad = b"\n" + b"  " * depth
    if type(value) is Written:
        write(value.text)
    elif not _streams(value, depth, small, keyed):
        write(_dumped(value, depth))
    elif type(value) is dict:
        write(b"{")
        for index, (key, item) in enumerate(value.items()):
            write((b"," if index else b"") + pad + b"  " + orjson.dumps(key) + b": ")
            _write_json(write, item, depth + 1, small, run, keyed=True)
        write(pad + b"}")
    else:
        write(b"[")
        whole: list[Any] = []
        first = True
        for item in value:
            if not _streams(item, depth + 1, small):
                whole.append(item)
                if len(whole) >= run:
                    first = _write_run(write, whole, depth, first)
                continue
            if whole:
                first = _write_run(write, whole, depth, first)
            write((b"" if first else b",") + pad + b"  ")
            _write_json(write, item, depth + 1, small, run)
            first = False
        if whole:
            _write_run(write, whole, depth, first)
        write(pad + b"]")


def _streams(value: Any, depth: int, small: int, keyed: bool = False) -> bool:
    """Whether _write_json writes value a member at a time (else whole, in one call)."""
    kind = type(value)
    if depth >= _STREAMED_DEPTH or kind not in (list, tuple, dict):
        return False
    if not (len(value) > small or (depth == 0 and value) or (keyed and _holds_long(value, small))):
        return False
    return kind is not dict or _text_keys(value)


def _holds_long(value: Any, small: int) -> bool:
    """Whether an object holds a long list or object: a few fields around an exit per tool
    (the analysis's plan), which written whole would be one piece of 80 MB at 100,000 tools.
    Asked only of an object's members, never of a list's (a listing's 100,000 objects)."""
    return type(value) is dict and any(
        type(v) in (list, tuple, dict) and len(v) > small for v in value.values()
    )


def _write_run(write: Callable[[Piece], Any], members: list[Any], depth: int, first: bool) -> bool:
    """Write list members whole, with one orjson call, where a list `depth` levels deep holds
    them, then empty members. Returns False: whatever comes next is not the list's first."""
    # "[" + "\n  member,\n  member" + "\n]", each line indented by the list's depth
    body = _dumped(members, depth)[1 : -2 - 2 * depth]
    if not first:
        write(b",")
    write(body)
    members.clear()
    return False


def _dumped(value: Any, depth: int) -> memoryview:
    """orjson's text of value as it reads `depth` levels deep in the whole document: every
    line after its first indented by `depth` levels more.

    Dumped inside `depth` one-member lists, orjson indents it itself, and the lists around it
    are sliced off without copying: re-indenting the text afterwards copied the 57 MB of a
    20,000-tool analysis twice more. Around a value `depth` lists deep, orjson writes
    "[" + "\n  [" + ... + "\n" + "  " * depth before it and "\n" + "  " * (depth - 1) + "]" +
    ... + "\n]" after it."""
    for _ in range(depth):
        value = [value]
    text = memoryview(orjson.dumps(value, default=float, option=_JSON_OPTIONS))
    if not depth:
        return text
    before = depth + sum(1 + 2 * level for level in range(1, depth + 1))
    after = sum(2 + 2 * level for level in range(depth))
    return text[before : len(text) - after]


def _text_keys(mapping: dict[Any, Any]) -> bool:
    return all(type(key) is str for key in mapping)


def money(amount: Decimal | None, currency: str | None) -> str:
    """An amount in a table cell: "USD 12,600", or "—" when unknown."""
    from stackmap.text import IN_A_CELL
    from stackmap.text import money as written

    return written(amount, currency, IN_A_CELL)


def text(value: Any) -> Text:
    """User data as plain text: a vendor named "[red]X" must not restyle the table."""
    from rich.text import Text

    if value is None or value == "":
        return Text("—", style="dim")
    if isinstance(value, list | tuple):
        return Text(", ".join(map(str, value)))
    return Text(str(value))


# --- options several commands share ----------------------------------------------------------

Json = Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")]
AsOf = Annotated[
    str | None,
    typer.Option("--as-of", help="Analyse as on this day (YYYY-MM-DD) instead of today."),
]
Include = Annotated[
    list[ToolStatus] | None,
    typer.Option(
        "--include",
        help="Count tools with this status too (active always counts), e.g. sunsetting.",
    ),
]
Only = Annotated[
    list[ToolStatus] | None,
    typer.Option(
        "--only",
        help="Count only tools with this status (repeatable), in every view including the "
        "money ones (which otherwise also show sunsetting tools).",
    ),
]
AllTools = Annotated[
    bool,
    typer.Option(
        "--all-tools",
        help="Count tools outside marketing (HR, finance, security, IT, engineering) in "
        "coverage, overlap, gaps and recommendations too.",
    ),
]


def as_of_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2027-01-31") from None


def statuses(include: list[ToolStatus] | None, only: list[ToolStatus] | None) -> dict[str, Any]:
    """The stack's counted statuses and money-view statuses from --include / --only."""
    if only and include:
        raise typer.BadParameter("use --include or --only, not both", param_hint="--only")
    if only:
        chosen = list(dict.fromkeys(s.value for s in only))
        return {"counted": chosen, "paid_statuses": chosen}
    return {"counted": counted(include)}


def counted(include: list[ToolStatus] | None) -> list[str]:
    return list(dict.fromkeys(["active", *(s.value for s in include or [])]))


def amount(value: str | None, option: str) -> Decimal | None:
    """An amount given on the command line: digits, with thousands separators allowed."""
    if value is None:
        return None
    try:
        result = Decimal(value.replace(",", "").replace("_", "").strip())
    except ArithmeticError:
        raise typer.BadParameter(
            f"{value!r} is not an amount like 12000", param_hint=option
        ) from None
    if not result.is_finite() or result < 0:
        raise typer.BadParameter(f"{value!r} is not an amount like 12000", param_hint=option)
    return result
