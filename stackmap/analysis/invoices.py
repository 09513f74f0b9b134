"""What finance paid against what the contracts say: the spend reports meet the catalog.

A contract says what a tool should cost; the invoices finance imported (`import --spend`) say
what was paid. Compared per tool in one currency, over the latest report that covers it:
invoices with no contract behind them, and contracts that no report shows being paid
(possibly cancelled — to verify, never assumed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from stackmap.analysis.graph import StackGraph
from stackmap.analysis.stack import InvoicedFacts, Stack, ToolFacts, UntiedFacts
from stackmap.terms import current_contracts
from stackmap.text import money


@dataclass(frozen=True)
class Invoiced:
    """One tool's invoices against its contract."""

    tool: str
    currency: str | None
    invoiced: Decimal | None  # a year's worth, as the report's method gives it; None: unknown
    months: int
    contract: Decimal | None  # the current contracts' yearly cost in the same currency
    difference: Decimal | None
    why: str


@dataclass(frozen=True)
class InvoiceCheck:
    """The spend reports against the contracts, with the sources of both totals."""

    compared: tuple[Invoiced, ...]
    invoices_without_contract: tuple[Invoiced, ...]
    contracts_without_invoices: tuple[Invoiced, ...]
    reports: int  # how many tools any spend report has reached (0: nothing to compare)
    # Martech-looking suppliers paid with no tool tied: possible shadow tools, or to confirm.
    untied: tuple[Untied, ...] = ()


@dataclass(frozen=True)
class Untied:
    """A supplier finance paid that looks like martech but is tied to no tool in the catalog."""

    supplier: str
    currency: str | None
    amount: Decimal
    annual_amount: Decimal | None
    status: str  # not_in_catalog (a possible shadow tool), ambiguous or to_confirm
    why: str


def _money(amount: Decimal | None, currency: str | None) -> str:
    return money(amount, currency or "(no currency)")


def _latest(invoices: tuple[InvoicedFacts, ...]) -> list[InvoicedFacts]:
    """The lines of the most recent report period (one per supplier and currency)."""
    if not invoices:
        return []
    end = max(i.period_end for i in invoices)
    return [i for i in invoices if i.period_end == end]


def _months(line: InvoicedFacts) -> int:
    days = (line.period_end - line.period_start).days + 1
    return max(1, round(days / 30.44))


def invoice_check(stack: Stack, graph: StackGraph) -> InvoiceCheck:
    """Compare each tool in use's invoices with its contract."""
    reached = [t for t in stack.tools if t.invoiced]
    compared: list[Invoiced] = []
    without_contract: list[Invoiced] = []
    without_invoices: list[Invoiced] = []
    untied = tuple(_untied(u) for u in stack.untied)
    if not reached:
        return InvoiceCheck((), (), (), 0, untied)
    report_start = min(i.period_start for t in reached for i in t.invoiced)
    report_end = max(i.period_end for t in reached for i in t.invoiced)
    for tool in graph.sorted_tools:
        if not tool.invoiced:
            unpaid = _unpaid(stack, tool, report_start, report_end)
            if unpaid is not None:
                without_invoices.append(unpaid)
            continue
        kind, found = _compared(stack, tool)
        (compared if kind == "compared" else without_contract).append(found)
    return InvoiceCheck(
        tuple(compared), tuple(without_contract), tuple(without_invoices), len(reached), untied
    )


def _untied(u: UntiedFacts) -> Untied:
    return Untied(
        u.supplier,
        u.currency,
        u.amount,
        u.annual_amount,
        u.status,
        f"finance paid {u.supplier} {_money(u.amount, u.currency)} in {u.invoices} "
        f"invoice(s) from {u.period_start} to {u.period_end}, tied to no tool: {u.reason}"
        + (" — a possible shadow tool" if u.status == "not_in_catalog" else ""),
    )


def _unpaid(stack: Stack, tool: ToolFacts, report_start: date, report_end: date) -> Invoiced | None:
    """A paid contract no report shows being paid while the reports ran, or None."""
    contract_cost, currency = _contract(tool, stack)
    current = current_contracts(list(tool.contracts), report_end)
    paid_for = contract_cost is not None and contract_cost > 0  # free tools send no bill
    if not (paid_for and current and _overlaps(tool, report_start, report_end)):
        return None
    return Invoiced(
        tool.name,
        currency,
        None,
        0,
        contract_cost,
        None,
        f"{tool.name} has a contract of {_money(contract_cost, currency)} a year, "
        f"but no spend report from {report_start} to {report_end} shows it "
        "being paid: possibly cancelled, paid elsewhere or under another "
        "supplier name — verify",
    )


def _compared(
    stack: Stack, tool: ToolFacts
) -> tuple[Literal["compared", "no contract cost"], Invoiced]:
    """What a tool's latest invoices say against its contract, in one currency or not at all
    (one that cannot be compared says why); or that it is invoiced with no contract cost."""
    contract_cost, currency = _contract(tool, stack)
    lines = _latest(tool.invoiced)
    currencies = {line.currency for line in lines}
    months = max(_months(line) for line in lines)
    if len(currencies) != 1 or None in currencies:
        stated = ", ".join(sorted(c or "none stated" for c in currencies))
        return "compared", Invoiced(
            tool.name,
            None,
            None,
            months,
            contract_cost,
            None,
            f"invoiced for {tool.name} in currency {stated}: not compared with the "
            "contract (currencies are never guessed or mixed)",
        )
    paid_in = currencies.pop()
    known = [line.annual_amount for line in lines if line.annual_amount is not None]
    invoiced = sum(known, Decimal(0)) if len(known) == len(lines) else None
    total = sum((line.amount for line in lines), Decimal(0))
    paid = f"invoiced {_money(total, paid_in)} over {months} month(s)"
    if contract_cost is None:
        return "no contract cost", Invoiced(
            tool.name,
            paid_in,
            invoiced,
            months,
            None,
            None,
            f"{tool.name}: {paid}, with no contract cost recorded; add its terms so "
            "renewals and savings can count it",
        )
    if currency != paid_in:
        why = (
            f"{tool.name}: {paid}; the contract is in {currency}: not compared (no "
            "conversion is guessed)"
        )
        return "compared", Invoiced(tool.name, paid_in, invoiced, months, None, None, why)
    difference = None if invoiced is None else invoiced - contract_cost
    if invoiced is None or difference is None:
        why = (
            f"{tool.name}: {paid}; a yearly figure cannot be told from this report, so it is "
            f"not compared with the contract's {_money(contract_cost, currency)}"
        )
    else:
        share = f" ({difference / contract_cost:+.0%})" if contract_cost else ""
        why = (
            f"{tool.name}: {paid} ({_money(invoiced, paid_in)} a year) vs contract "
            f"{_money(contract_cost, currency)}{share}"
        )
    return "compared", Invoiced(
        tool.name, paid_in, invoiced, months, contract_cost, difference, why
    )


def _contract(tool: ToolFacts, stack: Stack) -> tuple[Decimal | None, str | None]:
    """The current contracts' yearly cost and their one currency (None when mixed or none)."""
    current = current_contracts(list(tool.contracts), stack.today)
    costs = [(c.annual_cost, c.currency) for c in current if c.annual_cost is not None]
    if not costs or len({c for _, c in costs}) != 1:
        return None, None
    return sum((a for a, _ in costs), Decimal(0)), costs[0][1]


def _overlaps(tool: ToolFacts, start: date, end: date) -> bool:
    """True when a contract of the tool ran during the reports' period."""
    return any(
        (c.start_date is None or c.start_date <= end)
        and (c.end_date is None or c.end_date >= start)
        for c in tool.contracts
    )
