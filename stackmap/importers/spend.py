"""Plan an import of a finance spend report: invoice lines → annual spend per supplier, matched
to the tools in the catalog. Suppliers that cannot be tied to a tool are listed, never turned
into tools (the office landlord is not martech)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from rapidfuzz import fuzz, utils

from stackmap.errors import InvalidValueError
from stackmap.importers.files import read_sheets, sha256_of, sheet_names
from stackmap.importers.headers import detect_header
from stackmap.importers.mapping import Issue, date_order, map_rows
from stackmap.importers.matching import ProductMatcher, without_edition
from stackmap.importers.values import text_of
from stackmap.models import vendor_key
from stackmap.reference import Reference

SUPPLIER_MATCH = 90.0  # token-set score: "Adobe Systems Software Ireland Ltd" is Adobe
DESCRIPTION_MATCH = 85.0


@dataclass(frozen=True)
class CatalogTool:
    """A tool in the catalog with what identifies its supplier."""

    name: str
    vendor: str | None
    product: str | None


@dataclass
class SupplierSpend:
    """Every invoice line of one supplier in one currency, added up."""

    supplier: str
    key: str
    currency: str | None
    amount: Decimal = Decimal(0)
    invoices: int = 0
    first: date | None = None
    last: date | None = None
    descriptions: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class SpendMatch:
    """What a supplier's spend was tied to, and why (or why not)."""

    spend: SupplierSpend
    status: str  # matched, ambiguous, not_in_catalog, not_martech
    reason: str
    tool: str | None = None
    annual_amount: Decimal = Decimal(0)


@dataclass
class SpendPlan:
    """The result of reading a spend report."""

    file: str
    sha256: str
    period_start: date
    period_end: date
    months: int
    matches: list[SpendMatch] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def plan_spend(
    path: Path,
    reference: Reference,
    tools: Sequence[CatalogTool],
    *,
    sheet: str | None = None,
    dayfirst: bool | None = None,
    currency: str | None = None,
) -> SpendPlan:
    """Read a spend report and tie each supplier's annual spend to a catalog tool if it can."""
    sheets = read_sheets(path)
    found = None
    for candidate in sheets:
        if sheet is not None and candidate.name.casefold() != sheet.casefold():
            continue
        header = detect_header(candidate.rows, "spend", merged_rows=candidate.merged_rows)
        if header is not None and header.field_column("date") is not None:
            found = (candidate, header)
            break
    if found is None:
        raise InvalidValueError(
            f"{path.name}: no sheet has supplier, amount and date columns of a spend report; "
            f"sheets: {sheet_names(sheets)}"
        )
    candidate, header = found
    try:
        order = date_order(candidate, header, path.name)
    except ValueError as exc:
        if dayfirst is None:
            raise InvalidValueError(f"{exc}; say --dayfirst or --monthfirst") from None
        order = dayfirst
    mapped = map_rows(
        candidate,
        header,
        dayfirst=dayfirst if dayfirst is not None else order,
        default_currency=currency,
        # Finance lines are summed: a line whose amount cannot be read must stop the sum
        # (or be skipped knowingly), never be dropped quietly.
        strict=True,
    )
    suppliers: dict[tuple[str, str | None], SupplierSpend] = {}
    dates: list[date] = []
    issues = list(mapped.issues)
    for row in mapped.rows:
        amount = row.cells.get("amount")
        when = row.cells.get("date")
        if amount is None or not isinstance(when, date):
            issues.append(Issue(row.number, "", "", "no amount or date; line skipped", "warning"))
            continue
        name = text_of(row.cells["supplier"])
        code = row.cells.get("currency") or currency
        entry = suppliers.setdefault(
            (vendor_key(name), code), SupplierSpend(name, vendor_key(name), code)
        )
        entry.amount += Decimal(amount)
        entry.invoices += 1
        entry.first = min(entry.first or when, when)
        entry.last = max(entry.last or when, when)
        entry.rows.append(row.number)
        description = text_of(row.cells.get("description"))
        if description and description not in entry.descriptions:
            entry.descriptions.append(description)
        dates.append(when)
    if not dates:
        raise InvalidValueError(f"{path.name}: no invoice lines with an amount and a date")
    start, end = min(dates), max(dates)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    plan = SpendPlan(path.name, sha256_of(path), start, end, months, issues=issues)
    matcher = ProductMatcher(reference)
    for entry in sorted(suppliers.values(), key=lambda e: (-e.amount, e.supplier)):
        match = _match(entry, tools, reference, matcher)
        # Twelve months of invoices are the annual spend; a shorter report is a run rate.
        match.annual_amount = (entry.amount * 12 / months).quantize(Decimal("0.01"))
        plan.matches.append(match)
    return plan


def _similar(a: str, b: str) -> float:
    return float(fuzz.token_set_ratio(a, b, processor=utils.default_process))


def _match(
    entry: SupplierSpend,
    tools: Sequence[CatalogTool],
    reference: Reference,
    matcher: ProductMatcher,
) -> SpendMatch:
    key = entry.key
    by_vendor = [
        t for t in tools if t.vendor and _similar(key, vendor_key(t.vendor)) >= SUPPLIER_MATCH
    ]
    bare = without_edition(entry.supplier)
    product = matcher.match(bare)
    if product is not None and product.how != "possible":
        by_vendor += [t for t in tools if t.product == product.target and t not in by_vendor]
    if len(by_vendor) == 1:
        return SpendMatch(
            entry, "matched", f"supplier is the vendor of {by_vendor[0].name}", by_vendor[0].name
        )
    if len(by_vendor) > 1:
        best = _by_description(entry, by_vendor, reference)
        if best is not None:
            return SpendMatch(
                entry,
                "matched",
                f"invoice text names {best.name} among the vendor's tools",
                best.name,
            )
        names = ", ".join(t.name for t in by_vendor[:5])
        return SpendMatch(
            entry,
            "ambiguous",
            f"the vendor has several tools ({names}) and the invoice text names none",
        )
    library = sorted(
        {
            p.name
            for p in reference.products
            if _similar(key, vendor_key(p.vendor)) >= SUPPLIER_MATCH
        }
    )
    if product is not None and product.how != "possible":
        library = [product.target]
    if library:
        return SpendMatch(
            entry,
            "not_in_catalog",
            f"a martech supplier ({', '.join(library[:3])}) with no tool in the "
            "catalog; add the tool to track this spend",
        )
    return SpendMatch(entry, "not_martech", "not a supplier of any known martech product")


def _by_description(
    entry: SupplierSpend, tools: list[CatalogTool], reference: Reference
) -> CatalogTool | None:
    text = " ".join(entry.descriptions)
    if not text:
        return None
    scored = []
    for tool in tools:
        names = [tool.name]
        product = reference.product(tool.product or tool.name)
        if product is not None:
            names += [product.name, *product.aliases]
        score = max(fuzz.partial_ratio(n, text, processor=utils.default_process) for n in names)
        scored.append((score, tool))
    scored.sort(key=lambda s: -s[0])
    if scored[0][0] >= DESCRIPTION_MATCH and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None
