"""Reading the catalog through its database driver (sqlite3's or psycopg's), not SQLAlchemy:
set queries (one per table, never one per tool), each value converted as SQLAlchemy converts
it for the column's type, so both drivers give the same values. The tools listing is here;
the analysis's facts are in `stackmap.facts`.

SQLAlchemy's result processing was most of the cost of reading 100,000 links, and a read-only
command on the embedded catalog (`stackmap.reader`) then does not load SQLAlchemy at all;
`tests/test_reader.py` holds both ways of reading to the same answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from stackmap.bulk import IN_LIST_LIMIT
from stackmap.domain import name_key
from stackmap.errors import NotFoundError
from stackmap.terms import current_terms
from stackmap.views import (
    ChangeView,
    ContractView,
    IntegrationView,
    SpendView,
    ToolDetail,
    ToolSummary,
)

if TYPE_CHECKING:
    from stackmap.reference import Reference

# Every table and column read here (a test checks them against the models): only what the
# facts hold, so no timestamp or free-text JSON is decoded for nothing.
TOOL_COLUMNS = [
    "id",
    "name",
    "status",
    "vendor_id",
    "category",
    "business_owner_id",
    "technical_owner_id",
    "journey_stages",
    "business_units",
    "disposition",
    "decision_note",
    "decided_by",
    "functional_fit",
    "technical_fit",
]
SUMMARY_COLUMNS = [
    "id",
    "name",
    "vendor_id",
    "category",
    "status",
    "business_owner_id",
    "technical_owner_id",
    "disposition",
    "business_units",
]
LINK_COLUMNS = [
    "id",
    "source_tool_id",
    "target_tool_id",
    "method",
    "status",
    "direction",
    "frequency",
    "data_objects",
    "owner_id",
]
# The tool's id, then a ContractView's fields in order (_contract_view builds it by position).
CONTRACT_COLUMNS = ["tool_id", *(f.name for f in fields(ContractView))]
SPEND_COLUMNS = [
    "tool_id",
    "supplier",
    "currency",
    "amount",
    "annual_amount",
    "period_start",
    "period_end",
    "invoices",
    "annualised_by",
]
UNTIED_COLUMNS = [
    "supplier",
    "currency",
    "amount",
    "annual_amount",
    "period_start",
    "period_end",
    "invoices",
    "status",
    "reason",
]
CAPABILITY_COLUMNS = ["tool_id", "capability", "source"]
NAME_COLUMNS = ["id", "name"]
READ = {
    "tool": TOOL_COLUMNS,
    "integration": LINK_COLUMNS,
    "contract": CONTRACT_COLUMNS,
    "tool_spend": [*SPEND_COLUMNS, "period_end", "id"],
    "untied_spend": [*UNTIED_COLUMNS, "id"],
    "tool_capability": CAPABILITY_COLUMNS,
    "vendor": NAME_COLUMNS,
    "owner": NAME_COLUMNS,
    "change": ["id", "entity", "entity_id"],
    "import_batch": [],  # counted only
}


class Rows:
    """Runs SELECTs on one DBAPI connection (sqlite3's or psycopg's), inside whatever read
    transaction the caller holds, and returns the rows as the driver gives them."""

    def __init__(self, connection: Any, *, sqlite: bool) -> None:
        self.connection = connection
        self.sqlite = sqlite
        self.mark = "?" if sqlite else "%s"

    def __call__(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)


def select(table: str, columns: Sequence[str], tail: str = "") -> str:
    """A SELECT of columns from a table, every name quoted (`key` is a keyword)."""
    listed = ", ".join(f'"{name}"' for name in columns)
    return f'SELECT {listed} FROM "{table}"{tail}'


# --- converting driver values as SQLAlchemy does -----------------------------------------


def money(value: Any) -> Decimal | None:
    """A Numeric(14, 2) value: PostgreSQL gives a Decimal; SQLite an int or a float, which
    SQLAlchemy formats to two places before making it a Decimal (so 48000 is 48000.00)."""
    if value is None or isinstance(value, Decimal):
        return value
    if not value:  # 0 and -0.0 are equal keys but write differently: not remembered
        return Decimal(f"{value:.2f}")
    # Prices repeat across a catalog's contracts: each distinct one is converted once (a
    # Decimal is immutable, so rows share it). Other equal numbers (48000 and 48000.0) give
    # the same Decimal either way. Bounded, for a long-running terminal UI.
    found = _MONEY.get(value)
    if found is None:
        found = Decimal(f"{value:.2f}")
        if len(_MONEY) < _MONEY_KEPT:
            _MONEY[value] = found
    return found


_MONEY: dict[float, Decimal] = {}
_MONEY_KEPT = 65_536


def day(value: Any) -> date | None:
    """A Date value: PostgreSQL gives a date; SQLite the ISO text SQLAlchemy wrote."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def flag(value: Any) -> bool | None:
    """A Boolean value: SQLite stores 0 or 1."""
    return None if value is None else bool(value)


def json_list(value: Any) -> tuple[Any, ...]:
    """A JSON list column as the driver gives it: text on SQLite, already a list on PostgreSQL."""
    if value is None:
        return ()
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return tuple(value or ())


class JsonLists:
    """json_list with each distinct list kept once: lists of data objects, business units and
    journey stages repeat across thousands of rows, and the tuples are immutable. SQLite's
    text is decoded once per distinct text (100,000 links hold a few hundred)."""

    def __init__(self) -> None:
        self._lists: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._texts: dict[str, tuple[Any, ...]] = {}

    def of(self, value: Any) -> tuple[Any, ...]:
        if value.__class__ is str:
            try:
                return self._texts[value]
            except KeyError:
                found = self._texts[value] = self._kept(json_list(value))
                return found
        return self._kept(json_list(value))

    def _kept(self, decoded: tuple[Any, ...]) -> tuple[Any, ...]:
        if not decoded:
            return ()
        try:
            return self._lists.setdefault(decoded, decoded)
        except TypeError:  # an unhashable item (a mapping in the list): kept as it is
            return decoded


def names(rows: Rows, table: str, ids: Iterable[int | None] | None = None) -> dict[int, str]:
    """Vendor or owner names by id: the whole table, or only the ids given."""
    if ids is None:
        found = rows(select(table, NAME_COLUMNS))
    else:
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        found = rows(
            select(table, NAME_COLUMNS, f' WHERE "id" IN ({rows.marks(len(wanted))})'), wanted
        )
    return {i: n for i, n in found if i is not None}


def capabilities_by_tool(
    rows: Rows, ids: Sequence[int] | None = None
) -> tuple[dict[int, list[str]], dict[int, str]]:
    """Each tool's capabilities (in the order of their names), and where stackmap inferred
    them from when it did: of every tool, or of the ids given."""
    capabilities: dict[int, list[str]] = {}
    inferred: dict[int, str] = {}
    where, params = _only(rows, ids)
    sql = select("tool_capability", CAPABILITY_COLUMNS, f'{where} ORDER BY "capability"')
    for tool_id, capability, source in rows(sql, params):
        capabilities.setdefault(tool_id, []).append(capability)
        if source:
            inferred[tool_id] = source
    return capabilities, inferred


def contracts_by_tool(
    rows: Rows, ids: Sequence[int] | None = None
) -> dict[int, list[ContractView]]:
    """Each tool's contracts (in the order they were recorded): of every tool, or of the ids
    given."""
    contracts: dict[int, list[ContractView]] = {}
    where, params = _only(rows, ids)
    for values in rows(select("contract", CONTRACT_COLUMNS, f'{where} ORDER BY "id"'), params):
        contracts.setdefault(values[0], []).append(_contract_view(values))
    return contracts


def _only(rows: Rows, ids: Sequence[int] | None) -> tuple[str, Sequence[int]]:
    if ids is None:
        return "", ()
    return f' WHERE "tool_id" IN ({rows.marks(len(ids))})', ids


# --- the tools listing --------------------------------------------------------------------


def tool_rows(
    rows: Rows,
    *,
    status: Sequence[str] = (),
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Any]:
    """The SUMMARY_COLUMNS of the tools whose status is one of `status` (any, if empty) and
    whose name key holds the search's (matched literally), sorted by key and paged."""
    clauses: list[str] = []
    params: list[Any] = []
    if status:
        clauses.append(f'"status" IN ({rows.marks(len(status))})')
        params.extend(status)
    if search:
        # LIKE's wildcards in the search are meant literally.
        literal = name_key(search).replace("/", "//").replace("%", "/%").replace("_", "/_")
        clauses.append(f"\"key\" LIKE {rows.mark} ESCAPE '/'")
        params.append(f"%{literal}%")
    tail = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    tail += ' ORDER BY "key"'
    if limit is not None:
        tail += f" LIMIT {rows.mark}"
        params.append(limit)
    elif offset and rows.sqlite:
        tail += " LIMIT -1"  # SQLite takes an OFFSET only after a LIMIT
    if offset:
        tail += f" OFFSET {rows.mark}"
        params.append(offset)
    return rows(select("tool", SUMMARY_COLUMNS, tail), params)


def summaries(rows: Rows, tools: Sequence[Sequence[Any]], today: date) -> list[ToolSummary]:
    """Summaries of tools given as SUMMARY_COLUMNS values, with a handful of set queries: each
    with its vendor and owners, its current contracts' terms as of today, its capabilities and
    its number of integrations."""
    if not tools:
        return []
    ids = [row[0] for row in tools]
    only = None if len(ids) > IN_LIST_LIMIT else ids
    every = only is None
    vendors = names(rows, "vendor", None if every else [row[2] for row in tools])
    owners = names(rows, "owner", None if every else [i for row in tools for i in (row[5], row[6])])
    capabilities, inferred = capabilities_by_tool(rows, only)
    contracts = contracts_by_tool(rows, only)
    links = _link_counts(rows, only)
    none: list[ContractView] = []
    lists = JsonLists()
    result = []
    for (
        tool_id,
        name,
        vendor_id,
        category,
        status,
        owner_id,
        technical_id,
        disposition,
        business_units,
    ) in tools:
        terms = current_terms(contracts.get(tool_id, none), today)
        result.append(
            ToolSummary(
                name,
                vendors.get(vendor_id) if vendor_id else None,
                category,
                status,
                owners.get(owner_id) if owner_id else None,
                owners.get(technical_id) if technical_id else None,
                terms.annual_cost,
                terms.currency,
                terms.renewal_date,
                terms.notice_days,
                terms.seats_purchased,
                terms.seats_active,
                tuple(capabilities.get(tool_id, ())),
                links.get(tool_id, 0),
                disposition,
                lists.of(business_units),
                inferred.get(tool_id),
            )
        )
    return result


def _link_counts(rows: Rows, ids: Sequence[int] | None) -> dict[int, int]:
    """How many integrations each tool is an end of."""
    counts: dict[int, int] = {}
    for end in ("source_tool_id", "target_tool_id"):
        where, params = ("", ()) if ids is None else (
            f' WHERE "{end}" IN ({rows.marks(len(ids))})', ids
        )  # fmt: skip
        sql = f'SELECT "{end}", count(*) FROM "integration"{where} GROUP BY "{end}"'
        for tool_id, count in rows(sql, params):
            counts[tool_id] = counts.get(tool_id, 0) + count
    return counts


# --- the review's version stamps ----------------------------------------------------------


def stamps(rows: Rows, location: str) -> tuple[dict[int, str], str]:
    """Each tool's version stamp and the catalog's identifier.

    Every write to a tool or its contracts adds a history entry, so the newest entry's id is a
    version that changes exactly when the tool does. The catalog's identifier names the
    database (its masked URL, hashed) and its newest history entry.
    """
    owner = dict(rows(select("contract", ["id", "tool_id"])))
    newest: dict[int, int] = {}
    sql = (
        'SELECT "entity", "entity_id", max("id") FROM "change" '
        f'WHERE "entity" IN ({rows.marks(2)}) GROUP BY "entity", "entity_id"'
    )
    for entity, entity_id, change_id in rows(sql, ("tool", "contract")):
        tool_id = entity_id if entity == "tool" else owner.get(entity_id)
        if tool_id is not None:
            newest[tool_id] = max(newest.get(tool_id, 0), change_id)
    latest = rows('SELECT max("id") FROM "change"')[0][0] or 0
    where = hashlib.sha256(location.encode()).hexdigest()[:10]
    return {t: f"v{c}" for t, c in newest.items()}, f"{where}:{latest}"


# --- what the catalog holds -----------------------------------------------------------------

# The counts `stackmap info` shows: what it calls them, and the table each counts.
COUNTED = {
    "tools": "tool",
    "vendors": "vendor",
    "owners": "owner",
    "contracts": "contract",
    "integrations": "integration",
    "changes": "change",
    "import_batches": "import_batch",
}


def counts(rows: Rows) -> dict[str, int]:
    """How many of each kind of record the catalog holds."""
    return {name: rows(f'SELECT count(*) FROM "{table}"')[0][0] for name, table in COUNTED.items()}


def schema_revision(rows: Rows) -> str | None:
    """The catalog's schema revision (Alembic's), or None for an empty database."""
    found = rows('SELECT "version_num" FROM "alembic_version"')
    return found[0][0] if len(found) == 1 else None


# --- one tool, whole ------------------------------------------------------------------------

DETAIL_COLUMNS = [
    *SUMMARY_COLUMNS,
    "description",
    "website",
    "tags",
    "notes",
    "journey_stages",
    "decision_note",
    "decided_by",
    "decided_at",
    "library_product",
    "functional_fit",
    "technical_fit",
    "extra",
]
CHANGE_COLUMNS = ["at", "actor", "entity", "label", "action", "changes", "batch_id"]


def moment(value: Any) -> datetime | None:
    """A timestamp, in UTC, as SQLModel's UTCDateTime gives it: PostgreSQL gives a datetime
    with its time zone; SQLite the UTC text SQLAlchemy wrote ("2026-12-01 09:30:00.000000",
    no offset)."""
    if value is None:
        return None
    when: datetime = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if when.utcoffset() is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def json_dict(value: Any) -> dict[str, Any]:
    """A JSON object column: text on SQLite, already a dict on PostgreSQL."""
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return dict(value or {})


def tool_detail(
    rows: Rows,
    name: str,
    reference: Callable[[], Reference],
    *,
    history_limit: int = 50,
    today: date,
) -> ToolDetail:
    """Everything about one tool, found by its name or by a library alias of its product
    (see find_tool)."""
    values = find_tool(rows, name, reference)
    detail = dict(zip(DETAIL_COLUMNS, values, strict=True))
    tool_id = detail["id"]
    summary = summaries(rows, [values[: len(SUMMARY_COLUMNS)]], today)[0]
    contracts = [
        _contract_view(values)
        for values in rows(
            select("contract", CONTRACT_COLUMNS, f' WHERE "tool_id" = {rows.mark}')
            + ' ORDER BY "start_date", "id"',
            [tool_id],
        )
    ]
    return ToolDetail(
        summary=summary,
        description=detail["description"],
        website=detail["website"],
        tags=json_list(detail["tags"]),
        notes=detail["notes"],
        journey_stages=json_list(detail["journey_stages"]),
        decision_note=detail["decision_note"],
        decided_by=detail["decided_by"],
        decided_at=moment(detail["decided_at"]),
        library_product=detail["library_product"],
        functional_fit=detail["functional_fit"],
        technical_fit=detail["technical_fit"],
        extra=json_dict(detail["extra"]),
        contracts=tuple(contracts),
        integrations=tuple(integrations(rows, tool_id)),
        history=tuple(_history(rows, tool_id, [c.id for c in contracts], history_limit)),
        spend=tuple(_spend(rows, tool_id)),
    )


def find_tool(rows: Rows, name: str, reference: Callable[[], Reference]) -> Sequence[Any]:
    """The DETAIL_COLUMNS of the tool of that name, or else of the tool of the library
    product the name is an alias of (the reference is asked only then). Raises
    NotFoundError when there is none."""
    found = rows(select("tool", DETAIL_COLUMNS, f' WHERE "key" = {rows.mark}'), [name_key(name)])
    if not found:
        product = reference().product(name)
        if product is not None:
            found = rows(
                select("tool", DETAIL_COLUMNS, f' WHERE "library_product" = {rows.mark} LIMIT 1'),
                [product.name],
            )
    if not found:
        raise NotFoundError(f"no tool named {name!r} in the catalog")
    first: Sequence[Any] = found[0]
    return first


def _contract_view(values: Sequence[Any]) -> ContractView:
    """A contract's view from CONTRACT_COLUMNS values (the tool's id first), built by
    position, not by name: 20,000 of them in a large catalog."""
    (
        _tool_id,
        contract_id,
        annual_cost,
        amount,
        currency,
        billing_period,
        start_date,
        end_date,
        renewal_date,
        notice_days,
        auto_renew,
        seats_purchased,
        seats_assigned,
        seats_active,
        cost_centre,
        notes,
        pricing_model,
    ) = values
    return ContractView(
        contract_id,
        money(annual_cost),
        money(amount),
        currency,
        billing_period,
        day(start_date),
        day(end_date),
        day(renewal_date),
        notice_days,
        flag(auto_renew),
        seats_purchased,
        seats_assigned,
        seats_active,
        cost_centre,
        notes,
        pricing_model,
    )


def integrations(rows: Rows, tool_id: int | None = None) -> list[IntegrationView]:
    """Integrations (of one tool, in and out, when given), by source then target name."""
    where = (
        ""
        if tool_id is None
        else f' WHERE i."source_tool_id" = {rows.mark} OR i."target_tool_id" = {rows.mark}'
    )
    sql = (
        'SELECT i."id", s."name", t."name", i."direction", i."method", i."data_objects", '
        'i."frequency", i."status", o."name", i."notes" FROM "integration" i '
        'JOIN "tool" s ON i."source_tool_id" = s."id" '
        'JOIN "tool" t ON i."target_tool_id" = t."id" '
        'LEFT OUTER JOIN "owner" o ON i."owner_id" = o."id"'
        f'{where} ORDER BY s."key", t."key", i."method"'
    )
    lists = JsonLists()
    return [
        IntegrationView(
            link_id,
            source,
            target,
            direction,
            method,
            lists.of(data),
            frequency,
            status,
            owner,
            notes,
        )
        for link_id, source, target, direction, method, data, frequency, status, owner, notes in (
            rows(sql, [] if tool_id is None else [tool_id, tool_id])
        )
    ]


def history(rows: Rows, limit: int = 50) -> list[ChangeView]:
    """The most recent changes to the catalog, newest first."""
    sql = select("change", CHANGE_COLUMNS, f' ORDER BY "id" DESC LIMIT {rows.mark}')
    return [_change_view(values) for values in rows(sql, [limit])]


def _history(rows: Rows, tool_id: int, contract_ids: Sequence[int], limit: int) -> list[ChangeView]:
    """A tool's history: its own changes and its contracts' (a new price, a renewal date)."""
    clause = f'("entity" = {rows.mark} AND "entity_id" = {rows.mark})'
    params: list[Any] = ["tool", tool_id]
    if contract_ids:
        marks = rows.marks(len(contract_ids))
        clause += f' OR ("entity" = {rows.mark} AND "entity_id" IN ({marks}))'
        params += ["contract", *contract_ids]
    sql = select("change", CHANGE_COLUMNS, f' WHERE {clause} ORDER BY "id" DESC LIMIT {rows.mark}')
    return [_change_view(values) for values in rows(sql, [*params, limit])]


def _change_view(values: Sequence[Any]) -> ChangeView:
    at, actor, entity, label, action, changes, batch_id = values
    when = moment(at)
    assert when is not None  # the column is NOT NULL
    return ChangeView(when, actor, entity, label, action, json_dict(changes), batch_id)


def _spend(rows: Rows, tool_id: int) -> list[SpendView]:
    """What finance reports say was paid for the tool, newest period first."""
    return [SpendView(*values) for _, *values in paid(rows, tool_id)]


def paid(rows: Rows, tool_id: int | None = None) -> list[tuple[Any, ...]]:
    """What finance reports say was paid (of one tool, when given), newest period first:
    SPEND_COLUMNS, the tool's id first, money and dates converted."""
    where, params = ("", []) if tool_id is None else (f' WHERE "tool_id" = {rows.mark}', [tool_id])
    sql = select("tool_spend", SPEND_COLUMNS, f'{where} ORDER BY "period_end" DESC, "id"')
    return [
        (owner, supplier, currency, money(amount), money(annual), day(start), day(end), count, how)
        for owner, supplier, currency, amount, annual, start, end, count, how in rows(sql, params)
    ]
