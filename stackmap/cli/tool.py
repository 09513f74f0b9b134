"""One tool and its links: `tool show|add|edit|retire` and `integrations [add]`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stackmap.cli.base import (
    AsOf,
    Json,
    as_of_date,
    commands,
    fail,
    money,
    open_inventory,
    open_reader,
    out,
    print_json,
    say,
    text,
)
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
from stackmap.errors import InvalidValueError

if TYPE_CHECKING:
    from stackmap.reads import ReadCatalog
    from stackmap.views import ContractView

tool_app = commands("Show, add, edit and retire one tool.", no_args_is_help=True)
integrations_app = commands("List and add integrations between tools.")

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
    from stackmap.schemas import ContractFields

    contract_keys = set(ContractFields.model_fields) - {"notes"}
    given = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items() if v is not None}
    typed = {k: given.pop(k) for k in _TEXT_OPTIONS if k in given}
    typed.update(dict.fromkeys(clear, ""))  # an empty value clears the field
    read_tool, read_contract = read_edits(typed, _option_name)
    contract = {k: v for k, v in given.items() if k in contract_keys}
    said = read_contract.get("currency")
    if "currency" in contract and said and str(contract["currency"]).upper() != said:
        raise InvalidValueError(
            f"--currency says {contract['currency']} but the amount says {said}"
        )
    contract = {**read_contract, **contract}
    tool = {**read_tool, **{k: v for k, v in given.items() if k not in contract_keys}}
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
    catalog: ReadCatalog, name: str, as_json: bool = False, today: date | None = None
) -> None:
    from rich.text import Text

    from stackmap.views import INFERRED_FROM

    detail = catalog.tool(name, today=today)
    if as_json:
        print_json(detail.to_json())
        return
    s = detail.summary
    ref = catalog.reference
    say(s.name, style="bold")
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
        ("Annual cost", money(s.annual_cost, s.currency) if s.annual_cost is not None else None),
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
        say("  Contracts", style="bold")
        for c in detail.contracts:
            term = f"{c.start_date or '?'} → {c.end_date or 'open'}"
            say(f"    {term}: {money(c.annual_cost, c.currency)}/year{_terms(c, today)}")
    if detail.spend:
        say("  Actual spend (finance reports)", style="bold")
        for sp in detail.spend:
            say(
                f"    {sp.period_start} → {sp.period_end}: {money(sp.amount, sp.currency)} in "
                f"{sp.invoices} invoice(s) from {sp.supplier} "
                + (
                    f"({money(sp.annual_amount, sp.currency)} a year: {sp.annualised_by})"
                    if sp.annual_amount is not None
                    else f"(a year: unknown — {sp.annualised_by or 'cadence unknown'})"
                )
            )
    if detail.integrations:
        say("  Integrations", style="bold")
        for i in detail.integrations:
            say(f"    {i.source} → {i.target} ({i.method}, {i.status})")


@tool_app.command("show")
def tool_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Tool name (or a product alias, e.g. SFMC).")],
    as_json: Json = False,
    as_of: AsOf = None,
) -> None:
    """Show everything the catalog knows about one tool."""
    _print_detail(open_reader(ctx), name, as_json, as_of_date(as_of))


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
    from stackmap.schemas import ContractFields, ToolFields, parse

    inventory = open_inventory(ctx)
    tool, contract = _split(options)
    fields = parse(ToolFields, {"name": name, **tool}, _option_name)
    terms = parse(ContractFields, contract, _option_name) if contract else None
    detail = inventory.add_tool(fields, terms, allow_same_product=allow_same_product)
    say(f"Added {detail.summary.name}")
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

    inventory = open_inventory(ctx)
    unknown = [f for f in clear or [] if f.replace("-", "_") not in LABELS]
    if unknown:
        known = ", ".join(f.replace("_", "-") for f in LABELS)
        raise fail(f"--clear {', '.join(unknown)}: not a field; one of {known}", 64)
    tool, contract = _split(options, [f.replace("-", "_") for f in clear or []])
    if not tool and not contract and rename is None:
        raise fail("nothing to change: give at least one option (see --help)", 64)
    detail = inventory.edit_tool(name, tool, contract or None, rename=rename)
    say(f"Updated {detail.summary.name}")


@tool_app.command("retire")
def tool_retire(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name of the tool to retire.")],
    note: Annotated[str | None, typer.Option("--note", help="Why it is retired.")] = None,
) -> None:
    """Mark a tool retired; it stays in the catalog with its history."""
    detail = open_inventory(ctx).retire_tool(name, note)
    say(f"Retired {detail.summary.name}")


# --- integrations ----------------------------------------------------------------------------


@integrations_app.callback(invoke_without_command=True)
def integrations_list(
    ctx: typer.Context,
    tool: Annotated[
        str | None, typer.Option("--tool", help="Only integrations of this tool.")
    ] = None,
    as_json: Json = False,
) -> None:
    """List integrations (`stackmap integrations`), or add one (`stackmap integrations add`)."""
    if ctx.invoked_subcommand is not None:
        return
    rows = open_reader(ctx).integrations(tool)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} integrations", title_justify="left")
    for column in ("From", "To", "Direction", "Method", "Data", "Frequency", "Status", "Owner"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            text(r.source),
            text(r.target),
            text(r.direction),
            text(r.method),
            text(r.data_objects),
            text(r.frequency),
            text(r.status),
            text(r.owner),
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
    from stackmap.schemas import IntegrationFields, parse

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
    view = open_inventory(ctx).add_integration(fields)
    say(f"Added {view.source} → {view.target} ({view.method})")


def _terms(contract: ContractView, today: date | None) -> str:
    """Where a contract stands on `today`, from the contract engine, for `tool show`."""
    from stackmap.terms import position

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
