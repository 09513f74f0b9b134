"""Bringing files in: `import` (tool inventories, spend reports, reviewed workbooks),
`template` (a blank import workbook) and `import-decisions`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stackmap.bulk import keep
from stackmap.cli.base import (
    Json,
    app,
    err,
    load_reference,
    money,
    open_inventory,
    out,
    print_json,
    say,
    say_lines,
    text,
)
from stackmap.errors import InvalidValueError
from stackmap.progress import SILENT, Progress

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

    from stackmap.importers.spend import SpendPlan
    from stackmap.inventory import Inventory, LoadResult
    from stackmap.review import DecisionPlan


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
    from stackmap.importers.files import read_ahead

    read_ahead(path)  # read while the libraries below load and the catalog opens
    from stackmap.importers.spend import SpendPlan
    from stackmap.importers.spreadsheet import ImportPlan
    from stackmap.intake import ImportRequest, apply_file, plan_file, write_rejects
    from stackmap.outcomes import import_json, import_lines, sheet_lines

    inventory = open_inventory(ctx)
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
            write_rejects(rejects, planned.plan.file, planned.issues)
        try:
            result = apply_file(inventory, planned, dry_run=dry_run, progress=progress)
        except InvalidValueError:
            if not as_json and isinstance(planned.plan, ImportPlan):
                # What each column was taken as, before the one-line refusal.
                say_lines(line for sheet in planned.plan.sheets for line in sheet_lines(sheet))
            raise
    keep(planned, result)
    plan = planned.plan
    if isinstance(plan, SpendPlan):
        _show_spend(plan, result, dry_run, as_json)
    elif isinstance(plan, ImportPlan):
        if as_json:
            print_json(import_json(plan, result))
            return
        say_lines(import_lines(plan, result))
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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with RichProgress(*columns, console=err.console, transient=True) as bar:
        yield _Bar(bar)


def _show_spend(plan: SpendPlan, result: LoadResult, dry_run: bool, as_json: bool) -> None:
    from stackmap.outcomes import spend_json

    if as_json:
        print_json(spend_json(plan, result))
        return
    from rich.table import Table

    verb = "Would record" if dry_run else "Recorded"
    say(
        f"{plan.file}: covers {plan.period_start} to {plan.period_end} ({plan.months} "
        f"months), {plan.period_source}"
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
            text(m.spend.supplier),
            text(
                money(m.annual_amount, m.spend.currency)
                if m.annual_amount is not None
                else "unknown"
            ),
            text(m.annualised_by),
            text(m.spend.invoices),
            text(m.tool),
            text(m.reason),
        )
    out.print(table)
    say_lines(
        f"  {issue.severity}: {issue.line(plan.file)}"
        for issue in plan.issues
        if issue.severity != "skipped"
    )


@app.command()
def template(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the workbook (.xlsx).")],
) -> None:
    """Write a blank import workbook: stackmap's columns, dropdowns and a read-me sheet."""
    from stackmap.export.template import write_template

    written = write_template(path, load_reference(ctx))
    say(f"Wrote {written}")


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
    as_json: Json = False,
) -> None:
    """Read reviewers' decisions from the workbook back into the catalog (one transaction)."""
    _decisions(open_inventory(ctx), path, dry_run, apply_changed, as_json)


def _decisions(
    inventory: Inventory, path: Path, dry_run: bool, apply_changed: bool, as_json: bool
) -> None:
    from stackmap.review import apply_decisions, plan_decisions

    plan = plan_decisions(inventory, path, apply_changed=apply_changed)
    _show_decisions(plan, apply_decisions(inventory, plan, dry_run=dry_run), dry_run, as_json)


def _show_decisions(plan: DecisionPlan, result: LoadResult, dry_run: bool, as_json: bool) -> None:
    from stackmap.outcomes import decisions_json

    if as_json:
        print_json(decisions_json(plan, result))
        return
    verb = "Would record" if dry_run else "Recorded"
    say(f"{verb} {len(plan.changes)} decision(s) from {plan.file}:")
    for change in plan.changes:
        diff = ", ".join(
            f"{k.replace('_', ' ')} {change.old[k] or '—'} → {v}"
            for k, v in change.new.items()
            if change.old[k] != v
        )
        say(f"  row {change.row}: {change.tool}: {diff}")
    if plan.unchanged:
        say(f"{plan.unchanged} decision(s) already recorded; unchanged.")
    for line in plan.skipped:
        say(f"Not applied — {line}")
    if dry_run:
        say("Dry run: nothing was written.")
