"""Find the header row of a sheet and map its columns to catalog fields.

Spreadsheets say "Application Name", "ACV (USD)", "Term End", "Cancellation Notice Period".
Headers are compared after normalising case, punctuation, units in brackets and word order;
a unit in brackets is kept as a hint (a currency, a period). Built-in synonyms come from real
exports of SaaS-management, procurement, finance and asset tools and from hand-made audits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process, utils

from stackmap.domain import BillingPeriod
from stackmap.importers.values import CURRENCIES, text_of

TOOL_SYNONYMS: dict[str, list[str]] = {
    "name": [
        "name",
        "tool",
        "tool name",
        "application",
        "application name",
        "app",
        "app name",
        "product",
        "product name",
        "software",
        "software name",
        "platform",
        "system",
        "solution",
        "service",
        "subscription",
        "subscription name",
        "saas application",
        "technology",
        "martech tool",
        "tool product",
        "software title",
        "title",
    ],
    "vendor": [
        "vendor",
        "vendor name",
        "supplier",
        "supplier name",
        "publisher",
        "manufacturer",
        "company",
        "provider",
        "seller",
        "vendor company",
        "brand",
    ],
    "description": [
        "description",
        "purpose",
        "use case",
        "used for",
        "what it does",
        "business purpose",
        "summary",
        "function",
    ],
    "category": [
        "category",
        "type",
        "tool category",
        "application category",
        "app category",
        "martech category",
        "classification",
        "subcategory",
        "landscape category",
        "tool type",
        "software category",
    ],
    "status": [
        "status",
        "lifecycle",
        "lifecycle status",
        "state",
        "app status",
        "subscription status",
        "license status",
        "licence status",
        "tool status",
    ],
    "business_units": [
        "business unit",
        "business units",
        "department",
        "departments",
        "team",
        "teams",
        "division",
        "bu",
        "org",
        "organisation",
        "organization",
        "region",
        "used by",
    ],
    "website": ["website", "url", "web site", "homepage", "domain", "vendor website", "link"],
    "tags": ["tags", "labels", "keywords", "tag"],
    "notes": ["notes", "comments", "comment", "remarks", "additional info", "note"],
    "journey_stages": [
        "journey stage",
        "journey stages",
        "funnel stage",
        "customer journey",
        "lifecycle stage",
    ],
    "disposition": [
        "disposition",
        "decision",
        "recommendation",
        "rationalisation decision",
        "rationalization decision",
        "time category",
        "action",
    ],
    "decision_note": [
        "decision note",
        "rationale",
        "decision rationale",
        "justification",
        "reason",
    ],
    "business_owner": [
        "owner",
        "business owner",
        "app owner",
        "application owner",
        "owner name",
        "primary owner",
        "budget owner",
        "contract owner",
        "requester",
        "accountable",
        "responsible",
        "owned by",
        "business contact",
    ],
    "business_owner_email": [
        "owner email",
        "business owner email",
        "app owner email",
        "owner e mail",
        "contact email",
        "email",
        "owner mail",
    ],
    "technical_owner": [
        "technical owner",
        "admin",
        "administrator",
        "it owner",
        "system owner",
        "tech owner",
        "platform owner",
        "system admin",
        "primary admin",
        "technical contact",
        "it contact",
    ],
    "capabilities": ["capabilities", "capability", "functionality", "features"],
    "integrations": [
        "connected apps",
        "integrations",
        "integrates with",
        "connected to",
        "connections",
        "connected systems",
        "syncs with",
        "integrated with",
        "data flows to",
    ],
    "annual_cost": [
        "annual cost",
        "annual spend",
        "yearly cost",
        "cost per year",
        "acv",
        "annual contract value",
        "arr",
        "annual value",
        "annual price",
        "total annual cost",
        "annualised cost",
        "annualized cost",
        "yearly spend",
        "annual fee",
        "yearly fee",
        "annual amount",
        "annual subscription cost",
        "cost annual",
        "spend annual",
        "annual license cost",
        "annual licence cost",
    ],
    "amount": [
        "cost",
        "price",
        "amount",
        "fee",
        "contract value",
        "subscription cost",
        "license cost",
        "licence cost",
        "list price",
        "spend",
        "contract amount",
        "total cost",
        "subscription fee",
        "contract price",
        "value",
    ],
    "currency": ["currency", "ccy", "currency code", "cur"],
    "billing_period": [
        "billing period",
        "billing frequency",
        "billing cycle",
        "payment frequency",
        "billing",
        "invoice frequency",
        "payment schedule",
        "billing term",
        "plan period",
        "payment terms",
    ],
    "term_months": [
        "term months",
        "contract term",
        "term length",
        "contract length",
        "duration",
        "contract duration",
        "term",
    ],
    "start_date": [
        "start date",
        "contract start",
        "start",
        "effective date",
        "subscription start",
        "purchase date",
        "signed date",
        "date signed",
        "contract start date",
        "term start",
        "commencement date",
    ],
    "end_date": [
        "end date",
        "contract end",
        "term end",
        "expiry",
        "expiration",
        "expiry date",
        "expiration date",
        "subscription end",
        "valid until",
        "end",
        "contract end date",
        "term end date",
    ],
    "renewal_date": [
        "renewal date",
        "renewal",
        "next renewal",
        "renews on",
        "renewal due",
        "auto renewal date",
        "next renewal date",
        "renewal deadline",
        "renews",
        "contract renewal date",
    ],
    "notice_days": [
        "notice period days",
        "notice period",
        "cancellation notice period",
        "notice",
        "cancellation notice",
        "notice days",
        "days notice",
        "termination notice",
        "opt out notice",
        "notice period days",
        "cancellation period",
        "non renewal notice",
    ],
    "auto_renew": [
        "renewal type",
        "renewal method",
        "renewal terms",
        "auto renew",
        "auto renewal",
        "automatic renewal",
        "autorenew",
        "evergreen",
        "renews automatically",
        "auto renews",
    ],
    "seats_purchased": [
        "seats purchased",
        "seats",
        "licenses",
        "licences",
        "license count",
        "licence count",
        "seats bought",
        "purchased seats",
        "total seats",
        "licenses purchased",
        "licences purchased",
        "quantity",
        "qty",
        "entitlements",
        "users purchased",
        "purchased licenses",
        "contracted seats",
        "seat count",
    ],
    "seats_assigned": [
        "seats assigned",
        "assigned seats",
        "licenses assigned",
        "provisioned",
        "provisioned users",
        "assigned users",
        "assigned",
        "licences assigned",
        "users",
        "user count",
    ],
    "pricing_model": [
        "pricing model",
        "pricing",
        "pricing basis",
        "licence model",
        "license model",
        "licence type",
        "license type",
        "billing model",
        "charged by",
        "priced by",
    ],
    "seats_active": [
        "seats active",
        "active seats",
        "active users",
        "used seats",
        "seats used",
        "licenses used",
        "licences used",
        "active licenses",
        "active licences",
        "utilized",
        "utilised",
        "active in last 30 days",
        "logins last 30 days",
        "active users 30 days",
        "monthly active users",
    ],
    "cost_centre": [
        "cost centre",
        "cost center",
        "cost code",
        "gl code",
        "gl account",
        "budget code",
        "cost centre code",
    ],
}
# Headers that name a cost together with its period ("Monthly cost" is an amount per month).
PERIOD_HEADERS: dict[str, BillingPeriod] = {
    "monthly cost": BillingPeriod.MONTHLY,
    "monthly fee": BillingPeriod.MONTHLY,
    "mrr": BillingPeriod.MONTHLY,
    "cost per month": BillingPeriod.MONTHLY,
    "monthly spend": BillingPeriod.MONTHLY,
    "monthly price": BillingPeriod.MONTHLY,
    "price per month": BillingPeriod.MONTHLY,
    "monthly amount": BillingPeriod.MONTHLY,
    "quarterly cost": BillingPeriod.QUARTERLY,
    "quarterly fee": BillingPeriod.QUARTERLY,
    "tcv": BillingPeriod.MULTI_YEAR,
    "total contract value": BillingPeriod.MULTI_YEAR,
}
INTEGRATION_SYNONYMS: dict[str, list[str]] = {
    "source": [
        "source",
        "from",
        "source system",
        "source tool",
        "from system",
        "from tool",
        "origin",
        "sender",
        "upstream",
        "source app",
        "system a",
    ],
    "target": [
        "target",
        "to",
        "destination",
        "target system",
        "destination system",
        "to system",
        "to tool",
        "target tool",
        "receiver",
        "downstream",
        "destination app",
        "system b",
    ],
    "direction": ["direction", "flow direction", "sync direction", "flow"],
    "method": [
        "method",
        "integration method",
        "integration type",
        "connection type",
        "connector",
        "mechanism",
        "via",
        "how",
        "type",
        "connection",
    ],
    "data_objects": [
        "data",
        "data objects",
        "objects",
        "fields",
        "data synced",
        "what data",
        "entities",
        "records",
        "data object",
    ],
    "frequency": ["frequency", "sync frequency", "schedule", "cadence", "how often", "interval"],
    "status": ["status", "state", "health", "integration status"],
    "owner": ["owner", "integration owner", "maintained by", "responsible", "admin"],
    "notes": ["notes", "comments", "comment", "remarks"],
}
SPEND_SYNONYMS: dict[str, list[str]] = {
    "supplier": [
        "supplier",
        "vendor",
        "supplier name",
        "vendor name",
        "payee",
        "payee name",
        "merchant",
        "merchant name",
        "creditor",
        "creditor name",
        "beneficiary",
        "company",
        "supplier account name",
        "vendor account name",
        "trading name",
    ],
    "amount": [
        "amount",
        "invoice amount",
        "net amount",
        "nett amount",
        "total nett amount",
        "total net amount",
        "line nett amount",
        "net value",
        "nett value",
        "total",
        "gross amount",
        "gross value",
        "value",
        "amount paid",
        "paid amount",
        "payment amount",
        "line amount",
        "line value",
        "transaction amount",
        "invoice value",
        "invoice total",
        "amount excl vat",
        "amount excluding vat",
        "spend",
        "cost",
        "total spend",
        "amount in gbp",
        "amount in usd",
        "amount in eur",
    ],
    "currency": ["currency", "ccy", "currency code", "transaction currency", "invoice currency"],
    "date": [
        "date",
        "invoice date",
        "invoice creation date",
        "creation date",
        "posting date",
        "posted date",
        "payment date",
        "paid date",
        "date paid",
        "document date",
        "approval date",
        "approved date",
        "transaction date",
        "period",
        "gl date",
        "accounting date",
        "value date",
    ],
    "description": [
        "description",
        "memo",
        "line description",
        "narrative",
        "details",
        "item",
        "invoice description",
        "transaction description",
        "purpose",
        "expense description",
    ],
    "cost_centre": [
        "cost centre",
        "cost center",
        "cost code",
        "department",
        "service area",
        "directorate",
        "expense area",
    ],
    "gl_account": [
        "gl code",
        "gl account",
        "account code",
        "nominal code",
        "expense type",
        "account",
        "expenditure category",
    ],
    "invoice": [
        "invoice",
        "invoice number",
        "invoice no",
        "invoice id",
        "document number",
        "transaction number",
        "reference",
        "po number",
        "purchase order",
    ],
}
REQUIRED = {
    "tools": ("name",),
    "integrations": ("source", "target"),
    "spend": ("supplier", "amount"),
}
SYNONYMS = {"tools": TOOL_SYNONYMS, "integrations": INTEGRATION_SYNONYMS, "spend": SPEND_SYNONYMS}
HEADER_SCAN_ROWS = 30
_BRACKETS = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
_SYMBOL_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}


_SEEN_LIMIT = 10_000  # header texts remembered by one matcher
_NUMBER = re.compile(r"\bno\.|#")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise(header: str) -> str:
    """Return a header as lower-case words in sorted order, without units in brackets."""
    text = _BRACKETS.sub(" ", header.casefold())
    text = _NUMBER.sub(" number ", text)
    text = _NOT_WORD.sub(" ", text)
    return " ".join(sorted(text.split()))


def unit_hint(header: str) -> str | None:
    """Return the unit a header names in brackets or after a slash: a currency code or period."""
    for inner in _BRACKETS.findall(header):
        inner = inner.strip()
        if inner.upper() in CURRENCIES:
            return str(inner.upper())
        if inner in _SYMBOL_CURRENCY:
            return str(_SYMBOL_CURRENCY[inner])
    for symbol, code in _SYMBOL_CURRENCY.items():
        if symbol in header:
            return code
    for word in re.findall(r"\b[A-Za-z]{3}\b", header):
        if word.upper() in CURRENCIES and word.isupper():
            return str(word)
    return None


@dataclass(frozen=True)
class Column:
    """One column of a sheet and what it means."""

    index: int
    header: str
    field: str | None  # None: kept as an extra attribute
    currency: str | None = None
    period: BillingPeriod | None = None
    # profile, exact (the field's own name), synonym, partial (the words after a group
    # heading), fuzzy (resembles a synonym), extra, or ignore
    how: str = "synonym"
    candidate: str | None = None  # the field the header names, when another column won it


@dataclass
class HeaderMap:
    """Where the header is and what each column means."""

    kind: str
    header_rows: tuple[int, ...]  # 0-based indexes of the row(s) forming the header
    columns: list[Column]
    notes: list[str] = field(default_factory=list)

    @property
    def data_start(self) -> int:
        return self.header_rows[-1] + 1

    def field_column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


class _Matcher:
    def __init__(self, synonyms: dict[str, list[str]], profile: dict[str, str] | None = None):
        self.exact: dict[str, str] = {}
        self.own: dict[str, str] = {}  # the field's own name and its first synonym
        for target, words in synonyms.items():
            for word in [target.replace("_", " "), *words]:
                self.exact.setdefault(normalise(word), target)
            for word in [target.replace("_", " "), *words[:1]]:
                self.own.setdefault(normalise(word), target)
        # A profile names columns exactly as written: never by resemblance, so its "ignore"
        # cannot swallow a neighbouring column with a similar name.
        self.profile = {h.strip().casefold(): t for h, t in (profile or {}).items()}
        self.choices = list(self.exact)
        self._processed = [utils.default_process(c) for c in self.choices]
        # Every header-like cell of the first rows is read once per kind of sheet, and a
        # workbook repeats its headers across sheets.
        self._seen: dict[str, tuple[str | None, str]] = {}

    def match(self, header: str) -> tuple[str | None, str]:
        found = self._seen.get(header)
        if found is None:
            found = self._match(header)
            if len(self._seen) < _SEEN_LIMIT:  # a shared matcher outlives one file
                self._seen[header] = found
        return found

    def _match(self, header: str) -> tuple[str | None, str]:
        profiled = self.profile.get(header.strip().casefold())
        if profiled is not None:
            return profiled, "profile"
        key = normalise(header)
        if not key:
            return None, "extra"
        if key in self.own:
            return self.own[key], "exact"
        if key in self.exact:
            return self.exact[key], "synonym"
        if len(key) >= 6:
            # The synonyms processed once, not for every header: the same scores.
            found = process.extractOne(
                utils.default_process(key),
                self._processed,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=90,
            )
            if found is not None:
                return self.exact[self.choices[found[2]]], "fuzzy"
        return None, "extra"


def _synonyms(kind: str, periods: bool) -> dict[str, list[str]]:
    """A kind's synonyms, with the billing periods' own headers when asked (for tools)."""
    synonyms = SYNONYMS[kind]
    return {**synonyms, **{k: [k] for k in PERIOD_HEADERS}} if periods else synonyms


@cache
def _shared(kind: str, periods: bool) -> _Matcher:
    """The matcher of a kind's own synonyms: built once per process, not for every sheet and
    kind tried."""
    return _Matcher(_synonyms(kind, periods))


# How directly a header names its field, best first: where two columns claim one field, the
# better one takes it (an exact "Business Owner" beats "Group owner" read as "owner").
_RANK = {"profile": 0, "exact": 1, "synonym": 2, "partial": 3, "fuzzy": 4}


def detect_header(
    rows: Sequence[Sequence[Any]],
    kind: str,
    *,
    merged_rows: frozenset[int] = frozenset(),
    profile: dict[str, str] | None = None,
    min_fields: int = 2,
) -> HeaderMap | None:
    """Find the header row among the first rows of a sheet and map its columns.

    Title and note rows above the header are skipped; a grouped header of two rows ("Contract"
    spanning "Start" and "End") is read as one. Returns None when no row looks like a header of
    this kind (fewer than min_fields recognised columns, or a required one missing).
    """
    periods = kind == "tools"
    matcher = (
        _shared(kind, periods) if profile is None else _Matcher(_synonyms(kind, periods), profile)
    )
    best: tuple[int, int, tuple[int, ...], list[Column]] | None = None
    for index in range(min(len(rows), HEADER_SCAN_ROWS)):
        candidates: list[tuple[tuple[int, ...], list[str]]] = [((index,), _texts(rows[index]))]
        if index > 0 and any(_texts(rows[index - 1])):
            candidates.append(
                (
                    (index - 1, index),
                    _grouped(rows[index - 1], rows[index], (index - 1) in merged_rows),
                )
            )
        for header_rows, texts in candidates:
            columns = _map(texts, matcher, kind)
            fields = [c.field for c in columns if c.field]
            if not all(r in fields for r in REQUIRED[kind]):
                continue
            score = len(set(fields))
            if score < min_fields:
                continue
            key = (score, -len(header_rows))
            if best is None or key > (best[0], best[1]):
                best = (score, -len(header_rows), header_rows, columns)
    if best is None:
        return None
    return HeaderMap(kind, best[2], best[3])


def _texts(row: Sequence[Any]) -> list[str]:
    return [text_of(cell) for cell in row]


def _grouped(top: Sequence[Any], bottom: Sequence[Any], merged: bool) -> list[str]:
    """Combine a group row and a header row: "Contract" over "Start" reads "Contract Start"."""
    width = max(len(top), len(bottom))
    groups: list[str] = []
    current = ""
    for i in range(width):
        text = text_of(top[i]) if i < len(top) else ""
        if text:
            current = text
        elif not merged:
            current = current if i > 0 and groups and groups[-1] else ""
        groups.append(text or current)
    result = []
    for i in range(width):
        sub = text_of(bottom[i]) if i < len(bottom) else ""
        group = groups[i]
        result.append(f"{group} {sub}".strip() if sub else group)
    return result


def _map(texts: list[str], matcher: _Matcher, kind: str) -> list[Column]:
    columns: list[Column] = []
    for index, text in enumerate(texts):
        if not text:
            continue
        target, how = matcher.match(text)
        if target is None and " " in text:
            # "Contract Start" did not match: try the words after the group ("Start").
            target, how = matcher.match(text.split(" ", 1)[1])
            how = "partial" if target is not None and how != "profile" else how
        period = None
        if target in PERIOD_HEADERS:
            period = PERIOD_HEADERS[target]
            target = "amount"
        if target in ("ignore", "extra"):
            columns.append(
                Column(index, text, None, how="ignore" if target == "ignore" else "extra")
            )
            continue
        columns.append(Column(index, text, target, unit_hint(text), period, how))
    best: dict[str, Column] = {}
    for column in columns:
        if column.field is None:
            continue
        held = best.get(column.field)
        if held is None or _RANK.get(column.how, 9) < _RANK.get(held.how, 9):
            best[column.field] = column
    winners = {c.index for c in best.values()}
    return [
        c
        if c.field is None or c.index in winners
        else Column(c.index, c.header, None, c.currency, c.period, c.how, c.field)
        for c in columns
    ]


def headers_seen(sheets: Sequence[Any]) -> str:
    """The first row of each sheet that looks like a header, to say what was seen."""
    seen = []
    for sheet in sheets:
        for row in sheet.rows[:HEADER_SCAN_ROWS]:
            texts = [text_of(c) for c in row if text_of(c)]
            if len(texts) >= 2:
                shown = ", ".join(texts[:12]) + (", …" if len(texts) > 12 else "")
                seen.append(f"{sheet.name!r}: {shown}" if len(sheets) > 1 else shown)
                break
    return f"; headers seen: {'; '.join(seen)}" if seen else ""


def missing_fields(sheets: Sequence[Any], kind: str) -> list[str]:
    """The required fields of a kind that no header-like row of any sheet names."""
    matcher = _shared(kind, False)
    named: set[str] = set()
    for sheet in sheets:
        for row in sheet.rows[:HEADER_SCAN_ROWS]:
            named.update(c.field or c.candidate or "" for c in _map(_texts(row), matcher, kind))
    return [f for f in REQUIRED[kind] if f not in named]
