"""The review sheets of the rationalisation workbook: the inventory reviewers decide on, the
capability matrix, and the findings (overlaps, gaps, integrations, renewals, spend,
recommendations, what-if).

Each function appends to a write-only sheet and returns nothing but what later sheets must
reference (the inventory's size and column letters, for the summary's live formulas).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from stackmap.analysis import Analysis, Stack, WhatIf
from stackmap.analysis.stack import Cost, ToolFacts
from stackmap.export.cells import (
    DATE,
    MONEY,
    PERCENT,
    RowWriter,
    blank,
    bold,
    header,
    money_format,
    note_lines,
    prepare,
    title,
    upright,
)
from stackmap.reference import Capability
from stackmap.views import INFERRED_FROM

DECISIONS = ("Tolerate", "Invest", "Migrate", "Eliminate", "Consolidate")
RED = PatternFill("solid", fgColor="F8CBAD")
AMBER = PatternFill("solid", fgColor="FFE699")
GREEN = PatternFill("solid", fgColor="A9D08E")
GREY = Font(color="808080")

# The inventory's columns: header, width, number format, wraps. Reviewers fill the three
# decision columns; the last two (hidden) tie each row to the catalog state it was made from.
INVENTORY: list[tuple[str, int, str | None, bool]] = [
    ("Tool", 28, None, True),
    ("Vendor", 18, None, True),
    ("Category", 20, None, True),
    ("Status", 11, None, False),
    ("Business owner", 16, None, True),
    ("Technical owner", 16, None, True),
    ("Business units", 16, None, True),
    ("Capabilities", 34, None, False),
    ("Amount", 11, "#,##0.##", False),
    ("Currency", 9, None, False),
    ("Billing", 10, None, False),
    ("Annual cost", 14, MONEY, False),
    ("Renewal date", 11, DATE, False),
    ("Decide by", 11, DATE, False),
    ("Notice (days)", 8, None, False),
    ("Auto-renew", 8, None, False),
    ("Seats purchased", 9, None, False),
    ("Seats active", 9, None, False),
    ("Seat use", 8, PERCENT, False),
    ("Integrations", 11, None, False),
    ("Suggested", 12, None, False),
    ("Value score", 8, None, False),
    ("Fit score", 8, None, False),
    ("Why", 60, None, False),
    ("Recorded decision", 12, None, False),
    ("Decision", 12, None, False),
    ("Decision owner", 16, None, True),
    ("Comment", 40, None, False),
    ("Functional fit (1-5)", 10, None, False),
    ("Technical fit (1-5)", 10, None, False),
    ("Tool ID", 8, None, False),
    ("Version", 14, None, False),
]
COLUMN = {name: get_column_letter(i) for i, (name, *_) in enumerate(INVENTORY, 1)}


@dataclass(frozen=True)
class InventoryRange:
    """Where the inventory's data sits, for formulas on other sheets."""

    first_row: int
    last_row: int

    def column(self, name: str) -> str:
        letter = COLUMN[name]
        return f"Inventory!${letter}${self.first_row}:${letter}${self.last_row}"


def _table(
    sheet: WriteOnlyWorksheet, name: str, headers: Sequence[str], first: int, last: int
) -> None:
    """Make rows first..last an Excel table with filters and banded rows.

    The column names are set from the headers: in write-only mode openpyxl cannot read them
    back from the cells, and a table whose names differ from its header cells makes Excel
    offer to repair the file.
    """
    if last <= first:
        last = first + 1  # a table needs a data row; an empty one is harmless
    ref = f"A{first}:{get_column_letter(len(headers))}{last}"
    table = Table(displayName=name, ref=ref)
    table._initialise_columns()
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, 1)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    with warnings.catch_warnings():
        # "you must add table columns manually": done above.
        warnings.simplefilter("ignore", UserWarning)
        sheet.add_table(table)


def inventory_rows(
    stack: Stack, analysis: Analysis, versions: dict[int, str]
) -> Iterator[list[Any]]:
    """The inventory's rows as plain values, one per tool, sorted by name."""
    suggestion = {r.tool: r for r in analysis.recommendations}
    degree: dict[int, int] = {}
    for link in stack.links:
        if link.status != "planned":
            degree[link.source] = degree.get(link.source, 0) + 1
            degree[link.target] = degree.get(link.target, 0) + 1
    capability_names = stack.reference.capabilities
    subcategories = stack.reference.subcategories
    for tool in sorted(stack.tools, key=lambda t: t.name.casefold()):
        cost = stack.costs[tool.id]
        rec = suggestion.get(tool.name)
        yield [
            tool.name,
            tool.vendor,
            subcategories[tool.category].name if tool.category in subcategories else tool.category,
            tool.status,
            tool.business_owner,
            tool.technical_owner,
            "; ".join(tool.business_units) or None,
            _capabilities(tool, capability_names),
            *_as_contracted(cost),
            _annual(cost),
            cost.renewal_date,
            cost.decide_by,
            cost.notice_days,
            None if cost.auto_renew is None else ("Yes" if cost.auto_renew else "No"),
            cost.seats_purchased,
            cost.seats_active,
            cost.utilisation,
            degree.get(tool.id, 0),
            rec.suggested.capitalize() if rec else None,
            rec.value if rec else None,
            rec.fit if rec else None,
            rec.why if rec else f"Not analysed: status {tool.status}.",
            tool.disposition.capitalize() if tool.disposition else None,
            None,
            None,
            None,
            tool.functional_fit,
            tool.technical_fit,
            tool.id,
            versions.get(tool.id, ""),
        ]


def write_inventory(
    sheet: WriteOnlyWorksheet, stack: Stack, analysis: Analysis, versions: dict[int, str]
) -> InventoryRange:
    """One row per tool: terms, use, the suggestion and why, and empty decision columns."""
    names = [c[0] for c in INVENTORY]
    prepare(sheet, [c[1] for c in INVENTORY], repeat_rows="1:1", repeat_columns="A:A")
    for hidden in ("Tool ID", "Version"):  # before the first row: columns are written with it
        sheet.column_dimensions[COLUMN[hidden]].hidden = True
    sheet.print_area = f"A1:{COLUMN['Technical fit (1-5)']}{len(stack.tools) + 1}"
    sheet.freeze_panes = "B2"
    header(sheet, names)
    formats = [money_format(analysis.currency) if f is MONEY else f for _, _, f, _ in INVENTORY]
    rows = RowWriter(sheet, formats, wrap=[c[3] for c in INVENTORY])
    count = 0
    for values in inventory_rows(stack, analysis, versions):
        rows.append(values)
        count += 1
    last = count + 1
    _table(sheet, "Inventory", names, 1, last)
    decision = DataValidation(
        type="list",
        formula1='"' + ",".join(DECISIONS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Decision",
        error="Pick Tolerate, Invest, Migrate, Eliminate or Consolidate.",
    )
    decision.add(f"{COLUMN['Decision']}2:{COLUMN['Decision']}{max(last, 2)}")
    sheet.data_validations.append(decision)
    rating = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="5",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Rating",
        error="A whole number from 1 (poor) to 5 (excellent); it overrides the derived score.",
    )
    for column in ("Functional fit (1-5)", "Technical fit (1-5)"):
        rating.add(f"{COLUMN[column]}2:{COLUMN[column]}{max(last, 2)}")
    sheet.data_validations.append(rating)
    return InventoryRange(2, max(last, 2))


def write_capability_matrix(sheet: WriteOnlyWorksheet, stack: Stack, analysis: Analysis) -> None:
    """Tools x capabilities grouped by area, with providers and state per capability on top."""
    reference = stack.reference
    capabilities = [(a, c) for a in reference.areas for c in a.capabilities]
    coverage = {c.capability: c for c in analysis.coverage.capabilities}
    first_data = 5
    sheet.freeze_panes = f"C{first_data}"
    # Narrow capability columns under names turned upright: the matrix prints at full size,
    # a few pages across, with the tool column and the four heading rows on every page.
    prepare(sheet, [30, 11] + [4] * len(capabilities), repeat_rows="1:4", repeat_columns="A:B")
    header(
        sheet,
        ["Area", ""]
        + [
            a.name if i == 0 or capabilities[i - 1][0] is not a else ""
            for i, (a, _) in enumerate(capabilities)
        ],
        wrap=False,  # area names run on over the narrow columns of their capabilities
    )
    header(
        sheet, ["Tool", "Status (blank: active)"] + [c.name for _, c in capabilities], rotate=True
    )
    rows = RowWriter(sheet, columns=2)
    rows.append(
        ["Tools providing", ""] + [len(coverage[c.slug].providers) for _, c in capabilities]
    )
    upright(
        sheet,
        ["Coverage", ""]
        + [coverage[c.slug].state + (" (required)" if c.required else "") for _, c in capabilities],
    )
    column_of = {c.slug: i for i, (_, c) in enumerate(capabilities)}
    tools = sorted(stack.in_use, key=lambda t: t.name.casefold())
    for tool in tools:
        status = None if tool.status == "active" else tool.status  # blank: active
        cells: list[Any] = [tool.name, status] + [None] * len(capabilities)
        for slug in tool.capabilities:
            if slug in column_of:
                cells[2 + column_of[slug]] = 1
        rows.append(cells)
    last_col = get_column_letter(2 + len(capabilities))
    body = f"C{first_data}:{last_col}{max(first_data + len(tools) - 1, first_data)}"
    sheet.conditional_formatting.add(body, CellIsRule(operator="equal", formula=["1"], fill=GREEN))
    states = f"C4:{last_col}4"
    sheet.conditional_formatting.add(states, FormulaRule(formula=['LEFT(C4,3)="gap"'], fill=RED))
    sheet.conditional_formatting.add(
        states, FormulaRule(formula=['LEFT(C4,6)="single"'], fill=AMBER)
    )


def _list_sheet(
    sheet: WriteOnlyWorksheet,
    heading: str,
    note: str,
    name: str,
    columns: Sequence[tuple[str, int, str | None]],
    items: Sequence[Sequence[Any]],
    currency: str | None = None,
) -> tuple[int, int]:
    """A titled table, printed one page wide with its header on every page; returns its first
    and last data rows. MONEY columns show the currency."""
    widths = [c[1] for c in columns]
    heading_row = 2 + len(note_lines(widths, note))  # the title, the note's lines, then this
    prepare(sheet, widths, repeat_rows=f"{heading_row}:{heading_row}")
    first = heading_row + 1
    sheet.freeze_panes = f"A{first}"  # before the first row: it is written with it
    title(sheet, heading, note)
    header(sheet, [c[0] for c in columns])
    formats = [money_format(currency) if c[2] is MONEY else c[2] for c in columns]
    rows = RowWriter(sheet, formats)
    for item in items:
        rows.append(item)
    last = first + len(items) - 1
    _table(sheet, name, [c[0] for c in columns], first - 1, max(last, first))
    return first, last


def write_overlaps(sheet: WriteOnlyWorksheet, stack: Stack, analysis: Analysis) -> None:
    names = stack.reference.capabilities
    items = []
    for number, group in enumerate(analysis.overlaps, 1):
        # The keeper first, carrying the group's figures and why; members below it.
        members = sorted(group.members, key=lambda m: m.tool != group.keeper)
        for member in members:
            keeper = member.tool == group.keeper or (group.keeper is None and member is members[0])
            items.append(
                [
                    number,
                    member.tool,
                    "Keep"
                    if member.tool == group.keeper
                    else f"Into {group.keeper}"
                    if group.keeper
                    else "No keeper",
                    member.covered,
                    known(member.annual_cost),
                    [names[c].name for c in member.only_here if c in names],
                    group.at_stake if keeper else None,
                    f"{group.why} {group.keeper_why}" if keeper else None,
                ]
            )
    _list_sheet(
        sheet,
        "Overlaps",
        "Tools that do the same job, grouped around the tool to keep. At stake: the cost of "
        "every tool in the group but the keeper.",
        "Overlaps",
        [
            ("Group", 6, None),
            ("Tool", 22, None),
            ("Suggestion", 18, None),
            ("Covered by keeper", 9, PERCENT),
            ("Annual cost", 13, MONEY),
            ("Capabilities the keeper lacks", 20, None),
            ("Group at stake", 13, MONEY),
            ("Why", 34, None),
        ],
        items,
        analysis.currency,
    )


def write_gaps(sheet: WriteOnlyWorksheet, stack: Stack, analysis: Analysis) -> None:
    names = stack.reference.capabilities
    areas = {a.slug: a.name for a in stack.reference.areas}
    rows = [
        [names[g.capability].name, areas[g.area], "Gap: required, no tool", g.why]
        for g in analysis.gaps
    ] + [
        [names[c.capability].name, areas[c.area], "Single provider", c.why]
        for c in analysis.coverage.single_provider
    ]
    _list_sheet(
        sheet,
        "Gaps and single providers",
        "Required capabilities no tool in use provides, and capabilities one tool carries alone.",
        "Gaps",
        [("Capability", 26, None), ("Area", 20, None), ("Finding", 16, None), ("Why", 70, None)],
        rows,
    )


def write_integrations(sheet: WriteOnlyWorksheet, analysis: Analysis) -> None:
    """Silos, hubs, single points of failure, islands, fragile links and unowned tools."""
    prepare(sheet, [30, 12, 12, 76])
    title(
        sheet,
        "Integration health",
        "Connectivity is read on working links in either direction (see Read me).",
    )
    rows = RowWriter(sheet)
    blocks: list[tuple[str, list[str], list[list[Any]]]] = [
        (
            "Silos",
            ["Tool", "Owner", "", "Why"],
            [[s.tool, s.owner, None, s.why] for s in analysis.silos],
        ),
        (
            "Hubs",
            ["Tool", "Connected tools", "Sends to", "Why"],
            [[h.tool, h.connected_tools, h.sends_to, h.why] for h in analysis.hubs],
        ),
        (
            "Single points of failure",
            ["Tool", "Tools cut off", "", "Why"],
            [[p.tool, p.cut_off, None, p.why] for p in analysis.single_points_of_failure],
        ),
        (
            "Islands",
            ["Tools", "Count", "", "Why"],
            [[i.tools, len(i.tools), None, i.why] for i in analysis.islands],
        ),
        (
            "Fragile links",
            ["From → to", "Method", "", "Why it is fragile"],
            [
                [f"{f.source} → {f.target}", f.method, None, f.problem]
                for f in analysis.fragile_integrations
            ],
        ),
        (
            "Tools nobody owns",
            ["Tool", "", "", "Why"],
            [[u.tool, None, None, u.why] for u in analysis.unowned],
        ),
    ]
    for heading, columns, items in blocks:
        blank(sheet)
        bold(sheet, f"{heading} ({len(items)})")
        header(sheet, columns)
        for item in items or [["none", None, None, None]]:
            rows.append(item)


def write_renewals(sheet: WriteOnlyWorksheet, analysis: Analysis) -> None:
    first, last = _list_sheet(
        sheet,
        "Renewals",
        "Sorted by the date notice must be given. Urgent: the deadline is close; notice unknown: "
        "no notice period is recorded; committed: the deadline passed and the next term is owed; "
        "overdue: a contract that ends without renewing and whose deadline passed; lapsed: "
        "ended, verify. Days left count to the decide-by date.",
        "Renewals",
        [
            ("Tool", 22, None),
            ("Status", 11, None),
            ("Decide by", 11, DATE),
            ("Renewal date", 11, DATE),
            ("Days left", 7, None),
            ("Annual cost", 13, MONEY),
            ("Owners", 16, None),
            ("Why", 44, None),
        ],
        [
            [
                r.tool,
                r.status,
                r.decide_by,
                r.renewal_date,
                r.days_left,
                known(r.annual_cost),
                r.owners,
                r.why,
            ]
            for r in analysis.renewals
        ],
        analysis.currency,
    )
    rows = f"A{first}:H{max(last, first)}"
    sheet.conditional_formatting.add(rows, FormulaRule(formula=[f'$B{first}="overdue"'], fill=RED))
    sheet.conditional_formatting.add(rows, FormulaRule(formula=[f'$B{first}="urgent"'], fill=AMBER))


def write_spend(sheet: WriteOnlyWorksheet, stack: Stack, analysis: Analysis) -> None:
    money = analysis.spend
    areas = {a.slug: a.name for a in stack.reference.areas}
    categories = stack.reference.subcategories
    prepare(sheet, [40, 16, 10], repeat_rows="1:1")
    title(
        sheet,
        f"Spend ({money.currency} a year)",
        "A tool's cost goes to its main capability's area and to its category; owners, "
        "business units and vendors share it evenly, so every breakdown adds up to the same "
        "total.",
    )
    rows = RowWriter(sheet, [None, money_format(money.currency), PERCENT])
    total = money.total or 0
    for heading, totals in (
        ("By owner", money.by_owner),
        ("By business unit", money.by_business_unit),
        ("By vendor", money.by_vendor),
        ("By area", {areas.get(k, k): v for k, v in money.by_area.items()}),
        (
            "By category",
            {
                (categories[k].name if k in categories else k): v
                for k, v in money.by_category.items()
            },
        ),
    ):
        blank(sheet)
        bold(sheet, heading)
        header(sheet, ["", "Annual", "Share"])
        for key, value in sorted(totals.items(), key=lambda kv: (-kv[1], str(kv[0]).casefold())):
            rows.append([key, value, float(value / total) if total else None])
        total_row = RowWriter(sheet, [None, money_format(money.currency), PERCENT])
        total_row.append(["Total", sum(totals.values()), 1.0 if total else None])
    for note in money.notes:
        blank(sheet)
        rows.append([note])


def write_integration_register(sheet: WriteOnlyWorksheet, stack: Stack) -> None:
    """Every integration the catalog records, working, planned or broken: what finance and IT
    check a retirement against."""
    names = {t.id: t.name for t in stack.tools}
    links = sorted(
        stack.links,
        key=lambda link: (names[link.source].casefold(), names[link.target].casefold(), link.id),
    )
    _list_sheet(
        sheet,
        "Integration register",
        "Every integration in the catalog, whatever its status. Integration health lists only "
        "the problems.",
        "Register",
        [
            ("From", 22, None),
            ("To", 22, None),
            ("Method", 9, None),
            ("Direction", 9, None),
            ("Data", 26, None),
            ("Frequency", 10, None),
            ("Status", 9, None),
            ("Owner", 16, None),
        ],
        [
            [
                names[link.source],
                names[link.target],
                link.method,
                "both ways" if link.direction == "two_way" else "one way",
                "; ".join(link.data_objects) or None,
                link.frequency,
                link.status,
                link.owner,
            ]
            for link in links
        ],
    )


CHANGES = ("eliminate", "consolidate", "migrate")


def write_recommendations(sheet: WriteOnlyWorksheet, analysis: Analysis) -> None:
    """The action list: tools suggested (or decided) for a change, the largest savings first.

    Every tool's suggestion, scores and why are on the Inventory; this sheet is what a review
    acts on, so it lists only Eliminate, Consolidate and Migrate.
    """
    actions = [
        r
        for r in analysis.recommendations
        if r.disposition in CHANGES or (r.suggested in CHANGES and not r.decided)
    ]
    actions.sort(key=lambda r: (-(r.savings or 0), r.tool.casefold()))
    _list_sheet(
        sheet,
        "Recommendations",
        "Tools suggested or decided for Eliminate, Consolidate or Migrate, the largest savings "
        "first; a recorded decision always wins. Every tool's suggestion is on the Inventory.",
        "Recommendations",
        [
            ("Tool", 22, None),
            ("Action", 12, None),
            ("Suggested", 11, None),
            ("Into", 20, None),
            ("Savings a year", 13, MONEY),
            ("Why", 57, None),
        ],
        [
            [
                r.tool,
                r.disposition.capitalize(),
                r.suggested.capitalize() if r.decided else None,
                r.into,
                r.savings
                if r.savings is not None
                else "unknown"
                if r.disposition in ("eliminate", "consolidate") and r.annual_cost is None
                else None,
                r.why,
            ]
            for r in actions
        ],
        analysis.currency,
    )


def write_what_if(sheet: WriteOnlyWorksheet, scenario: WhatIf) -> None:
    prepare(sheet, [30, 14, 90])
    title(
        sheet,
        f"What if {', '.join(scenario.retire)} retired"
        + (f" into {scenario.into}" if scenario.into else ""),
    )
    rows = RowWriter(sheet, [None, MONEY, None])
    for sentence in scenario.why:
        rows.append([sentence])
    blank(sheet)
    figures: list[tuple[str, Any]] = [
        ("Annual savings", scenario.annual_savings),
        ("Owed until the contracts let go", scenario.committed_until_renewal),
        ("Savings in the next 12 months", scenario.savings_next_12_months),
    ]
    if scenario.into:
        figures += [
            (f"Extra cost on {scenario.into} a year", scenario.target_extra_cost),
            ("Net annual savings", scenario.net_annual_savings),
        ]
    for label, value in figures:
        rows.append([label, value if value is not None else "unknown"])
    for quarter in scenario.timeline:
        rows.append([f"Saved in {quarter.label}", quarter.saved, ", ".join(quarter.starting)])
    blocks: list[tuple[str, list[list[Any]]]] = [
        ("Deadlines", [[d.tool, d.annual_cost, d.why] for d in scenario.deadlines]),
        (
            "Capabilities left with no provider",
            [[c.capability, None, c.why] for c in scenario.capabilities_lost],
        ),
        (
            "Integrations that break",
            [[f"{b.source} → {b.target}", None, b.why] for b in scenario.integrations_broken],
        ),
        ("Cut off from the rest of the stack", [[t, None, None] for t in scenario.tools_cut_off]),
        ("Owners to inform", [[o, None, None] for o in scenario.owners_to_inform]),
    ]
    for heading, items in blocks:
        blank(sheet)
        bold(sheet, f"{heading} ({len(items)})")
        for item in items or [["none", None, None]]:
            rows.append(item)


def _as_contracted(cost: Cost) -> tuple[Any, str | None, str | None]:
    """Amount, currency and billing period as the contract(s) being paid say them."""
    contracts = [p.contract for p in cost.paid]
    terms = []
    for c in contracts:
        if c.amount is not None:
            terms.append((c.amount, c.currency, c.billing_period))
        elif c.annual_cost is not None:
            terms.append((c.annual_cost, c.currency, "annual"))
    if not terms:
        return None, None, None
    if len(terms) == 1:
        return terms[0]
    listed = "; ".join(
        f"{cur or ''} {amount:,.2f} {period or ''}".strip() for amount, cur, period in terms
    )
    currencies = sorted({cur for _, cur, _ in terms if cur})
    return f"{len(terms)} contracts: {listed}", "; ".join(currencies) or None, "several"


def known(amount: Any) -> Any:
    """An amount, or the word unknown: never a blank a reader would take for nothing."""
    return "unknown" if amount is None else amount


def _annual(cost: Cost) -> Any:
    """The annual cost in the base currency; unknown is said in words, never a blank or 0."""
    if cost.annual is not None:
        return cost.annual  # amounts with no rate are left out of it and named in the Why
    if cost.unconverted:
        rates = ", ".join(sorted(cur for cur, _ in cost.unconverted))
        return f"unknown (no {rates} rate)"
    if cost.lapsed_only:
        return "lapsed"
    return "unknown"


def _capabilities(tool: ToolFacts, names: Mapping[str, Capability]) -> str | None:
    """A tool's capabilities by name, saying when stackmap inferred them rather than a person."""
    text = "; ".join(names[c].name for c in tool.capabilities if c in names)
    if text and tool.capabilities_inferred:
        text += f" (inferred from {INFERRED_FROM.get(tool.capabilities_inferred, 'elsewhere')})"
    return text or None
