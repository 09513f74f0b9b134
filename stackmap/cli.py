"""The `stackmap` command line: a thin Typer layer over the application API.

Errors are one line on stderr with a documented exit code (see the README); `--json` writes
JSON only on stdout.
"""

from __future__ import annotations

import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from stackmap import __version__, db
from stackmap.analysis import analyze as run_analysis
from stackmap.analysis import what_if
from stackmap.analysis.report import plain
from stackmap.backup import backup_catalog, read_backup, restore_snapshot, safety_copy_path
from stackmap.demo import DEFAULT_OUTPUT, run_demo
from stackmap.domain import (
    BillingPeriod,
    Disposition,
    Frequency,
    IntegrationDirection,
    IntegrationMethod,
    IntegrationStatus,
    PricingModel,
    ToolStatus,
)
from stackmap.dump import dump_catalog, load_catalog
from stackmap.errors import DatabaseUnavailableError, InvalidValueError, StackmapError
from stackmap.export.diagram import OVERLAYS
from stackmap.export.safe import atomic_write, safe_text
from stackmap.inventory import Inventory, LoadResult
from stackmap.outcomes import import_lines, sheet_lines, short
from stackmap.progress import SILENT, Progress
from stackmap.reference import load_reference
from stackmap.render import SECTIONS, render_analysis, render_what_if
from stackmap.review import (
    DecisionPlan,
    apply_decisions,
    export_calendar,
    export_diagram,
    export_map,
    export_workbook,
    plan_decisions,
)
from stackmap.schemas import ContractFields, IntegrationFields, ToolFields, parse
from stackmap.terms import position
from stackmap.views import INFERRED_FROM, ContractView, jsonable

if TYPE_CHECKING:
    # Loaded by the commands that read a file: the readers and the fuzzy matching would
    # otherwise slow every start, `stackmap tui` included.
    from stackmap.importers.mapping import Issue
    from stackmap.importers.spend import SpendPlan

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

EX_SOFTWARE = 70
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, exit_code: int) -> typer.Exit:
    """Print one error line on stderr; return the Exit to raise with the exit code."""
    err.print(Text(f"stackmap: error: {message}"))
    return typer.Exit(exit_code)


class Group(TyperGroup):
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
        except SQLAlchemyError as exc:
            _traceback_if_debug(ctx)
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise fail(
                _scrubbed(ctx, f"database error: {reason}"), DatabaseUnavailableError.exit_code
            ) from exc
        except Exception as exc:
            _traceback_if_debug(ctx)
            hint = "" if _debug(ctx) else " (run with --debug for details)"
            raise fail(
                _scrubbed(ctx, f"internal error: {type(exc).__name__}: {exc}{hint}"),
                EX_SOFTWARE,
            ) from exc


def _scrubbed(ctx: typer.Context, text: str) -> str:
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


app = typer.Typer(
    cls=Group,
    help="Take stock of a marketing technology stack: what you have, what it costs, what overlaps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
tool_app = typer.Typer(help="Show, add, edit and retire one tool.", no_args_is_help=True)
integrations_app = typer.Typer(help="List and add integrations between tools.")
reference_app = typer.Typer(
    help="Show the reference model: areas, capabilities, categories, products."
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
export_app = typer.Typer(
    help="Write the budget-review workbook, the integration map and the stack diagram.",
    no_args_is_help=True,
)
app.add_typer(tool_app, name="tool")
app.add_typer(integrations_app, name="integrations")
app.add_typer(reference_app, name="reference")
app.add_typer(db_app, name="db")
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
            envvar=db.ENV_URL,
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


def _inventory(ctx: typer.Context) -> Inventory:
    obj = ctx.find_root().obj
    inventory = Inventory.open(obj["db"], reference_dirs=obj["reference"], actor=obj["actor"])
    ctx.call_on_close(inventory.close)
    return inventory


def _print_json(data: Any) -> None:
    # orjson writes the same indented text as json.dumps(indent=2) in a fraction of the time
    # (json's indenting encoder is pure Python: seconds on a 20,000-tool analysis).
    sys.stdout.buffer.write(orjson.dumps(data, default=_json_default, option=_JSON_OPTIONS))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def _json_default(value: Any) -> Any:
    """What orjson does not write itself: money, as a number (as jsonable does)."""
    if isinstance(value, Decimal):
        return float(value)
    converted = jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return converted


def _money(amount: Decimal | None, currency: str | None) -> str:
    if amount is None:
        return "—"
    return f"{currency or ''} {amount:,.0f}".strip()


def _text(value: Any) -> Text:
    """User data as plain text: a vendor named "[red]X" must not restyle the table."""
    if value is None or value == "":
        return Text("—", style="dim")
    if isinstance(value, list | tuple):
        return Text(", ".join(map(str, value)))
    return Text(str(value))


# --- catalog ---------------------------------------------------------------------------------


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the catalog database (or bring its schema up to date) and say where it is."""
    inventory = _inventory(ctx)
    out.print(Text(f"Catalog ready at {inventory.location}"))


@app.command()
def info(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Show the version, the database location (password masked), schema revision and counts."""
    inventory = _inventory(ctx)
    data: dict[str, Any] = {
        "version": __version__,
        "database": inventory.location,
        "schema_revision": db.current_revision(inventory.engine),
        "reference": [str(p) for p in inventory.reference.sources],
        "reference_counts": {
            "areas": len(inventory.reference.areas),
            "capabilities": len(inventory.reference.capabilities),
            "categories": len(inventory.reference.categories),
            "subcategories": len(inventory.reference.subcategories),
            "products": len(inventory.reference.products),
        },
        "counts": inventory.counts(),
    }
    if as_json:
        _print_json(data)
        return
    out.print(Text(f"stackmap {__version__}"))
    out.print(Text(f"Database:  {data['database']} (schema {data['schema_revision']})"))
    out.print(Text(f"Reference: {', '.join(data['reference'])}"))
    ref = data["reference_counts"]
    out.print(
        Text(
            f"           {ref['areas']} areas, {ref['capabilities']} capabilities, "
            f"{ref['subcategories']} subcategories, {ref['products']} products"
        )
    )
    out.print(
        Text(
            "Catalog:   "
            + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in data["counts"].items())
        )
    )


@app.command()
def tools(
    ctx: typer.Context,
    status: Annotated[
        list[ToolStatus] | None, typer.Option("--status", help="Only tools with this status.")
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Only names containing this.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """List the tools in the catalog with owner, cost, renewal and capabilities."""
    inventory = _inventory(ctx)
    rows = inventory.tools(status=[s.value for s in status or []], search=search)
    if as_json:
        _print_json([row.to_json() for row in rows])
        return
    table = Table(title=f"{len(rows)} tools", title_justify="left")
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
        table.add_column(
            column, justify="right" if column in ("Annual cost", "Seats", "Links") else "left"
        )
    for row in rows:
        seats = f"{row.seats_active or 0}/{row.seats_purchased}" if row.seats_purchased else "—"
        table.add_row(
            _text(row.name),
            _text(row.vendor),
            _text(row.category),
            _text(row.status),
            _text(row.owner),
            _text(_money(row.annual_cost, row.currency)),
            _text(row.renewal_date.isoformat() if row.renewal_date else None),
            _text(seats),
            _text(row.integrations),
        )
    out.print(table)


@app.command()
def history(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many changes.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Show the most recent changes to the catalog: who, when, what (old → new)."""
    rows = _inventory(ctx).history(limit=limit)
    if as_json:
        _print_json([r.to_json() for r in rows])
        return
    table = Table(title="Recent changes", title_justify="left")
    for column in ("When (UTC)", "Who", "What", "Action", "Changes"):
        table.add_column(column)
    for r in rows:
        changes = "; ".join(f"{k}: {short(v[0])} → {short(v[1])}" for k, v in r.changes.items())
        table.add_row(
            _text(r.at.strftime("%Y-%m-%d %H:%M")),
            _text(r.actor),
            _text(f"{r.entity} {r.label}"),
            _text(r.action),
            _text(changes),
        )
    out.print(table)


# --- keeping the catalog safe ---------------------------------------------------------------


def _records(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {file.removesuffix('.yaml')}" for file, n in counts.items() if n)


@app.command()
def dump(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Directory to write (created if needed).")],
) -> None:
    """Write the whole catalog as sorted, diffable YAML files, one per kind (to keep in git)."""
    counts = dump_catalog(_inventory(ctx).engine, directory)
    out.print(Text(f"Wrote {sum(counts.values()):,} records to {directory}: {_records(counts)}"))


@app.command()
def load(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="A directory written by `stackmap dump`.")],
) -> None:
    """Load a dump into an empty catalog, all or nothing (restore replaces a catalog)."""
    counts = load_catalog(_inventory(ctx).engine, directory)
    out.print(Text(f"Loaded {sum(counts.values()):,} records from {directory}: {_records(counts)}"))


@app.command()
def backup(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="The backup file to write.")],
) -> None:
    """Back up the live catalog: SQLite's online backup, or a logical dump of a server catalog."""
    result = backup_catalog(_inventory(ctx).engine, out_path)
    what = "SQLite database" if result.kind == "sqlite" else "dump archive"
    out.print(Text(f"Backed up {result.rows:,} records to {result.path} ({what})"))


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
    inventory = _inventory(ctx)
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
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    keep = safety_copy_path(inventory.engine, stamp)
    if keep is not None:
        backup_catalog(inventory.engine, keep)
    try:
        result = restore_snapshot(inventory.engine, source, kind, snap)
    except BaseException:
        if keep is not None:  # the catalog is unchanged: the copy would only be clutter
            keep.unlink(missing_ok=True)
        raise
    out.print(Text(f"Restored {result.rows:,} records from {source}"))
    if keep is not None:
        out.print(Text(f"The catalog as it was is kept in {keep}"))


# --- one tool ---------------------------------------------------------------------------------

# The options `tool add` and `tool edit` share, declared once: (name, type, option).
_TOOL_OPTIONS: list[tuple[str, Any, Any]] = [
    ("vendor", str | None, typer.Option("--vendor", help="Vendor (company) name.")),
    (
        "category",
        str | None,
        typer.Option("--category", help="Landscape subcategory (slug or name)."),
    ),
    ("status", ToolStatus | None, typer.Option("--status", help="Lifecycle status.")),
    ("description", str | None, typer.Option("--description", help="What the tool is used for.")),
    (
        "business_owner",
        str | None,
        typer.Option("--owner", help="Business owner (person or team)."),
    ),
    (
        "technical_owner",
        str | None,
        typer.Option("--technical-owner", help="Technical owner or admin."),
    ),
    (
        "business_units",
        list[str] | None,
        typer.Option("--business-unit", help="Business unit (repeatable)."),
    ),
    ("website", str | None, typer.Option("--website", help="Product website.")),
    ("tags", list[str] | None, typer.Option("--tag", help="Tag (repeatable).")),
    ("notes", str | None, typer.Option("--notes", help="Free-form notes.")),
    (
        "journey_stages",
        list[str] | None,
        typer.Option("--journey-stage", help="Customer-journey stage served (repeatable)."),
    ),
    (
        "capabilities",
        list[str] | None,
        typer.Option("--capability", help="Capability provided (repeatable; slug or name)."),
    ),
    (
        "disposition",
        Disposition | None,
        typer.Option("--disposition", help="Rationalisation decision."),
    ),
    (
        "functional_fit",
        int | None,
        typer.Option(
            "--functional-fit",
            min=1,
            max=5,
            help="Your rating of its business value, 1-5 (overrides the derived one).",
        ),
    ),
    (
        "technical_fit",
        int | None,
        typer.Option(
            "--technical-fit",
            min=1,
            max=5,
            help="Your rating of its technical fit, 1-5 (overrides the derived one).",
        ),
    ),
    ("decision_note", str | None, typer.Option("--decision-note", help="Why that decision.")),
    (
        "annual_cost",
        str | None,
        typer.Option(
            "--annual-cost", help="Cost per year: 12600, $12,600, 12.6k, EUR 2,100/month."
        ),
    ),
    (
        "amount",
        str | None,
        typer.Option("--amount", help="Amount per billing period, as written on the contract."),
    ),
    ("currency", str | None, typer.Option("--currency", help="ISO currency code, e.g. USD.")),
    (
        "billing_period",
        BillingPeriod | None,
        typer.Option("--billing-period", help="How often the amount is billed."),
    ),
    (
        "term_months",
        int | None,
        typer.Option("--term-months", help="Contract term in months (multi-year amounts)."),
    ),
    (
        "start_date",
        str | None,
        typer.Option("--start-date", help="Contract start: 2027-03-31 or 31 Mar 2027."),
    ),
    (
        "end_date",
        str | None,
        typer.Option("--end-date", help="Contract end: 2027-03-31 or 31 Mar 2027."),
    ),
    (
        "renewal_date",
        str | None,
        typer.Option("--renewal-date", help="Next renewal: 2027-03-31 or 31 Mar 2027."),
    ),
    (
        "notice_days",
        str | None,
        typer.Option("--notice-days", help="Notice period: 90, 90 days, 3 months."),
    ),
    (
        "auto_renew",
        bool | None,
        typer.Option("--auto-renew/--no-auto-renew", help="Renews automatically."),
    ),
    ("seats_purchased", int | None, typer.Option("--seats-purchased", help="Licences bought.")),
    (
        "seats_assigned",
        int | None,
        typer.Option("--seats-assigned", help="Licences assigned to people."),
    ),
    ("seats_active", int | None, typer.Option("--seats-active", help="Licences actively used.")),
    (
        "pricing_model",
        PricingModel | None,
        typer.Option(
            "--pricing-model", help="How it is priced: only per-seat licences waste idle seats."
        ),
    ),
    ("cost_centre", str | None, typer.Option("--cost-centre", help="Finance cost centre.")),
]
_CONTRACT_KEYS = set(ContractFields.model_fields) - {"notes"}


def _with_options(
    *leading: inspect.Parameter,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the shared tool options after its own leading parameters."""

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        params = list(leading) + [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[kind, option],
            )
            for name, kind, option in _TOOL_OPTIONS
        ]
        func.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        return func

    return decorate


def _option_name(field: str) -> str:
    """Return the option a person typed for a field, for error messages."""
    for name, _, option in _TOOL_OPTIONS:
        if name == field:
            # In Annotated form Typer keeps the first declaration where a default would be.
            decls = [d for d in (option.default, *option.param_decls) if isinstance(d, str)]
            return decls[0].split("/")[0]
    return "--" + field.replace("_", "-")


# Options read as an import reads a cell ("$12,600", "31 Mar 2027", "3 months").
_TEXT_OPTIONS = ("annual_cost", "amount", "start_date", "end_date", "renewal_date", "notice_days")


def _split(
    values: dict[str, Any], clear: Sequence[str] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    from stackmap.importers.edits import read_edits

    given = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items() if v is not None}
    typed = {k: given.pop(k) for k in _TEXT_OPTIONS if k in given}
    typed.update(dict.fromkeys(clear, ""))  # an empty value clears the field
    read_tool, read_contract = read_edits(typed, _option_name)
    contract = {k: v for k, v in given.items() if k in _CONTRACT_KEYS}
    said = read_contract.get("currency")
    if "currency" in contract and said and str(contract["currency"]).upper() != said:
        raise InvalidValueError(
            f"--currency says {contract['currency']} but the amount says {said}"
        )
    contract = {**read_contract, **contract}
    tool = {**read_tool, **{k: v for k, v in given.items() if k not in _CONTRACT_KEYS}}
    return tool, contract


def _ctx_param() -> inspect.Parameter:
    return inspect.Parameter(
        "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
    )


def _name_param(help_text: str) -> inspect.Parameter:
    return inspect.Parameter(
        "name",
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=Annotated[str, typer.Argument(help=help_text, show_default=False)],
    )


def _print_detail(
    inventory: Inventory, name: str, as_json: bool = False, today: date | None = None
) -> None:
    detail = inventory.tool(name, today=today)
    if as_json:
        _print_json(detail.to_json())
        return
    s = detail.summary
    ref = inventory.reference
    out.print(Text(s.name, style="bold"))
    lines = [
        ("Vendor", s.vendor),
        (
            "Category",
            ref.subcategories[s.category].name if s.category in ref.subcategories else s.category,
        ),
        ("Status", s.status),
        ("Business owner", s.owner),
        ("Technical owner", s.technical_owner),
        ("Business units", ", ".join(s.business_units) or None),
        ("Annual cost", _money(s.annual_cost, s.currency) if s.annual_cost is not None else None),
        ("Renewal", s.renewal_date.isoformat() if s.renewal_date else None),
        ("Notice", f"{s.notice_days} days" if s.notice_days is not None else None),
        (
            "Seats (active/bought)",
            f"{s.seats_active or 0}/{s.seats_purchased}" if s.seats_purchased else None,
        ),
        (
            "Capabilities"
            + (
                f" (inferred from {INFERRED_FROM[s.capabilities_inferred]})"
                if s.capabilities_inferred
                else ""
            ),
            ", ".join(
                ref.capabilities[c].name if c in ref.capabilities else c for c in s.capabilities
            )
            or None,
        ),
        ("Journey", ", ".join(detail.journey_stages) or None),
        (
            "Disposition",
            f"{s.disposition} — {detail.decision_note or ''}".rstrip(" —")
            if s.disposition
            else None,
        ),
        ("Library product", detail.library_product),
        ("Website", detail.website),
        ("Notes", detail.notes),
    ]
    lines += [(f"{k} (imported)", str(v)) for k, v in detail.extra.items()]
    for label, value in lines:
        if value:
            out.print(Text(f"  {label:<22}") + Text(str(value)))
    if detail.contracts:
        out.print(Text("  Contracts", style="bold"))
        for c in detail.contracts:
            term = f"{c.start_date or '?'} → {c.end_date or 'open'}"
            out.print(
                Text(f"    {term}: {_money(c.annual_cost, c.currency)}/year{_terms(c, today)}")
            )
    if detail.spend:
        out.print(Text("  Actual spend (finance reports)", style="bold"))
        for sp in detail.spend:
            out.print(
                Text(
                    f"    {sp.period_start} → {sp.period_end}: {_money(sp.amount, sp.currency)} in "
                    f"{sp.invoices} invoice(s) from {sp.supplier} "
                    + (
                        f"({_money(sp.annual_amount, sp.currency)} a year: {sp.annualised_by})"
                        if sp.annual_amount is not None
                        else f"(a year: unknown — {sp.annualised_by or 'cadence unknown'})"
                    )
                )
            )
    if detail.integrations:
        out.print(Text("  Integrations", style="bold"))
        for i in detail.integrations:
            out.print(Text(f"    {i.source} → {i.target} ({i.method}, {i.status})"))


@tool_app.command("show")
def tool_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Tool name (or a product alias, e.g. SFMC).")],
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
    as_of: AsOf = None,
) -> None:
    """Show everything the catalog knows about one tool."""
    _print_detail(_inventory(ctx), name, as_json, _as_of(as_of))


@tool_app.command("add")
@_with_options(
    _ctx_param(),
    _name_param("Name of the tool as your team calls it."),
    inspect.Parameter(
        "allow_same_product",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool,
            typer.Option(
                "--allow-same-product", help="Allow a second tool of the same library product."
            ),
        ],
    ),
)
def tool_add(
    ctx: typer.Context, name: str, allow_same_product: bool = False, **options: Any
) -> None:
    """Add a tool; vendor, category and capabilities come from the product library when known."""
    inventory = _inventory(ctx)
    tool, contract = _split(options)
    fields = parse(ToolFields, {"name": name, **tool}, _option_name)
    terms = parse(ContractFields, contract, _option_name) if contract else None
    detail = inventory.add_tool(fields, terms, allow_same_product=allow_same_product)
    out.print(Text(f"Added {detail.summary.name}"))
    _print_detail(inventory, detail.summary.name)


@tool_app.command("edit")
@_with_options(
    _ctx_param(),
    _name_param("Name of the tool to change."),
    inspect.Parameter(
        "rename",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[str | None, typer.Option("--rename", help="New name.")],
    ),
    inspect.Parameter(
        "clear",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            list[str] | None,
            typer.Option(
                "--clear",
                help="Empty a field (repeatable): notes, renewal-date, technical-owner…",
            ),
        ],
    ),
)
def tool_edit(
    ctx: typer.Context,
    name: str,
    rename: str | None = None,
    clear: list[str] | None = None,
    **options: Any,
) -> None:
    """Change a tool's fields and current contract; only the options given change, and
    --clear empties a field (repeatable)."""
    from stackmap.importers.edits import LABELS

    inventory = _inventory(ctx)
    unknown = [f for f in clear or [] if f.replace("-", "_") not in LABELS]
    if unknown:
        known = ", ".join(f.replace("_", "-") for f in LABELS)
        raise fail(f"--clear {', '.join(unknown)}: not a field; one of {known}", 64)
    tool, contract = _split(options, [f.replace("-", "_") for f in clear or []])
    if not tool and not contract and rename is None:
        raise fail("nothing to change: give at least one option (see --help)", 64)
    detail = inventory.edit_tool(name, tool, contract or None, rename=rename)
    out.print(Text(f"Updated {detail.summary.name}"))


@tool_app.command("retire")
def tool_retire(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the tool to retire.")],
    note: Annotated[str | None, typer.Option("--note", help="Why it is retired.")] = None,
) -> None:
    """Mark a tool retired; it stays in the catalog with its history."""
    detail = _inventory(ctx).retire_tool(name, note)
    out.print(Text(f"Retired {detail.summary.name}"))


# --- integrations -----------------------------------------------------------------------------


@integrations_app.callback(invoke_without_command=True)
def integrations_list(
    ctx: typer.Context,
    tool: Annotated[
        str | None, typer.Option("--tool", help="Only integrations of this tool.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """List integrations (`stackmap integrations`), or add one (`stackmap integrations add`)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = _inventory(ctx).integrations(tool)
    if as_json:
        _print_json([r.to_json() for r in rows])
        return
    table = Table(title=f"{len(rows)} integrations", title_justify="left")
    for column in ("From", "To", "Direction", "Method", "Data", "Frequency", "Status", "Owner"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            _text(r.source),
            _text(r.target),
            _text(r.direction),
            _text(r.method),
            _text(r.data_objects),
            _text(r.frequency),
            _text(r.status),
            _text(r.owner),
        )
    out.print(table)


@integrations_app.command("add")
def integrations_add(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Tool the data comes from.")],
    target: Annotated[str, typer.Argument(help="Tool the data goes to.")],
    method: Annotated[
        IntegrationMethod, typer.Option("--method", help="How it is connected.")
    ] = IntegrationMethod.API,
    direction: Annotated[
        IntegrationDirection, typer.Option("--direction")
    ] = IntegrationDirection.ONE_WAY,
    data_objects: Annotated[
        list[str] | None, typer.Option("--data", help="Data object carried (repeatable).")
    ] = None,
    frequency: Annotated[Frequency | None, typer.Option("--frequency")] = None,
    status: Annotated[IntegrationStatus, typer.Option("--status")] = IntegrationStatus.ACTIVE,
    owner: Annotated[str | None, typer.Option("--owner", help="Who keeps it running.")] = None,
) -> None:
    """Add an integration: data flowing from SOURCE to TARGET."""
    fields = parse(
        IntegrationFields,
        {
            "source": source,
            "target": target,
            "method": method,
            "direction": direction,
            "data_objects": data_objects or [],
            "frequency": frequency,
            "status": status,
            "owner": owner,
        },
    )
    view = _inventory(ctx).add_integration(fields)
    out.print(Text(f"Added {view.source} → {view.target} ({view.method})"))


# --- import -----------------------------------------------------------------------------------


# --- analysis --------------------------------------------------------------------------------


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2027-01-31") from None


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


AllTools = Annotated[
    bool,
    typer.Option(
        "--all-tools",
        help="Count tools outside marketing (HR, finance, security, IT, engineering) in "
        "coverage, overlap, gaps and recommendations too.",
    ),
]


def _terms(contract: ContractView, today: date | None) -> str:
    """Where a contract stands on `today`, from the contract engine, for `tool show`."""
    p = position(contract, today or date.today())
    if p.renewal_date is None:
        return f" ({p.state}{'; ' + '; '.join(p.notes) if p.notes else ''})"
    decide = f"decide by {p.decide_by}" if p.decide_by else "notice period not recorded"
    text = f", {'ended' if p.state == 'lapsed' else 'renews'} {p.renewal_date} ({p.state}"
    if p.state != "lapsed":
        text += f"; {decide}"
        if p.exit_date and p.exit_date != p.renewal_date:
            text += f"; earliest exit {p.exit_date}"
    return text + ")"


def _amount(value: str | None, option: str) -> Decimal | None:
    """An amount given on the command line: digits, with thousands separators allowed."""
    if value is None:
        return None
    try:
        amount = Decimal(value.replace(",", "").replace("_", "").strip())
    except ArithmeticError:
        raise typer.BadParameter(
            f"{value!r} is not an amount like 12000", param_hint=option
        ) from None
    if not amount.is_finite() or amount < 0:
        raise typer.BadParameter(f"{value!r} is not an amount like 12000", param_hint=option)
    return amount


Only = Annotated[
    list[ToolStatus] | None,
    typer.Option(
        "--only",
        help="Count only tools with this status (repeatable), in every view including the "
        "money ones (which otherwise also show sunsetting tools).",
    ),
]


def _statuses(include: list[ToolStatus] | None, only: list[ToolStatus] | None) -> dict[str, Any]:
    """The stack's counted statuses and money-view statuses from --include / --only."""
    if only and include:
        raise typer.BadParameter("use --include or --only, not both", param_hint="--only")
    if only:
        statuses = list(dict.fromkeys(s.value for s in only))
        return {"counted": statuses, "paid_statuses": statuses}
    return {"counted": _counted(include)}


def _counted(include: list[ToolStatus] | None) -> list[str]:
    return list(dict.fromkeys(["active", *(s.value for s in include or [])]))


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
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Overlaps, gaps, integration health, spend, renewals and suggested dispositions, with why."""
    unknown = [s for s in section or [] if s not in SECTIONS]
    if unknown:
        raise typer.BadParameter(
            f"unknown section {unknown[0]!r}; use one of {', '.join(SECTIONS)}",
            param_hint="--section",
        )
    statuses = _statuses(include, only)
    stack = _inventory(ctx).stack(
        _as_of(as_of), statuses.pop("counted"), all_tools=all_tools, **statuses
    )
    result = run_analysis(stack)
    if as_json:
        _print_json(result.to_json())
        return
    render_analysis(out, result, section or SECTIONS)


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
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """What retiring tools would break and save: capabilities, integrations, money, deadlines."""
    if target_cost is not None and into is None:
        raise typer.BadParameter("--target-cost needs --into", param_hint="--target-cost")
    statuses = _statuses(include, only)
    stack = _inventory(ctx).stack(
        _as_of(as_of), statuses.pop("counted"), all_tools=all_tools, **statuses
    )
    result = what_if(
        stack,
        retire,
        into,
        target_cost=_amount(target_cost, "--target-cost"),
        migration_cost=_amount(migration_cost, "--migration-cost"),
    )
    if as_json:
        _print_json(plain(result))
        return
    render_what_if(out, result)


@app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Workbook (xlsx, xlsm, xls, ods) or CSV/TSV file.")],
    sheet: Annotated[str | None, typer.Option("--sheet", help="Read this sheet only.")] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="A saved column mapping (name or YAML path).")
    ] = None,
    dayfirst: Annotated[
        bool | None,
        typer.Option(
            "--dayfirst/--monthfirst",
            help="How numeric dates like 03/04/2027 are written (inferred when the file shows).",
        ),
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Currency of amounts that do not say.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse the file when any value cannot be read (for automated pipelines); by "
            "default such a value is left unknown, kept as written and reported.",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="With --strict: import the valid rows, skip rows with errors."
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Write every problem (row, column, value, reason) to a CSV."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Write the result as JSON to stdout.")
    ] = False,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="With --spend: the period the report covers, START..END (when it does not "
            "say, e.g. a supplier-totals pivot with no dates).",
        ),
    ] = None,
    spend: Annotated[
        bool,
        typer.Option(
            "--spend",
            help="The file is a finance spend report (invoice lines): add up annual spend per "
            "supplier and record it on the matching tools.",
        ),
    ] = False,
) -> None:
    """Import tools and integrations from a spreadsheet as people keep them (one transaction)."""
    from stackmap.importers.spend import SpendPlan
    from stackmap.importers.spreadsheet import ImportPlan
    from stackmap.intake import ImportRequest, apply_file, plan_file

    inventory = _inventory(ctx)
    request = ImportRequest(
        path,
        spend=spend,
        sheet=sheet,
        profile=profile,
        dayfirst=dayfirst,
        currency=currency,
        strict=strict,
        skip_invalid=skip_invalid,
        rejects=rejects,
        period=period,
    )
    with _progress() as progress:
        planned = plan_file(inventory, request, progress)
        if rejects is not None:
            _write_issues(rejects, planned.plan.file, planned.issues)
        try:
            result = apply_file(inventory, planned, dry_run=dry_run, progress=progress)
        except InvalidValueError:
            if not as_json and isinstance(planned.plan, ImportPlan):
                # What each column was taken as, before the one-line refusal.
                for sheet_plan in planned.plan.sheets:
                    for line in sheet_lines(sheet_plan):
                        out.print(Text(line))
            raise
    plan = planned.plan
    if isinstance(plan, SpendPlan):
        _show_spend(plan, result, dry_run, as_json)
    elif isinstance(plan, ImportPlan):
        if as_json:
            _print_json(_import_json(plan, result))
            return
        for line in import_lines(plan, result):
            out.print(Text(line))
    else:
        _show_decisions(plan, result, dry_run, as_json)


class _Bar:
    """Draws the stages of an import on stderr (the Progress protocol, with Rich)."""

    def __init__(self, bar: RichProgress) -> None:
        self.bar = bar
        self.task: TaskID | None = None
        self.total = 1

    def stage(self, description: str, total: int | None = None) -> None:
        if self.task is not None:  # the previous stage is complete
            self.bar.update(self.task, completed=self.total, total=self.total)
        self.total = total or 1
        self.task = self.bar.add_task(description, total=total)

    def advance(self, steps: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, steps)


@contextmanager
def _progress() -> Iterator[Progress]:
    """Yield a progress reporter: bars on a terminal's stderr, nothing otherwise."""
    if not err.is_terminal:
        yield SILENT
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with RichProgress(*columns, console=err, transient=True) as bar:
        yield _Bar(bar)


def _show_spend(plan: SpendPlan, result: LoadResult, dry_run: bool, as_json: bool) -> None:
    suppliers = [
        {
            "supplier": m.spend.supplier,
            "currency": m.spend.currency,
            "invoices": m.spend.invoices,
            "amount": m.spend.amount,
            "annual_amount": m.annual_amount,
            "annualised_by": m.annualised_by,
            "status": m.status,
            "tool": m.tool,
            "reason": m.reason,
        }
        for m in plan.matches
    ]
    if as_json:
        _print_json(
            {
                "file": plan.file,
                "period_start": plan.period_start,
                "period_end": plan.period_end,
                "months": plan.months,
                "period_source": plan.period_source,
                "dry_run": dry_run,
                "counts": result.counts(),
                "suppliers": suppliers,
            }
        )
        return
    verb = "Would record" if dry_run else "Recorded"
    out.print(
        Text(
            f"{plan.file}: covers {plan.period_start} to {plan.period_end} ({plan.months} "
            f"months), {plan.period_source}"
        )
    )
    table = Table(
        title=f"{verb} spend for {sum(1 for m in plan.matches if m.status == 'matched')} "
        f"of {len(plan.matches)} suppliers",
        title_justify="left",
    )
    for column in ("Supplier", "Annual spend", "How annualised", "Invoices", "Tool", "Why"):
        table.add_column(
            column, justify="right" if column in ("Annual spend", "Invoices") else "left"
        )
    for m in plan.matches:
        table.add_row(
            _text(m.spend.supplier),
            _text(
                _money(m.annual_amount, m.spend.currency)
                if m.annual_amount is not None
                else "unknown"
            ),
            _text(m.annualised_by),
            _text(m.spend.invoices),
            _text(m.tool),
            _text(m.reason),
        )
    out.print(table)
    for issue in plan.issues:
        if issue.severity != "skipped":
            out.print(Text(f"  {issue.severity}: {issue.line(plan.file)}"))


def _write_issues(path: Path, file: str, issues: list[Issue]) -> None:
    import csv

    with atomic_write(path, newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "row", "column", "value", "severity", "reason"])
        for issue in issues:
            writer.writerow(
                [
                    safe_text(str(v))
                    for v in (
                        file,
                        issue.row,
                        issue.column,
                        issue.value,
                        issue.severity,
                        issue.reason,
                    )
                ]
            )


def _import_json(plan: Any, result: Any) -> dict[str, Any]:
    return {
        "file": plan.file,
        "sha256": plan.sha256,
        "profile": plan.profile,
        "dry_run": result.dry_run,
        "batch_id": result.batch_id,
        "counts": result.counts(),
        "sheets": [
            {
                "name": s.name,
                "kind": s.kind,
                "header_row": s.header_row,
                "rows": s.rows,
                "columns": [
                    {
                        "header": c.header,
                        "field": c.field,
                        "how": c.how,
                        "role": c.role,
                        "why": c.why,
                    }
                    for c in s.columns
                ],
            }
            for s in plan.sheets
        ],
        "tools": [
            {"name": o.label, "action": o.action, "row": o.source_row, "changes": o.changes}
            for o in result.tools
        ],
        "integrations": [
            {"name": o.label, "action": o.action, "changes": o.changes} for o in result.integrations
        ],
        "issues": [
            {
                "row": i.row,
                "column": i.column,
                "value": i.value,
                "severity": i.severity,
                "reason": i.reason,
            }
            for i in plan.issues
        ],
        "notes": plan.notes,
    }


@app.command()
def template(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the workbook (.xlsx).")],
) -> None:
    """Write a blank import workbook: stackmap's columns, dropdowns and a read-me sheet."""
    from stackmap.export.template import write_template

    written = write_template(path, _reference(ctx))
    out.print(Text(f"Wrote {written}"))


Retire = Annotated[
    list[str] | None,
    typer.Option("--retire", help="Add the what-if view of retiring this tool (repeatable)."),
]
Into = Annotated[
    str | None, typer.Option("--into", help="In the what-if, consolidate into this tool.")
]


def _scenario(include: list[ToolStatus] | None, as_of: str | None) -> dict[str, Any]:
    return {"today": _as_of(as_of), "counted": tuple(_counted(include))}


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
    source = export_workbook(
        _inventory(ctx),
        path,
        retire=retire,
        into=into,
        all_tools=all_tools,
        **_scenario(include, as_of),
    )
    out.print(
        Text(
            f"Wrote {path}: {source.analysis.tools_total} tools, catalog state "
            f"{source.catalog_id}. Reviewers fill in the Inventory's Decision, Decision owner and "
            f"Comment; then `stackmap import-decisions {path.name}`."
        )
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
    result = export_map(
        _inventory(ctx),
        path,
        retire=retire,
        into=into,
        all_tools=all_tools,
        **_scenario(include, as_of),
    )
    out.print(
        Text(
            f"Wrote {path}: {result.nodes} tools, {result.edges} integrations; "
            "open it in a browser."
        )
    )


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
    if overlay not in OVERLAYS:
        raise typer.BadParameter(f"choose one of {', '.join(OVERLAYS)}", param_hint="--overlay")
    result = export_diagram(_inventory(ctx), path, overlay=overlay, **_scenario(include, as_of))
    pages = "one page" if result.pages == 1 else f"{result.pages} pages"
    out.print(Text(f"Wrote {path}: {result.tools} tools on {pages} (A4 landscape)"))


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
    statuses = _statuses(include, only)
    count = export_calendar(
        _inventory(ctx),
        path,
        today=_as_of(as_of),
        counted=tuple(statuses["counted"]),
        paid_statuses=tuple(statuses["paid_statuses"]) if "paid_statuses" in statuses else None,
    )
    out.print(Text(f"Wrote {path}: {count} dates (decide-by and renewal) to import."))


@app.command("import-decisions")
def import_decisions(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A reviewed workbook from `export workbook`.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    apply_changed: Annotated[
        bool,
        typer.Option(
            "--apply-changed",
            help="Also apply decisions on tools that changed in the catalog since the export.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Read reviewers' decisions from the workbook back into the catalog (one transaction)."""
    _decisions(_inventory(ctx), path, dry_run, apply_changed, as_json)


def _decisions(
    inventory: Inventory, path: Path, dry_run: bool, apply_changed: bool, as_json: bool
) -> None:
    plan = plan_decisions(inventory, path, apply_changed=apply_changed)
    _show_decisions(plan, apply_decisions(inventory, plan, dry_run=dry_run), dry_run, as_json)


def _show_decisions(plan: DecisionPlan, result: LoadResult, dry_run: bool, as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "file": plan.file,
                "dry_run": dry_run,
                "batch_id": result.batch_id,
                "changed": [
                    {"row": c.row, "tool": c.tool, "old": c.old, "new": c.new} for c in plan.changes
                ],
                "unchanged": plan.unchanged,
                "skipped": plan.skipped,
            }
        )
        return
    verb = "Would record" if dry_run else "Recorded"
    out.print(Text(f"{verb} {len(plan.changes)} decision(s) from {plan.file}:"))
    for change in plan.changes:
        diff = ", ".join(
            f"{k.replace('_', ' ')} {change.old[k] or '—'} → {v}"
            for k, v in change.new.items()
            if change.old[k] != v
        )
        out.print(Text(f"  row {change.row}: {change.tool}: {diff}"))
    if plan.unchanged:
        out.print(Text(f"{plan.unchanged} decision(s) already recorded; unchanged."))
    for line in plan.skipped:
        out.print(Text(f"Not applied — {line}"))
    if dry_run:
        out.print(Text("Dry run: nothing was written."))


# --- reference --------------------------------------------------------------------------------


def _reference(ctx: typer.Context) -> Any:
    return load_reference(ctx.find_root().obj["reference"])


@reference_app.callback(invoke_without_command=True)
def reference_areas(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Show the five capability areas and their capabilities (`stackmap reference`)."""
    if ctx.invoked_subcommand is not None:
        return
    ref = _reference(ctx)
    if as_json:
        _print_json([a.model_dump() for a in ref.areas])
        return
    for area in ref.areas:
        out.print(Text(f"{area.name}", style="bold") + Text(f" — {area.description}"))
        for c in area.capabilities:
            mark = "*" if c.required else " "
            out.print(Text(f"  {mark} {c.slug:<28} {c.name}"))
    out.print(
        Text("* expected in a typical B2B stack (the default set for gap analysis)", style="dim")
    )


@reference_app.command("capabilities")
def reference_capabilities(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """List every capability with its area and description."""
    ref = _reference(ctx)
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
        _print_json(rows)
        return
    table = Table()
    for column in ("Capability", "Name", "Area", "Required", "Description"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            *(
                _text("yes" if v is True else "" if v is False else v)
                for v in (r["slug"], r["name"], r["area"], r["required"], r["description"])
            )
        )
    out.print(table)


@reference_app.command("categories")
def reference_categories(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """List the landscape categories and subcategories with the capabilities each maps to."""
    ref = _reference(ctx)
    if as_json:
        _print_json([c.model_dump() for c in ref.categories])
        return
    for category in ref.categories:
        out.print(Text(category.name, style="bold"))
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
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """List the product library: vendor, category, capabilities and aliases."""
    ref = _reference(ctx)
    needle = (search or "").casefold()
    rows = [
        p
        for p in ref.products
        if not needle or any(needle in n.casefold() for n in (p.name, *p.aliases))
    ]
    if as_json:
        _print_json([p.model_dump() for p in rows])
        return
    table = Table(title=f"{len(rows)} products", title_justify="left")
    for column in ("Product", "Vendor", "Category", "Also known as"):
        table.add_column(column)
    for p in rows:
        table.add_row(_text(p.name), _text(p.vendor), _text(p.category), _text(p.aliases))
    out.print(table)


# --- database ---------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations (opening the catalog does this too)."""
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
    out.print(Text(f"{db.mask_url(url)}: {message} schema {after}"))


# --- demo -------------------------------------------------------------------------------------


@app.command()
def demo(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("--output", help="Folder for the demo catalog and files.")
    ] = DEFAULT_OUTPUT,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON to stdout.")] = False,
) -> None:
    """Build a catalog from the bundled sample files and print what stackmap found."""
    obj = ctx.find_root().obj
    report = run_demo(
        output, database=obj["db"], reference_dirs=obj["reference"], actor=obj["actor"]
    )
    if as_json:
        _print_json(report.to_json())
        return
    for line in report.lines():
        out.print(Text(line))
    out.print()
    render_analysis(out, report.analysis, DEMO_SECTIONS)
    database = obj["db"] or str(output / "demo.db")
    out.print(
        Text(
            f"Explore further: stackmap --db {database} analyze (all sections, or --json); "
            f"stackmap --db {database} whatif --retire NAME [--into NAME]",
            style="dim",
        )
    )


@app.command()
def tui(ctx: typer.Context) -> None:
    """Open the terminal UI: dashboard, tools, tool detail and decisions, what-if."""
    from stackmap.tui.app import create_app  # Textual loads only for this command

    create_app(_inventory(ctx)).run()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI (the `stackmap` console script)."""
    app(args=list(argv) if argv is not None else None, prog_name="stackmap")
