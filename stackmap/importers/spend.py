"""Plan an import of a finance spend report: invoice lines → annual spend per supplier, matched
to the tools in the catalog. Suppliers that cannot be tied to a tool are listed, never turned
into tools (the office landlord is not martech)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from stackmap.errors import InvalidValueError
from stackmap.importers.files import read_sheets, sha256_of, sheet_names
from stackmap.importers.headers import detect_header
from stackmap.importers.mapping import Issue, date_order, map_rows
from stackmap.importers.profiles import Profile
from stackmap.importers.suppliers import Identity, SupplierIndex, names_in, supplier_key
from stackmap.importers.values import text_of
from stackmap.models import name_key, vendor_key
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


@dataclass
class SpendMatch:
    """What a supplier's spend was tied to, and why (or why not)."""

    spend: SupplierSpend
    # matched; ambiguous (a known vendor with several tools); to_confirm (a name that only
    # contains a martech name); not_in_catalog (a martech vendor with no tool); not_martech
    status: str
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
    profile: Profile | None = None,
) -> SpendPlan:
    """Read a spend report and tie each supplier's annual spend to a catalog tool if it can.

    A profile names the columns of a recurring layout and the suppliers a person has tied to
    tools (its suppliers:).
    """
    if profile is not None:
        sheet = sheet or profile.sheet
        currency = currency or profile.currency
        dayfirst = profile.dayfirst if dayfirst is None else dayfirst
    sheets = read_sheets(path)
    found = None
    for candidate in sheets:
        if sheet is not None and candidate.name.casefold() != sheet.casefold():
            continue
        header = detect_header(
            candidate.rows,
            "spend",
            merged_rows=candidate.merged_rows,
            profile=profile.columns if profile else None,
        )
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
    index = SupplierIndex(reference, [t.vendor for t in tools if t.vendor])
    confirmed = {supplier_key(k): v for k, v in (profile.suppliers if profile else {}).items()}
    for entry in sorted(suppliers.values(), key=lambda e: (-e.amount, e.supplier)):
        match = _match(entry, tools, index, confirmed)
        # Twelve months of invoices are the annual spend; a shorter report is a run rate.
        match.annual_amount = (entry.amount * 12 / months).quantize(Decimal("0.01"))
        plan.matches.append(match)
    return plan


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
