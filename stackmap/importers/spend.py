"""Plan an import of a finance spend report: invoice lines → annual spend per supplier, matched
to the tools in the catalog. Suppliers that cannot be tied to a tool are listed, never turned
into tools (the office landlord is not martech)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from stackmap.domain import name_key, vendor_key
from stackmap.errors import InvalidValueError
from stackmap.importers.evidence import weigh
from stackmap.importers.files import Sheet, read_sheets, sha256_of, sheet_names
from stackmap.importers.headers import HeaderMap, detect_header, headers_seen, missing_fields
from stackmap.importers.mapping import Issue, date_order, map_rows
from stackmap.importers.period import (
    Period,
    annualise,
    bulk_period,
    parse_period_option,
    stated_period,
)
from stackmap.importers.profiles import Profile
from stackmap.importers.records import SourceRow
from stackmap.importers.suppliers import Identity, SupplierIndex, names_in, supplier_key
from stackmap.importers.values import text_of
from stackmap.reference import Reference


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
    months: set[tuple[int, int]] = field(default_factory=set)  # (year, month) invoiced in


# Statuses of suppliers that look like martech but are tied to no tool: kept for the analysis
# (possible shadow tools, or suppliers to confirm), never written onto a tool.
UNTIED = frozenset({"not_in_catalog", "ambiguous", "to_confirm"})


@dataclass
class SpendMatch:
    """What a supplier's spend was tied to, and why (or why not)."""

    spend: SupplierSpend
    # matched; ambiguous (a known vendor with several tools); to_confirm (a name that only
    # contains a martech name); not_in_catalog (a martech vendor with no tool); not_martech
    status: str
    reason: str
    tool: str | None = None
    annual_amount: Decimal | None = None  # None: no stated method gives a yearly figure
    annualised_by: str = ""


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
    period_source: str = ""  # where the period was read from, in words


def plan_spend(
    path: Path,
    reference: Reference,
    tools: Sequence[CatalogTool],
    *,
    sheet: str | None = None,
    dayfirst: bool | None = None,
    currency: str | None = None,
    profile: Profile | None = None,
    period: str | None = None,
) -> SpendPlan:
    """Read a spend report and tie each supplier's annual spend to a catalog tool if it can.

    A profile names the columns of a recurring layout and the suppliers a person has tied to
    tools (its suppliers:). period ("START..END") says what the report covers, for one that
    does not say (a supplier-totals pivot has no dates at all).
    """
    if profile is not None:
        sheet = sheet or profile.sheet
        currency = currency or profile.currency
        dayfirst = profile.dayfirst if dayfirst is None else dayfirst
    sheets = read_sheets(path)
    candidate, header = _spend_sheet(path, sheets, sheet, profile)
    header, _ = weigh(candidate.rows, header, lambda _text: False)
    has_dates = header.field_column("date") is not None
    stated = _stated_period(path, candidate, header, period, dayfirst, has_dates)
    order: bool | None = dayfirst
    if has_dates:
        try:
            order = date_order(candidate, header, path.name)
        except ValueError as exc:
            if dayfirst is None:
                raise InvalidValueError(f"{exc}; say --dayfirst or --monthfirst") from None
        order = dayfirst if dayfirst is not None else order
    mapped = map_rows(
        candidate,
        header,
        dayfirst=order,
        default_currency=currency,
        # Finance lines are summed: a line whose amount cannot be read must stop the sum
        # (or be skipped knowingly), never be dropped quietly.
        strict=True,
    )
    issues = list(mapped.issues)
    lines = _invoice_lines(mapped.rows, currency, has_dates, issues)
    if not lines:
        raise InvalidValueError(f"{path.name}: no invoice lines with an amount and a date")
    covered = stated if stated is not None else bulk_period([x.when for x in lines if x.when])[0]
    outside = [x for x in lines if x.when and not covered.start <= x.when <= covered.end]
    if outside:
        shown = ", ".join(f"row {x.row} ({x.when})" for x in outside[:3])
        issues.append(
            Issue(
                0,
                "",
                "",
                f"{len(outside)} invoice line(s) dated outside the period {covered.start} to "
                f"{covered.end} left out of the totals: {shown}{', …' if len(outside) > 3 else ''}",
                "warning",
            )
        )
    months = covered.months
    if months < 12:
        issues.append(
            Issue(
                0,
                "",
                "",
                f"the report covers {months} month(s): yearly figures are run rates only for "
                "suppliers that invoice repeatedly (or say how often); others stay unknown",
                "warning",
            )
        )
    plan = SpendPlan(
        path.name,
        sha256_of(path),
        covered.start,
        covered.end,
        months,
        issues=issues,
        period_source=covered.source,
    )
    suppliers = _by_supplier(x for x in lines if x not in outside)
    plan.matches = _matches(suppliers, reference, tools, profile, months, has_dates)
    return plan


def _stated_period(
    path: Path,
    candidate: Sheet,
    header: HeaderMap,
    period: str | None,
    dayfirst: bool | None,
    has_dates: bool,
) -> Period | None:
    """The period the person gave (--period) or the report states above its header; a report
    with no dates that states none cannot be annualised, and is refused."""
    try:
        stated = (
            parse_period_option(period, dayfirst)
            if period
            else stated_period(candidate.rows[: header.header_rows[0]], dayfirst)
        )
    except ValueError as exc:
        raise InvalidValueError(f"{path.name}: {exc}") from None
    if not has_dates and stated is None:
        raise InvalidValueError(
            f"{path.name}: the report has no date column and states no period; say --period "
            "START..END (e.g. 2026-01-01..2026-12-31)"
        )
    return stated


def _invoice_lines(
    rows: Sequence[SourceRow], currency: str | None, has_dates: bool, issues: list[Issue]
) -> list[_Line]:
    """The rows that are invoice lines (an amount, and a date when the report has dates)."""
    lines: list[_Line] = []
    for row in rows:
        amount = row.cells.get("amount")
        when = row.cells.get("date")
        if amount is None or (has_dates and not isinstance(when, date)):
            issues.append(Issue(row.number, "", "", "no amount or date; line skipped", "warning"))
            continue
        lines.append(
            _Line(
                row.number,
                text_of(row.cells["supplier"]),
                row.cells.get("currency") or currency,
                Decimal(amount),
                when if isinstance(when, date) else None,
                text_of(row.cells.get("description")),
            )
        )
    return lines


def _matches(
    suppliers: dict[tuple[str, str | None], SupplierSpend],
    reference: Reference,
    tools: Sequence[CatalogTool],
    profile: Profile | None,
    months: int,
    has_dates: bool,
) -> list[SpendMatch]:
    """Each supplier's spend, largest first, tied to a tool when it can be, and annualised."""
    index = SupplierIndex(reference, [t.vendor for t in tools if t.vendor])
    confirmed = {supplier_key(k): v for k, v in (profile.suppliers if profile else {}).items()}
    matches = []
    for entry in sorted(suppliers.values(), key=lambda e: (-e.amount, e.supplier)):
        match = _match(entry, tools, index, confirmed)
        match.annual_amount, match.annualised_by = annualise(
            entry.amount, months, len(entry.months) if has_dates else None, entry.descriptions
        )
        matches.append(match)
    return matches


@dataclass(frozen=True)
class _Line:
    """One invoice line as read."""

    row: int
    supplier: str
    currency: str | None
    amount: Decimal
    when: date | None
    description: str


def _by_supplier(lines: Iterable[_Line]) -> dict[tuple[str, str | None], SupplierSpend]:
    """Invoice lines added up per supplier and currency (currencies are never mixed)."""
    suppliers: dict[tuple[str, str | None], SupplierSpend] = {}
    for line in lines:
        key = vendor_key(line.supplier)
        entry = suppliers.setdefault(
            (key, line.currency), SupplierSpend(line.supplier, key, line.currency)
        )
        entry.amount += line.amount
        entry.invoices += 1
        if line.when is not None:
            entry.first = min(entry.first or line.when, line.when)
            entry.last = max(entry.last or line.when, line.when)
            entry.months.add((line.when.year, line.when.month))
        entry.rows.append(line.row)
        if line.description and line.description not in entry.descriptions:
            entry.descriptions.append(line.description)
    return suppliers


def _spend_sheet(
    path: Path, sheets: list[Sheet], wanted: str | None, profile: Profile | None
) -> tuple[Sheet, HeaderMap]:
    """The sheet holding the invoice lines, and its header; one line naming what is missing."""
    for candidate in sheets:
        if wanted is not None and candidate.name.casefold() != wanted.casefold():
            continue
        header = detect_header(
            candidate.rows,
            "spend",
            merged_rows=candidate.merged_rows,
            profile=profile.columns if profile else None,
            min_fields=2,
        )
        if header is not None:
            return candidate, header
    missing = missing_fields(sheets, "spend") or ["supplier", "amount"]
    examples = {"supplier": "Supplier, Vendor, Payee", "amount": "Net Amount, Invoice Amount"}
    wanted = "; ".join(f"{f} (e.g. {examples[f]})" for f in missing)
    raise InvalidValueError(
        f"{path.name}: no sheet has a spend report's {' and '.join(missing)} column"
        f"{'s' if len(missing) > 1 else ''}: {wanted}; sheets: {sheet_names(sheets)}"
        + headers_seen(sheets)
    )


def _match(
    entry: SupplierSpend,
    tools: Sequence[CatalogTool],
    index: SupplierIndex,
    confirmed: dict[str, str],
) -> SpendMatch:
    """Tie a supplier to the one catalog tool it bills for, or say why not."""
    by_name = {name_key(t.name): t for t in tools}
    named = confirmed.get(supplier_key(entry.supplier))
    if named is not None:
        tool = by_name.get(name_key(named))
        if tool is None:
            return SpendMatch(
                entry, "not_in_catalog", f"the profile ties it to {named}, not in the catalog"
            )
        return SpendMatch(entry, "matched", f"the profile ties it to {tool.name}", tool.name)
    identity = index.identify(entry.supplier)
    if identity is not None:
        return _identified(entry, identity, tools, index.reference)
    resembles = index.resembles(entry.supplier)
    described = _described(entry, tools, index.reference, ignore=resembles)
    if len(described) == 1:
        return SpendMatch(
            entry, "matched", f"the invoice text names {described[0].name}", described[0].name
        )
    if resembles:
        words = ", ".join(repr(w) for w in resembles[:3])
        return SpendMatch(
            entry,
            "to_confirm",
            f"its name contains {words}, also a martech name, but it is not that company as "
            "far as stackmap knows; not assumed — tie it in a profile's suppliers: if it is",
        )
    return SpendMatch(entry, "not_martech", "not a supplier of any known martech product")


def _identified(
    entry: SupplierSpend, identity: Identity, tools: Sequence[CatalogTool], reference: Reference
) -> SpendMatch:
    vendor = supplier_key(identity.vendor)

    def sold_by_vendor(tool: CatalogTool) -> bool:
        if tool.vendor and supplier_key(tool.vendor) == vendor:
            return True
        product = reference.product(tool.product or tool.name)
        return product is not None and supplier_key(product.vendor) == vendor

    if identity.product is not None:
        candidates = [
            t
            for t in tools
            if t.product == identity.product or name_key(t.name) == name_key(identity.product)
        ]
        said = f"the supplier is {identity.product} ({identity.vendor})"
    else:
        candidates = [t for t in tools if sold_by_vendor(t)]
        said = f"the supplier is {identity.vendor}"
    if len(candidates) == 1:
        return SpendMatch(
            entry, "matched", f"{said}, the vendor of {candidates[0].name}", candidates[0].name
        )
    if len(candidates) > 1:
        described = _described(entry, candidates, reference, vendor=identity.vendor)
        if len(described) == 1:
            return SpendMatch(
                entry,
                "matched",
                f"{said}; the invoice text names {described[0].name} among its tools",
                described[0].name,
            )
        names = ", ".join(t.name for t in candidates[:5])
        return SpendMatch(
            entry,
            "ambiguous",
            f"{said}, with several tools in the catalog ({names}) and invoice text naming "
            "none of them alone; tie it in a profile's suppliers:",
        )
    return SpendMatch(
        entry,
        "not_in_catalog",
        f"{said}, a martech vendor with no tool in the catalog; add the tool to track this spend",
    )


def _described(
    entry: SupplierSpend,
    tools: Sequence[CatalogTool],
    reference: Reference,
    ignore: Sequence[str] = (),
    vendor: str | None = None,
) -> list[CatalogTool]:
    """The tools whose name (or library product name or alias) the invoice text spells out.

    Words of the supplier's own name are ignored: "Drift Property Maintenance" writing "drift
    survey" on its invoices is not naming Drift. Among one known vendor's tools, a name may be
    written without the vendor's ("Marketing Hub" on HubSpot's invoice)."""
    text = " ".join(entry.descriptions)
    if not text:
        return []
    skip = {name_key(w) for w in ignore}
    found = []
    for tool in tools:
        names = [tool.name]
        product = reference.product(tool.product or tool.name)
        if product is not None:
            names += [product.name, *product.aliases]
        if vendor:
            prefix = supplier_key(vendor) + " "
            names += [n[len(prefix) :] for n in names if name_key(n).startswith(prefix)]
        hits = [n for n in names_in(text, names) if name_key(n) not in skip]
        if hits:
            found.append(tool)
    return found
