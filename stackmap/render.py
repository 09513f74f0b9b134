"""Terminal rendering of the analysis and of what-if scenarios (Rich tables and sentences).

Every cell built from catalog text goes through Text(): a tool named "[red]x" prints as
written instead of restyling the output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from stackmap.sections import SECTIONS
from stackmap.text import IN_A_CELL, and_more, first, money

if TYPE_CHECKING:
    from stackmap.analysis import Analysis, WhatIf
    from stackmap.analysis.plan import Plan
    from stackmap.analysis.timeline import Quarter

_SHOWN = 15  # rows per table before "… and N more"
_ALL = " (--json lists them all)"


def _money(amount: Decimal | None, currency: str) -> str:
    return money(amount, currency, IN_A_CELL)


def _table(title: str, columns: Sequence[str], right: Sequence[str] = ()) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=False)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left", overflow="fold")
    return table


def _rows(
    console: Console, table: Table, items: Sequence[Any], row: Callable[[Any], list[str]]
) -> None:
    shown, left_out = first(items, _SHOWN)
    for item in shown:
        table.add_row(*(Text(str(cell)) for cell in row(item)))
    console.print(table)
    if left_out:
        console.print(Text(and_more(left_out, _ALL), style="dim"))
    console.print()


def _more(console: Console, items: Sequence[Any]) -> None:
    if len(items) > _SHOWN:
        console.print(Text("  " + and_more(len(items) - _SHOWN, _ALL), style="dim"))
    console.print()


def _sentences(console: Console, title: str, items: Sequence[Any], empty: str) -> None:
    console.print(Text(title, style="bold"))
    if not items:
        console.print(Text(f"  {empty}", style="dim"))
    shown, left_out = first(items, _SHOWN)
    for item in shown:
        console.print(Text(f"  • {item.why}"))
    if left_out:
        console.print(Text("  " + and_more(left_out, _ALL), style="dim"))
    console.print()


def render_analysis(
    console: Console, analysis: Analysis, sections: Sequence[str] = SECTIONS
) -> None:
    """Print the sections of an analysis a person reads at the terminal, in the usual order."""
    for name in SECTIONS:
        if name in sections:
            _SECTION[name](console, analysis)


def _show_summary(console: Console, analysis: Analysis) -> None:
    cur = analysis.currency
    spend = analysis.spend
    console.print(
        Text(
            f"Stack on {analysis.as_of}: {analysis.tools_in_use} tools in use "
            f"(of {analysis.tools_total} in the catalog)",
            style="bold",
        )
    )
    for label, value in (
        ("Annual spend (contract terms)", _money(spend.total, cur)),
        ("At stake in overlaps", _money(analysis.at_stake, cur)),
        (
            "Unused licences (per seat)",
            _money(analysis.wasted, cur)
            + (
                f" (+ up to {_money(analysis.possible_waste, cur)} where pricing is not recorded)"
                if analysis.possible_waste
                else ""
            ),
        ),
        ("Savings of the suggested plan", _money(analysis.plan_savings, cur)),
        (
            "Renewals coming up",
            str(analysis.renewals_due),
        ),
        ("Required capabilities covered", f"{analysis.coverage.required_share:.0%}"),
        (
            "Maturity (technology only)",
            f"{analysis.maturity.name} (level {analysis.maturity.level})",
        ),
    ):
        console.print(Text(f"  {label:<32}{value}"))
    for note in spend.notes:
        console.print(Text(f"  Note: {note}", style="yellow"))
    if analysis.set_aside:
        by_category: dict[str, int] = {}
        for aside in analysis.set_aside:
            by_category[aside.category] = by_category.get(aside.category, 0) + 1
        kinds = ", ".join(f"{c}: {n}" for c, n in sorted(by_category.items()))
        console.print(
            Text(
                f"  Note: {len(analysis.set_aside)} tools outside marketing ({kinds}) are "
                "counted in spend, renewals and integrations but left out of coverage, "
                "overlap, gaps and recommendations; --all-tools counts them",
                style="yellow",
            )
        )
    console.print()


def _show_overlaps(console: Console, analysis: Analysis) -> None:
    cur = analysis.currency
    console.print(Text("Overlaps (tools doing the same job)", style="bold"))
    if not analysis.overlaps:
        console.print(Text("  none", style="dim"))
    for o in analysis.overlaps[:_SHOWN]:
        keep = f"keep {o.keeper}" if o.keeper else "no keeper"
        console.print(Text(f"  • {', '.join(o.tools)}: {keep}, {_money(o.at_stake, cur)} at stake"))
        console.print(Text(f"    {o.why} {o.keeper_why}", style="dim"))
    _more(console, analysis.overlaps)
    _sentences(
        console,
        "Partial overlaps (one tool's job, another's side line: review, no saving counted)",
        analysis.partial_overlaps,
        "none",
    )


def _show_gaps(console: Console, analysis: Analysis) -> None:
    _sentences(console, "Gaps (required capabilities with no tool)", analysis.gaps, "none")
    _sentences(
        console,
        "Journey gaps (stages of the customer journey no tool serves)",
        analysis.coverage.journey_gaps,
        "none",
    )


def _show_coverage(console: Console, analysis: Analysis) -> None:
    _rows(
        console,
        _table(
            "Coverage by area",
            ("Area", "Capabilities covered", "Required covered"),
            right=("Capabilities covered", "Required covered"),
        ),
        analysis.coverage.areas,
        lambda a: [
            a.name,
            f"{a.covered}/{a.capabilities} ({a.share:.0%})",
            f"{a.required_covered}/{a.required}",
        ],
    )
    _sentences(
        console,
        "Single providers (one tool carries a capability)",
        analysis.coverage.single_provider,
        "none",
    )
    _rows(
        console,
        _table("Customer journey", ("Stage", "Side", "Tools")),
        analysis.coverage.journey,
        lambda j: [j.stage, j.side, f"{len(j.tools)}" if j.tools else "none — a gap"],
    )


def _show_integrations(console: Console, analysis: Analysis) -> None:
    _sentences(console, "Silos (no working integration)", analysis.silos, "none")
    _sentences(console, "Hubs", analysis.hubs, "none")
    _sentences(console, "Single points of failure", analysis.single_points_of_failure, "none")
    _sentences(console, "Islands", analysis.islands, "none")
    _sentences(console, "Fragile integrations", analysis.fragile_integrations, "none")
    _sentences(console, "Tools nobody owns", analysis.unowned, "none")


def _show_renewals(console: Console, analysis: Analysis) -> None:
    cur = analysis.currency
    _rows(
        console,
        _table(
            "Renewals",
            ("Tool", "Status", "Decide by", "Renews", "Annual cost", "Owners"),
            right=("Annual cost",),
        ),
        analysis.renewals,
        lambda r: [
            r.tool,
            r.status,
            _day(r.decide_by, "notice unknown"),
            _day(r.renewal_date, "unknown"),
            _money(r.annual_cost, cur),
            ", ".join(r.owners) or "nobody",
        ],
    )
    _render_contract_checks(console, analysis)


def _show_underutilized(console: Console, analysis: Analysis) -> None:
    cur = analysis.currency
    _rows(
        console,
        _table(
            "Seats: idle, low adoption, over-use",
            ("Tool", "Seats used", "Share", "Finding", "Wasted a year"),
            right=("Seats used", "Share", "Wasted a year"),
        ),
        analysis.underutilized,
        lambda u: [
            u.tool,
            f"{u.seats_active}/{u.seats_purchased}",
            f"{u.utilisation:.0%}" if u.utilisation is not None else "—",
            u.kind,
            _money(u.wasted, cur)
            if u.wasted is not None
            else f"if per seat: {_money(u.if_per_seat, cur)}"
            if u.if_per_seat
            else "—",
        ],
    )


def _show_spend(console: Console, analysis: Analysis) -> None:
    cur = analysis.currency
    spend = analysis.spend
    area_names = {a.area: a.name for a in analysis.coverage.areas}
    for title, totals in (
        ("Spend by area", {area_names.get(k, k): v for k, v in spend.by_area.items()}),
        ("Spend by vendor", spend.by_vendor),
        ("Spend by owner", spend.by_owner),
        ("Spend by business unit", spend.by_business_unit),
    ):
        _rows(
            console,
            _table(title, ("", "Annual"), right=("Annual",)),
            list(totals.items()),
            lambda kv: [kv[0], _money(kv[1], cur)],
        )
    check = analysis.invoices
    if check.reports or check.untied:
        console.print(
            Text(
                "Invoices against contracts (from finance spend reports; the totals above "
                "are the contracts' terms)",
                style="bold",
            )
        )
        for item in (*check.compared, *check.invoices_without_contract):
            console.print(Text(f"  • {item.why}"))
        unpaid = sorted(check.contracts_without_invoices, key=lambda i: -(i.contract or 0))
        for item in unpaid[:_SHOWN]:
            console.print(Text(f"  • {item.why}"))
        if len(unpaid) > _SHOWN:
            left_out = and_more(len(unpaid) - _SHOWN, " contracts no report shows paid")
            console.print(Text("  " + left_out))
        for untied in check.untied[:_SHOWN]:
            console.print(Text(f"  • {untied.why}"))


def _show_recommendations(console: Console, analysis: Analysis) -> None:
    cur = analysis.currency
    if analysis.plan is not None:
        _render_plan(console, analysis.plan, cur)
    counts: dict[str, int] = {}
    for r in analysis.recommendations:
        counts[r.disposition] = counts.get(r.disposition, 0) + 1
    console.print(
        Text(
            "Dispositions: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
            style="bold",
        )
    )
    ranked = sorted(analysis.recommendations, key=lambda r: (-(r.savings or 0), r.tool.casefold()))
    for r in ranked[:_SHOWN]:
        decided = " (decided)" if r.decided else ""
        console.print(
            Text(f"  • {r.tool}: {r.disposition}{decided} — value {r.value:.2f}, fit {r.fit:.2f}")
        )
        console.print(Text(f"    {r.why}", style="dim"))
    _more(console, ranked)


def _show_maturity(console: Console, analysis: Analysis) -> None:
    m = analysis.maturity
    console.print(
        Text(
            f"Maturity: technology consistent with {m.name} (level {m.level}) — {m.summary}",
            style="bold",
        )
    )
    console.print(Text(f"  ({m.scope})", style="dim"))
    for line in (*m.evidence, *m.next_steps):
        console.print(Text(f"  • {line}"))
    console.print()


_SECTION: dict[str, Callable[[Console, Analysis], None]] = {
    "summary": _show_summary,
    "overlaps": _show_overlaps,
    "gaps": _show_gaps,
    "coverage": _show_coverage,
    "integrations": _show_integrations,
    "renewals": _show_renewals,
    "underutilized": _show_underutilized,
    "spend": _show_spend,
    "recommendations": _show_recommendations,
    "maturity": _show_maturity,
}


def _render_contract_checks(console: Console, analysis: Analysis) -> None:
    if not analysis.contract_checks:
        return
    counts: dict[str, int] = {}
    for item in analysis.contract_checks:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    _sentences(
        console,
        "Contract terms to confirm ("
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        + ")",
        analysis.contract_checks,
        "none",
    )


def _render_plan(console: Console, plan: Plan, cur: str) -> None:
    console.print(Text("The suggested plan", style="bold"))
    console.print(Text(f"  {plan.headline}"))
    _timeline(console, plan.timeline, cur)


def _timeline(console: Console, quarters: Sequence[Quarter], cur: str) -> None:
    if not quarters or not any(q.run_rate for q in quarters):
        console.print()
        return
    _rows(
        console,
        _table(
            "  Savings by quarter (when the contracts let go)",
            ("Quarter", "Saved in the quarter", "Yearly rate by its end", "Starting"),
            right=("Saved in the quarter", "Yearly rate by its end"),
        ),
        quarters,
        lambda q: [
            q.label,
            _money(q.saved, cur),
            _money(q.run_rate, cur),
            ", ".join(q.starting) or "—",
        ],
    )


def _day(day: date | None, unknown: str) -> str:
    return day.isoformat() if day is not None else unknown


def render_what_if(console: Console, result: WhatIf) -> None:
    """Print a what-if scenario: the summary sentences, then each consequence."""
    cur = result.currency
    title = f"What if {', '.join(result.retire)} retired" + (
        f" into {result.into}" if result.into else ""
    )
    console.print(Text(title, style="bold"))
    for sentence in result.why:
        console.print(Text(f"  {sentence}"))
    console.print()
    figures = [
        ("Annual savings", _money(result.annual_savings, cur)),
        ("Owed until the contracts let go", _money(result.committed_until_renewal, cur)),
        ("Savings in the next 12 months", _money(result.savings_next_12_months, cur)),
    ]
    if result.into:
        figures += [
            (f"Extra cost on {result.into}", _money(result.target_extra_cost, cur)),
            ("Net annual savings", _money(result.net_annual_savings, cur)),
        ]
    for label, value in figures:
        console.print(Text(f"  {label:<34} {value}"))
    console.print()
    _timeline(console, result.timeline, cur)
    _sentences(console, "Deadlines", result.deadlines, "none")
    _sentences(console, "Capabilities left with no provider", result.capabilities_lost, "none")
    _rows(
        console,
        _table("Integrations that break", ("From", "To", "Method", "What to do")),
        result.integrations_broken,
        lambda b: [b.source, b.target, b.method, b.why],
    )
    console.print(
        Text("Cut off from the rest of the stack: " + (", ".join(result.tools_cut_off) or "none"))
    )
    console.print(
        Text("Left with no working integration: " + (", ".join(result.new_silos) or "none"))
    )
    console.print(
        Text("Owners to inform: " + (", ".join(result.owners_to_inform) or "nobody recorded"))
    )
