"""The catalog read into the analysis's facts: every tool, link and untied supplier, with a
handful of set queries (one per table), not one per tool."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlmodel import Session, col

from stackmap.analysis.stack import InvoicedFacts, LinkFacts, ToolFacts, UntiedFacts
from stackmap.models import (
    Contract,
    Integration,
    Owner,
    Tool,
    ToolCapability,
    ToolSpend,
    UntiedSpend,
    Vendor,
)
from stackmap.views import CONTRACT_VIEW_COLUMNS, contracts_by_tool

TOOL: sa.Table = Tool.__table__  # type: ignore[attr-defined]
CONTRACT: sa.Table = Contract.__table__  # type: ignore[attr-defined]
LINK: sa.Table = Integration.__table__  # type: ignore[attr-defined]
SPEND: sa.Table = ToolSpend.__table__  # type: ignore[attr-defined]
UNTIED: sa.Table = UntiedSpend.__table__  # type: ignore[attr-defined]


# Only the columns the analysis reads: every timestamp and free-text JSON column left out is
# 20,000-100,000 values SQLAlchemy would otherwise decode for nothing.
_TOOL_COLUMNS = (
    "id name status vendor_id category business_owner_id technical_owner_id journey_stages "
    "business_units disposition decision_note decided_by functional_fit technical_fit"
)
_LINK_COLUMNS = (
    "id source_tool_id target_tool_id method status direction frequency data_objects owner_id"
)


def read_facts(
    session: Session,
) -> tuple[tuple[ToolFacts, ...], tuple[LinkFacts, ...], tuple[UntiedFacts, ...]]:
    """Every tool (ordered by key), every integration (by id), every untied supplier (largest
    first)."""
    owners = _names(session, Owner)
    return _tools(session, owners), _links(session, owners), _untied(session)


def _names(session: Session, model: type[Vendor] | type[Owner]) -> dict[int, str]:
    stmt = sa.select(col(model.id), col(model.name))
    return {i: n for i, n in session.execute(stmt) if i is not None}


def _tools(session: Session, owners: dict[int, str]) -> tuple[ToolFacts, ...]:
    vendors = _names(session, Vendor)
    capabilities, inferred = _capabilities(session)
    contracts = contracts_by_tool(
        session.execute(sa.select(*(CONTRACT.c[name] for name in CONTRACT_VIEW_COLUMNS)))
    )
    invoiced = _invoiced(session)

    def owner(owner_id: int | None) -> str | None:
        return owners.get(owner_id) if owner_id else None

    lists = _JsonLists()

    return tuple(
        ToolFacts(
            id=tool_id,
            name=name,
            status=status,
            vendor=vendors.get(vendor_id) if vendor_id else None,
            category=category,
            business_owner=owner(business_owner_id),
            technical_owner=owner(technical_owner_id),
            capabilities=tuple(sorted(capabilities.get(tool_id, ()))),
            capabilities_inferred=inferred.get(tool_id),
            journey_stages=lists.of(journey_stages),
            business_units=lists.of(business_units),
            contracts=tuple(contracts.get(tool_id, ())),
            disposition=disposition,
            decision_note=decision_note,
            decided_by=decided_by,
            invoiced=tuple(invoiced.get(tool_id, ())),
            functional_fit=functional_fit,
            technical_fit=technical_fit,
        )
        for (
            tool_id,
            name,
            status,
            vendor_id,
            category,
            business_owner_id,
            technical_owner_id,
            journey_stages,
            business_units,
            disposition,
            decision_note,
            decided_by,
            functional_fit,
            technical_fit,
        ) in _raw(session, TOOL, _TOOL_COLUMNS, "key")
    )


def _capabilities(session: Session) -> tuple[dict[int, list[str]], dict[int, str]]:
    """Each tool's capabilities, and where stackmap inferred them from when it did."""
    capabilities: dict[int, list[str]] = {}
    inferred: dict[int, str] = {}
    stmt = sa.select(
        col(ToolCapability.tool_id), col(ToolCapability.capability), col(ToolCapability.source)
    )
    for tool_id, capability, source in session.execute(stmt):
        capabilities.setdefault(tool_id, []).append(capability)
        if source:
            inferred[tool_id] = source
    return capabilities, inferred


def _invoiced(session: Session) -> dict[int, list[InvoicedFacts]]:
    """What finance reports say was paid for each tool, newest period first."""
    invoiced: dict[int, list[InvoicedFacts]] = {}
    for row in session.execute(sa.select(SPEND).order_by(SPEND.c.period_end.desc())):
        invoiced.setdefault(row.tool_id, []).append(
            InvoicedFacts(
                row.supplier,
                row.currency,
                row.amount,
                row.annual_amount,
                row.period_start,
                row.period_end,
                row.invoices,
                row.annualised_by,
            )
        )
    return invoiced


def _links(session: Session, owners: dict[int, str]) -> tuple[LinkFacts, ...]:
    rows = _raw(session, LINK, _LINK_COLUMNS, "id")
    # Half a million links carry a handful of methods, statuses and frequencies and a few
    # hundred lists of data objects: each distinct value is kept once, not once per link
    # (the driver gives every row its own strings: 200 MB at 100,000 tools).
    same: dict[Any, Any] = {}
    data_objects = _JsonLists()
    return tuple(
        LinkFacts(
            id=link_id,
            source=source,
            target=target,
            method=same.setdefault(method, method),
            status=same.setdefault(status, status),
            direction=same.setdefault(direction, direction),
            frequency=same.setdefault(frequency, frequency),
            data_objects=data_objects.of(data),
            owner=owners.get(owner_id) if owner_id else None,
        )
        for link_id, source, target, method, status, direction, frequency, data, owner_id in rows
    )


def _raw(session: Session, table: sa.Table, names: str, order: str) -> Any:
    """Rows of plain columns (numbers, text, JSON) as the driver returns them.

    SQLAlchemy's result processing (a JSON decoder and a row object per row) is most of the
    cost of reading 100,000 links; these columns need none of it but the JSON, which
    `_json_list` decodes with orjson."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names.split())
    sql = f"SELECT {columns} FROM {quote(table.name)} ORDER BY {quote(order)}"
    cursor = session.connection().connection.cursor()  # the DBAPI cursor, in this transaction
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _json_list(value: Any) -> tuple[Any, ...]:
    """A JSON list column as the driver gives it: text on SQLite, already a list on PostgreSQL."""
    if value is None:
        return ()
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return tuple(value or ())


class _JsonLists(dict[Any, tuple[Any, ...]]):
    """_json_list with each distinct list kept once: lists of data objects, business units
    and journey stages repeat across thousands of rows, and the tuples are immutable."""

    def of(self, value: Any) -> tuple[Any, ...]:
        decoded = _json_list(value)
        if not decoded:
            return ()
        try:
            return self.setdefault(decoded, decoded)
        except TypeError:  # an unhashable item (a mapping in the list): kept as it is
            return decoded


def _untied(session: Session) -> tuple[UntiedFacts, ...]:
    """Suppliers a finance report billed that no tool was matched to."""
    return tuple(
        UntiedFacts(
            row.supplier,
            row.currency,
            row.amount,
            row.annual_amount,
            row.period_start,
            row.period_end,
            row.invoices,
            row.status,
            row.reason,
        )
        for row in session.execute(sa.select(UNTIED).order_by(UNTIED.c.amount.desc()))
    )
