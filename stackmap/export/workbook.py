"""`stackmap export workbook`: the rationalisation workbook a marketing-ops lead takes to the
budget review (openpyxl, write-only mode so 20,000 tools fit in memory and time).

The Summary's totals are live formulas over the Inventory, so a reviewer who corrects a cost
or fills in decisions sees the totals move; the findings are values. A hidden sheet carries
the catalog state the file was made from, so reviewed decisions can come back safely.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from stackmap.analysis import Analysis, Stack, WhatIf
from stackmap.bulk import bulk_work
from stackmap.export import review
from stackmap.export.cells import MONEY, PERCENT, RowWriter, bold, header, prepare, title
from stackmap.export.safe import atomic_write

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
    summary = book.create_sheet("Summary")
    inventory = book.create_sheet("Inventory")
    where = review.inventory(inventory, stack, analysis, source.versions)
    _summary(summary, source, where)
    review.capability_matrix(book.create_sheet("Capability matrix"), stack, analysis)
    review.overlaps(book.create_sheet("Overlaps"), stack, analysis)
    review.gaps(book.create_sheet("Gaps"), stack, analysis)
    review.integrations(book.create_sheet("Integrations"), analysis)
    review.renewals(book.create_sheet("Renewals"), analysis)
    review.spend(book.create_sheet("Spend"), stack, analysis)
    review.recommendations(book.create_sheet("Recommendations"), analysis)
    if source.scenario is not None:
        review.what_if(book.create_sheet("What-if"), source.scenario)
    _read_me(book.create_sheet("Read me"), source)
    meta = book.create_sheet(META_SHEET)
    _meta(meta, source)
    meta.sheet_state = "hidden"
    book.calculation.fullCalcOnLoad = True  # Excel and LibreOffice work the formulas out
    try:
        with atomic_write(path, "wb") as stream:
            book.save(stream)
    except BaseException:
        _discard(book)
        raise
    return path


def _discard(book: Workbook) -> None:
    """Close the sheets' pending row writers after a failed save, so nothing writes later."""
    for sheet in book.worksheets:
        rows = getattr(sheet, "_rows", None)
        if rows is not None:
            with contextlib.suppress(Exception):
                rows.close()


def _summary(sheet: WriteOnlyWorksheet, source: WorkbookSource, inv: review.InventoryRange) -> None:
    analysis, stack = source.analysis, source.stack
    cur = analysis.currency
    prepare(sheet, [42, 16, 60])
    title(
        sheet,
        "Marketing technology stack review",
        f"As of {analysis.as_of}; amounts in {cur} a year; {analysis.tools_in_use} tools in use "
        f"of {analysis.tools_total} in the catalog.",
    )
    sheet.append([])
    header(sheet, ["Figure", "Value", "How it is worked out"])
    rows = RowWriter(sheet, [None, MONEY, None])
    cost, status = inv.column("Annual cost"), inv.column("Status")
    decision = inv.column("Decision")
    counted = " + ".join(f'SUMIFS({cost},{status},"{s}")' for s in stack.counted)
    renewals_90 = sum(1 for r in analysis.renewals if r.due and r.days_left <= 90)
    figures = [
        ("Tools in use", analysis.tools_in_use, "Tools with a counted status (see Read me)."),
        ("Annual spend", f"={counted}", "Inventory's Annual cost of tools in use (live)."),
        (
            "At stake in overlaps",
            analysis.at_stake,
            "Cost of every overlapping tool but the keeper.",
        ),
        (
            "Waste in unused licences",
            analysis.wasted,
            "Cost of idle seats of per-seat licences where use is low.",
        ),
        (
            "Savings of the suggested plan",
            analysis.plan_savings,
            analysis.plan.headline if analysis.plan else "The plan retires no tool.",
        ),
        (
            "Savings of the reviewers' decisions",
            f'=SUMIFS({cost},{decision},"Eliminate")+SUMIFS({cost},{decision},"Consolidate")',
            "Moves as reviewers fill in the Inventory's Decision column (live).",
        ),
        (
            "Renewals due in 90 days",
            renewals_90,
            "Decisions due within 90 days, counted to the decide-by date (Renewals).",
        ),
        (
            "Required capabilities covered",
            analysis.coverage.required_share,
            "Share of the required capabilities some tool in use provides.",
        ),
        (
            "Maturity (technology only)",
            f"{analysis.maturity.name} (level {analysis.maturity.level})",
            analysis.maturity.scope,
        ),
    ]
    for label, value, how in figures:
        if isinstance(value, str) and value.startswith("="):
            rows.formula([label, value, how])
        elif label == "Required capabilities covered":
            RowWriter(sheet, [None, PERCENT]).append([label, value, how])
        elif isinstance(value, int):
            RowWriter(sheet, [None, "0"]).append([label, value, how])
        else:
            rows.append([label, value, how])
    for note in analysis.spend.notes:
        rows.append(["Note", None, note])

    # The three chart tables, side by side below the figures.
    sheet.append([])
    # Rows so far: title, note, blank, header, the figures, the notes; then a blank line.
    last_figure = 4 + len(figures) + len(analysis.spend.notes)
    bold(sheet, "By area")
    header(sheet, ["Area", f"Spend ({cur})", "Capabilities covered"])
    area_rows = RowWriter(sheet, [None, MONEY, PERCENT])
    names = {a.area: a.name for a in analysis.coverage.areas}
    for area in analysis.coverage.areas:
        area_rows.append([names[area.area], analysis.spend.by_area.get(area.area, 0), area.share])
    first_area = last_figure + 4  # blank, "By area", header
    last_area = first_area + len(analysis.coverage.areas) - 1
    sheet.append([])
    bold(sheet, "Suggested dispositions")
    header(sheet, ["Disposition", f"Annual cost ({cur})", "Tools"])
    totals: dict[str, list[float]] = {}
    for rec in analysis.recommendations:
        entry = totals.setdefault(rec.disposition.capitalize(), [0.0, 0])
        entry[0] += float(rec.annual_cost or 0)
        entry[1] += 1
    disposition_rows = RowWriter(sheet, [None, MONEY, "0"])
    for name in review.DECISIONS:
        amount, count = totals.get(name, [0.0, 0])
        disposition_rows.append([name, amount, count])
    first_disp = last_area + 4
    last_disp = first_disp + len(review.DECISIONS) - 1

    def bar(title_text: str, col: int, first: int, last: int, anchor: str, percent: bool) -> None:
        chart = BarChart()
        chart.type = "bar"
        chart.title = title_text
        chart.legend = None
        chart.height, chart.width = 7, 14
        data = Reference(sheet, min_col=col, min_row=first - 1, max_row=last)
        labels = Reference(sheet, min_col=1, min_row=first, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(labels)
        if percent:
            chart.x_axis.number_format = PERCENT
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max = 1
        sheet.add_chart(chart, anchor)

    bar(f"Spend by area ({cur})", 2, first_area, last_area, "E3", False)
    bar("Capabilities covered by area", 3, first_area, last_area, "E18", True)
    bar(f"Annual cost by suggested disposition ({cur})", 2, first_disp, last_disp, "E33", False)


SHEETS = [
    (
        "Summary",
        (
            "The figures a budget review asks first, and charts of spend, coverage and the "
            "suggested plan. Totals are live formulas over the Inventory."
        ),
    ),
    (
        "Inventory",
        (
            "One row per tool in the catalog: owners, contract terms, seat use, integrations,"
            " the suggested disposition and why. Reviewers fill in Decision, Decision owner "
            "and Comment; `stackmap import-decisions` reads them back."
        ),
    ),
    (
        "Capability matrix",
        (
            "Tools in use against the capabilities of the five areas; on top, how many tools "
            "provide each and whether it is a gap, single or overlap."
        ),
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
        "Silos, hubs, single points of failure, islands, fragile links and tools nobody owns.",
    ),
    (
        "Renewals",
        (
            "Contracts coming up, sorted by the date notice must be given; overdue and urgent"
            " highlighted."
        ),
    ),
    ("Spend", "Annual spend by owner, business unit, vendor, area and category."),
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
    (
        "A tool's annual cost is the sum of its current contracts, converted to the base "
        "currency with the rates in analysis.yaml; amounts in a currency with no rate are"
        " left out and listed."
    ),
    (
        "Overlap: two tools overlap when the capabilities they share are at least the "
        "threshold share of the capabilities either has (Jaccard similarity); the keeper "
        "is chosen on coverage, integrations, seat use, contract timing and cost, unless "
        "a person marked a tool Invest."
    ),
    (
        "Single points of failure: tools whose loss leaves others with no chain of "
        "working integrations, in any direction, to the rest of the stack."
    ),
    (
        "Dispositions: business value (seat use, uniqueness) against technical fit "
        "(integrations, link health, ownership), weighted as in analysis.yaml. A recorded"
        " decision always wins."
    ),
    "Decide-by date: the renewal date minus the notice period.",
]


def _read_me(sheet: WriteOnlyWorksheet, source: WorkbookSource) -> None:
    prepare(sheet, [22, 110])
    title(sheet, "Read me")
    rows = RowWriter(sheet, [None, None], wrap=[False, True])
    made = (source.generated_at or datetime.now()).replace(microsecond=0)
    sheet.append([])
    bold(sheet, "This file")
    for label, value in (
        ("Made", made.isoformat(sep=" ")),
        ("From the catalog", source.database),
        ("Catalog state", source.catalog_id),
        ("As of", source.analysis.as_of),
        ("Currency", source.analysis.currency),
    ):
        rows.append([label, value])
    sheet.append([])
    bold(sheet, "Sheets")
    for name, text in SHEETS:
        if name != "What-if" or source.scenario is not None:
            rows.append([name, text])
    sheet.append([])
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
