"""`stackmap export workbook`: the rationalisation workbook a marketing-ops lead takes to the
budget review (openpyxl, write-only mode so 20,000 tools fit in memory and time).

The Summary's totals are live formulas over the Inventory, so a reviewer who corrects a cost
or fills in decisions sees the totals move; the findings are values. A hidden sheet carries
the catalog state the file was made from, so reviewed decisions can come back safely.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from stackmap.analysis import Analysis, Stack, WhatIf
from stackmap.bulk import bulk_work
from stackmap.export import sheets
from stackmap.export.cells import (
    DATE,
    PERCENT,
    RowWriter,
    blank,
    bold,
    furnish,
    header,
    money_format,
    new_sheet,
    prepare,
    rows_written,
    title,
)
from stackmap.export.safe import atomic_write
from stackmap.terms import add_months

META_SHEET = "_stackmap"
FORMAT = "stackmap-review-1"


@dataclass(frozen=True)
class WorkbookSource:
    """Everything the workbook shows, gathered before writing starts."""

    stack: Stack
    analysis: Analysis
    versions: dict[int, str]  # tool id -> the version stamp of its catalog row
    catalog_id: str  # one stamp for the whole catalog state
    database: str  # where the catalog lives, password masked
    scenario: WhatIf | None = None
    generated_at: datetime | None = None


def write_workbook(path: Path, source: WorkbookSource) -> Path:
    """Write the workbook to path (through a temporary file: a failure leaves no half file)."""
    with bulk_work():
        return _write(path, source)


def _write(path: Path, source: WorkbookSource) -> Path:
    book = Workbook(write_only=True)
    stack, analysis = source.stack, source.analysis
    summary = new_sheet(book, "Summary")
    inventory = new_sheet(book, "Inventory")
    where = sheets.write_inventory(inventory, stack, analysis, source.versions)
    cached = _summary(summary, source, where)
    sheets.write_capability_matrix(new_sheet(book, "Capability matrix"), stack, analysis)
    sheets.write_overlaps(new_sheet(book, "Overlaps"), stack, analysis)
    sheets.write_gaps(new_sheet(book, "Gaps"), stack, analysis)
    sheets.write_integrations(new_sheet(book, "Integrations"), analysis)
    sheets.write_integration_register(new_sheet(book, "Integration register"), stack)
    sheets.write_renewals(new_sheet(book, "Renewals"), analysis)
    sheets.write_spend(new_sheet(book, "Spend"), stack, analysis)
    sheets.write_recommendations(new_sheet(book, "Recommendations"), analysis)
    if source.scenario is not None:
        sheets.write_what_if(new_sheet(book, "What-if"), source.scenario)
    _read_me(new_sheet(book, "Read me"), source)
    for sheet in book.worksheets:
        furnish(sheet, "Marketing technology stack review", analysis.as_of)
    meta = new_sheet(book, META_SHEET)
    _meta(meta, source)
    meta.sheet_state = "hidden"
    book.calculation.fullCalcOnLoad = True  # Excel and LibreOffice work the formulas out
    try:
        _cache_values(summary, cached)
        with atomic_write(path, "wb") as stream:
            book.save(stream)
    except BaseException:
        _discard(book)
        raise
    return path


def _cache_values(sheet: WriteOnlyWorksheet, values: list[tuple[str, float]]) -> None:
    """Give the sheet's formulas the values they have today.

    openpyxl writes a formula with an empty value, which a viewer that does not recalculate
    (a mail client's preview, a file browser) shows as blank: an "Annual spend" of nothing.
    The sheet is finished here and its written XML gets each value beside its formula;
    Excel and LibreOffice still recalculate on opening (fullCalcOnLoad).
    """
    if not values:
        return
    sheet.close()
    written = Path(sheet._writer.out)
    xml = written.read_text(encoding="utf-8")
    for ref, value in values:
        pattern = re.compile(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v(?:\s*/>|></v>)')
        xml, found = pattern.subn(rf"\g<1><v>{value!r}</v>", xml, count=1)
        if not found:
            raise RuntimeError(f"no formula at {ref} to give its value")
    written.write_text(xml, encoding="utf-8")


def _discard(book: Workbook) -> None:
    """Close the sheets' pending row writers after a failed save, so nothing writes later."""
    for sheet in book.worksheets:
        rows = getattr(sheet, "_rows", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()


# Summary columns: a label, two figures, and the words (wrapped) that say what they rest on.
SUMMARY_WIDTHS = [28, 14, 14, 70]
CHART_ROWS = 16  # rows left free under a table for its chart (7.5 cm at 15 points a row)
TOP_DECISIONS = 10


def _summary(
    sheet: WriteOnlyWorksheet, source: WorkbookSource, inv: sheets.InventoryRange
) -> list[tuple[str, float]]:
    """The page a budget review reads first: the headline figures, the plan's savings by
    quarter, renewals by month, the ten largest decisions, spend by area and the suggested
    dispositions, each table followed by its chart. Returns the live formulas' cells with the
    values they hold today, for viewers that do not recalculate."""
    analysis, stack = source.analysis, source.stack
    cur = analysis.currency
    prepare(sheet, SUMMARY_WIDTHS)
    title(
        sheet,
        "Marketing technology stack review",
        f"As of {analysis.as_of}; amounts in {cur} a year; {analysis.tools_in_use} tools in use "
        f"of {analysis.tools_total} in the catalog.",
    )
    cached = _headline_figures(sheet, source, inv)
    _plan_by_quarter(sheet, analysis)
    _renewals_by_month(sheet, analysis)
    _largest_decisions(sheet, analysis, stack)
    _by_area(sheet, analysis)
    _by_disposition(sheet, analysis)
    return cached


def _headline_figures(
    sheet: WriteOnlyWorksheet, source: WorkbookSource, inv: sheets.InventoryRange
) -> list[tuple[str, float]]:
    """The figures a budget review asks first, each with what it rests on; the live ones are
    formulas over the Inventory, returned with the values they hold today."""
    analysis, stack = source.analysis, source.stack
    cur = analysis.currency
    money = money_format(cur)
    cached: list[tuple[str, float]] = []
    blank(sheet)
    header(sheet, ["Figure", "Value", "", "What it rests on"])
    cost, status = inv.column("Annual cost"), inv.column("Status")
    decision = inv.column("Decision")
    counted = " + ".join(f'SUMIFS({cost},{status},"{s}")' for s in stack.counted)
    in_use = [stack.costs[t.id].annual for t in stack.in_use]
    spend_now = float(sum((c for c in in_use if c is not None), Decimal(0)))
    unknown = sum(1 for c in in_use if c is None)
    plan = analysis.plan
    soon = sum(1 for r in analysis.renewals if r.due and r.days_left <= 90)
    figures: list[tuple[str, Any, str | None, str]] = [
        ("Tools in use", analysis.tools_in_use, "0", "Tools with a counted status (Read me)."),
        (
            "Annual spend",
            f"={counted}",
            money,
            "The Inventory's Annual cost of the tools in use; it moves if a cost there is "
            "corrected."
            + (f" {unknown} tool(s) have no known cost and are not in it." if unknown else ""),
        ),
        (
            "Suggested plan: savings a year",
            sheets.known(analysis.plan_savings),
            money,
            plan.headline if plan else "The plan retires no tool.",
        ),
        (
            "Suggested plan: saved in the next 12 months",
            sheets.known(plan.savings_next_12_months if plan else Decimal(0)),
            money,
            "Each tool's saving starts at the earliest exit its contract allows (by quarter "
            "below)."
            + (
                f" Owed until then: {plan.committed_until_exit:,.0f} {cur}."
                if plan and plan.committed_until_exit
                else ""
            ),
        ),
        (
            "At stake in overlaps",
            analysis.at_stake,
            money,
            "Cost of every tool in a group of duplicates but the one to keep (Overlaps).",
        ),
        (
            "Unused licences",
            analysis.wasted,
            money,
            "Idle seats of per-seat licences where use is low (Inventory, Seat use).",
        ),
        (
            "Reviewers' decisions: savings a year",
            f'=SUMIFS({cost},{decision},"Eliminate")+SUMIFS({cost},{decision},"Consolidate")',
            money,
            "Moves as reviewers fill in the Inventory's Decision column.",
        ),
        (
            "Renewals due",
            analysis.renewals_due,
            "0",
            f"Contracts with a decision still ahead ({soon} within 90 days), counted as "
            "`stackmap renewals` and the terminal count them (Renewals).",
        ),
        (
            "Required capabilities covered",
            analysis.coverage.required_share,
            PERCENT,
            "Share of the required capabilities some tool in use provides (Gaps).",
        ),
        (
            "Maturity (technology only)",
            f"{analysis.maturity.name} (level {analysis.maturity.level})",
            None,
            analysis.maturity.scope,
        ),
    ]
    for label, value, number_format, how in figures:
        rows = RowWriter(sheet, [None, number_format, None, None])
        if isinstance(value, str) and value.startswith("="):
            row = rows.formula([label, value, None, how])
            # Decisions are blank when the file is made: their savings are 0 until filled in.
            cached.append((f"B{row}", spend_now if label == "Annual spend" else 0.0))
        else:
            rows.append([label, value, None, how])
    notes = RowWriter(sheet, [None, None, None, None])
    for note in analysis.spend.notes:
        notes.append(["Note", None, None, note])

    return cached


def _plan_by_quarter(sheet: WriteOnlyWorksheet, analysis: Analysis) -> None:
    plan, cur = analysis.plan, analysis.currency
    money = money_format(cur)
    if plan and plan.timeline:
        blank(sheet)
        bold(sheet, "Savings of the suggested plan, by quarter")
        head = header(sheet, ["Quarter", f"Saved ({cur})", "Run rate a year", "Savings starting"])
        rows = RowWriter(sheet, [None, money, money, None])
        for quarter in plan.timeline:
            rows.append([quarter.label, quarter.saved, quarter.run_rate, list(quarter.starting)])
        _chart(sheet, "Saved by quarter", 2, head, head + len(plan.timeline), cur)


def _renewals_by_month(sheet: WriteOnlyWorksheet, analysis: Analysis) -> None:
    cur = analysis.currency
    money = money_format(cur)
    months = _renewal_months(analysis)
    blank(sheet)
    bold(sheet, "Renewals by month: what comes up for decision, and when")
    head = header(sheet, ["Month", f"Renewing ({cur} a year)", "Contracts", "Decide by then"])
    rows = RowWriter(sheet, [None, money, "0", None])
    for label, amount, count, decide in months:
        rows.append([label, amount, count, decide or None])
    _chart(sheet, "Annual cost renewing by month", 2, head, head + len(months), cur)


def _largest_decisions(sheet: WriteOnlyWorksheet, analysis: Analysis, stack: Stack) -> None:
    money = money_format(analysis.currency)
    blank(sheet)
    bold(sheet, f"The {TOP_DECISIONS} largest decisions by money")
    header(sheet, ["Tool", "Saves a year", "Decide by", "Suggestion and why"])
    rows = RowWriter(sheet, [None, money, DATE, None])
    for tool, saves, decide_by, why in _top_decisions(analysis, stack):
        rows.append([tool, saves, decide_by, why])


def _by_area(sheet: WriteOnlyWorksheet, analysis: Analysis) -> None:
    cur = analysis.currency
    money = money_format(cur)
    blank(sheet)
    bold(sheet, "By area")
    head = header(sheet, ["Area", f"Spend ({cur})", "Capabilities covered", ""])
    rows = RowWriter(sheet, [None, money, PERCENT, None])
    names = {a.area: a.name for a in analysis.coverage.areas}
    for area in analysis.coverage.areas:
        rows.append([names[area.area], analysis.spend.by_area.get(area.area, 0), area.share])
    _chart(sheet, f"Spend by area ({cur})", 2, head, head + len(analysis.coverage.areas), cur)


def _by_disposition(sheet: WriteOnlyWorksheet, analysis: Analysis) -> None:
    cur = analysis.currency
    money = money_format(cur)
    blank(sheet)
    bold(sheet, "Suggested dispositions")
    head = header(sheet, ["Disposition", f"Annual cost ({cur})", "Tools", ""])
    totals: dict[str, list[Any]] = {}
    for rec in analysis.recommendations:
        entry = totals.setdefault(rec.disposition.capitalize(), [Decimal(0), 0])
        entry[0] += rec.annual_cost or 0
        entry[1] += 1
    rows = RowWriter(sheet, [None, money, "0", None])
    for name in sheets.DECISIONS:
        amount, count = totals.get(name, [Decimal(0), 0])
        rows.append([name, amount, count])
    _chart(
        sheet, f"Annual cost by suggested disposition ({cur})", 2, head,
        head + len(sheets.DECISIONS), cur,
    )  # fmt: skip


def _chart(
    sheet: WriteOnlyWorksheet, heading: str, column: int, header_row: int, last: int, cur: str
) -> None:
    """A bar chart of one column of the table just written, placed under it."""
    chart = BarChart()
    chart.type = "col"
    chart.title = heading
    chart.legend = None
    chart.height, chart.width = 7.5, 16
    chart.y_axis.title = cur
    data = Reference(sheet, min_col=column, min_row=header_row, max_row=last)
    labels = Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    sheet.add_chart(chart, f"A{rows_written(sheet) + 2}")
    for _ in range(CHART_ROWS):
        blank(sheet)


def _renewal_months(analysis: Analysis) -> list[tuple[str, Decimal, int, str]]:
    """The next twelve months from the day of the analysis: the annual cost of contracts
    renewing in each, how many, and the tools whose decide-by date falls in it."""
    start = date.fromisoformat(analysis.as_of).replace(day=1)
    months = []
    for offset in range(12):
        first = add_months(start, offset)
        after = add_months(start, offset + 1)
        renewing = [
            r for r in analysis.renewals if r.renewal_date and first <= r.renewal_date < after
        ]
        deciding = sorted(
            (r for r in analysis.renewals if r.decide_by and first <= r.decide_by < after),
            key=lambda r: (r.decide_by, r.tool.casefold()),
        )
        months.append(
            (
                f"{first:%Y-%m}",
                sum((r.annual_cost or Decimal(0) for r in renewing), Decimal(0)),
                len(renewing),
                "; ".join(f"{r.tool} ({r.decide_by})" for r in deciding),
            )
        )
    return months


def _top_decisions(analysis: Analysis, stack: Stack) -> list[tuple[str, Decimal, date | None, str]]:
    by_name = {t.name: t for t in stack.tools}
    retiring = [
        r
        for r in analysis.recommendations
        if r.disposition in ("eliminate", "consolidate") and r.savings
    ]
    retiring.sort(key=lambda r: (-(r.savings or 0), r.tool.casefold()))
    result = []
    for r in retiring[:TOP_DECISIONS]:
        tool = by_name.get(r.tool)
        decide_by = stack.costs[tool.id].decide_by if tool else None
        result.append((r.tool, r.savings or Decimal(0), decide_by, r.why))
    return result


SHEETS = [
    (
        "Summary",
        "The page a budget review reads first: headline figures and what each rests on, the "
        "suggested plan's savings by quarter, renewals by month, the ten largest decisions, "
        "spend by area and the suggested dispositions, each table with its chart. Annual spend "
        "and the reviewers' savings are live formulas over the Inventory.",
    ),
    (
        "Inventory",
        "One row per tool in the catalog: owners, the contract as written (amount, currency, "
        "billing) and its annual cost in the base currency, terms, seat use, integrations, the "
        "suggested disposition and why. Reviewers fill in Decision, Decision owner, Comment "
        "and the two fit ratings; `stackmap import-decisions` reads them back.",
    ),
    (
        "Capability matrix",
        "Tools in use against the capabilities of the five areas; on top, how many tools "
        "provide each and whether it is a gap, single or overlap.",
    ),
    (
        "Overlaps",
        "Tools doing the same job, grouped around the tool to keep, with the cost at stake.",
    ),
    (
        "Gaps",
        "Required capabilities no tool in use provides, and capabilities one tool carries alone.",
    ),
    (
        "Integrations",
        "Integration health: silos, hubs, single points of failure, islands, fragile links and "
        "tools nobody owns.",
    ),
    (
        "Integration register",
        "Every integration in the catalog, working, planned or broken: from, to, method, "
        "direction, data, frequency, status and owner.",
    ),
    (
        "Renewals",
        "Contracts coming up, sorted by the date notice must be given; overdue and urgent "
        "highlighted; days left count to that date.",
    ),
    ("Spend", "Annual spend by owner, business unit, vendor, area and category, with totals."),
    (
        "Recommendations",
        "The action list: tools suggested or decided for Eliminate, Consolidate or Migrate, "
        "largest savings first.",
    ),
    (
        "What-if",
        "When the export names tools to retire: what would be lost, broken, cut off and saved.",
    ),
]

METHOD = [
    "Only tools with a counted status are analysed (active, unless the export asked for more).",
    "A tool's annual cost is the sum of the contracts being paid today, converted to the base "
    "currency with the rates in analysis.yaml. An amount in a currency with no rate is left "
    "out and named; a tool with no cost recorded says unknown, never 0; a free tool is 0.",
    "Overlap: tools whose main job (their category's first capability they provide, or their "
    "only one) is the same are duplicates, with money at stake and one tool to keep, chosen "
    "on what it covers, its integrations, seat use, contract timing and cost. A capability "
    "that is one tool's job and another's side line is a partial overlap, with no saving "
    "counted. Generic capabilities (collaboration, project management) never make one.",
    "Single points of failure: tools whose loss leaves others with no chain of working "
    "integrations, in any direction, to the rest of the stack.",
    "Dispositions: keepers first (a tool kept is never Eliminate), then business value "
    "(criticality, reach, the data it carries, being the only provider of a capability, "
    "seat use) against technical fit (link health, ownership), weighted as in "
    "analysis.yaml. An unknown figure is left out of a score and named. A person's "
    "decision or 1-5 rating always wins.",
    "Contracts: the renewal rolls forward past auto-renewals; decide by = the renewal minus "
    "the notice period; once that date has passed the next term is committed, so the "
    "earliest exit moves a term later. Savings start at the earliest exit.",
]


def _read_me(sheet: WriteOnlyWorksheet, source: WorkbookSource) -> None:
    prepare(sheet, [24, 100])
    title(sheet, "Read me")
    rows = RowWriter(sheet, [None, None], wrap=[True, True])
    made = (source.generated_at or datetime.now()).replace(microsecond=0)
    blank(sheet)
    bold(sheet, "This file")
    for label, value in (
        ("Made", made.isoformat(sep=" ")),
        ("From the catalog", source.database),
        ("Catalog state", source.catalog_id),
        ("As of", source.analysis.as_of),
        ("Currency", source.analysis.currency),
    ):
        rows.append([label, value])
    blank(sheet)
    bold(sheet, "Sheets")
    for name, text in SHEETS:
        if name != "What-if" or source.scenario is not None:
            rows.append([name, text])
    blank(sheet)
    bold(sheet, "How the numbers are worked out")
    for text in METHOD:
        rows.append(["", text])


def _meta(sheet: WriteOnlyWorksheet, source: WorkbookSource) -> None:
    rows = RowWriter(sheet)
    for key, value in (
        ("format", FORMAT),
        ("catalog_id", source.catalog_id),
        ("database", source.database),
        ("as_of", source.analysis.as_of),
    ):
        rows.append([key, value])
