"""The catalog read into the analysis's snapshot: every tool, link and untied supplier, with
a handful of set queries through the driver (see `stackmap.rows`), not one per tool."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from stackmap.analysis.stack import InvoicedFacts, LinkFacts, Stack, ToolFacts, UntiedFacts
from stackmap.reference import Reference
from stackmap.rows import (
    LINK_COLUMNS,
    TOOL_COLUMNS,
    UNTIED_COLUMNS,
    JsonLists,
    Rows,
    capabilities_by_tool,
    contracts_by_tool,
    day,
    money,
    names,
    paid,
    select,
)


def snapshot(
    rows: Rows,
    reference: Reference,
    today: date,
    counted: Sequence[str] = ("active",),
    *,
    all_tools: bool = False,
    paid_statuses: Sequence[str] | None = None,
) -> Stack:
    """The whole catalog as the analysis sees it (see `Inventory.stack` for the options)."""
    tools, links, untied = read_facts(rows)
    return Stack(
        tools,
        links,
        reference,
        today,
        tuple(counted),
        untied=untied,
        all_tools=all_tools,
        paid_statuses=tuple(paid_statuses) if paid_statuses is not None else None,
    )


def read_facts(
    rows: Rows,
) -> tuple[tuple[ToolFacts, ...], tuple[LinkFacts, ...], tuple[UntiedFacts, ...]]:
    """Every tool (ordered by key), every integration (by id), every untied supplier (largest
    first). Call inside one read transaction, so that the tables agree with each other."""
    owners = names(rows, "owner")
    return _tools(rows, owners), _links(rows, owners), _untied(rows)


def _tools(rows: Rows, owners: dict[int, str]) -> tuple[ToolFacts, ...]:
    vendors = names(rows, "vendor")
    capabilities, inferred = capabilities_by_tool(rows)
    contracts = contracts_by_tool(rows)
    invoiced = _invoiced(rows)

    def owner(owner_id: int | None) -> str | None:
        return owners.get(owner_id) if owner_id else None

    lists = JsonLists()

    return tuple(
        # By position, in the order of ToolFacts' fields: naming eighteen arguments costs more
        # than making the record, 20,000 times.
        ToolFacts(
            tool_id,
            name,
            status,
            vendors.get(vendor_id) if vendor_id else None,  # vendor
            category,
            owner(business_owner_id),
            owner(technical_owner_id),
            tuple(sorted(capabilities.get(tool_id, ()))),  # capabilities
            inferred.get(tool_id),  # capabilities_inferred
            lists.of(journey_stages),
            lists.of(business_units),
            tuple(contracts.get(tool_id, ())),  # contracts
            disposition,
            decision_note,
            decided_by,
            tuple(invoiced.get(tool_id, ())),  # invoiced
            functional_fit,
            technical_fit,
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
        ) in rows(select("tool", TOOL_COLUMNS, ' ORDER BY "key"'))
    )


def _invoiced(rows: Rows) -> dict[int, list[InvoicedFacts]]:
    """What finance reports say was paid for each tool, newest period first."""
    invoiced: dict[int, list[InvoicedFacts]] = {}
    for tool_id, *values in paid(rows):
        invoiced.setdefault(tool_id, []).append(InvoicedFacts(*values))
    return invoiced


def _links(rows: Rows, owners: dict[int, str]) -> tuple[LinkFacts, ...]:
    found = rows(select("integration", LINK_COLUMNS, ' ORDER BY "id"'))
    # Half a million links carry a handful of methods, statuses and frequencies and a few
    # hundred lists of data objects: each distinct value is kept once, not once per link
    # (the driver gives every row its own strings: 200 MB at 100,000 tools).
    same: dict[Any, Any] = {}
    data_objects = JsonLists()
    return tuple(
        # By position, in the order of LinkFacts' fields: 100,000 of them.
        LinkFacts(
            link_id,
            source,
            target,
            same.setdefault(method, method),
            same.setdefault(status, status),
            same.setdefault(direction, direction),
            same.setdefault(frequency, frequency),
            data_objects.of(data),
            owners.get(owner_id) if owner_id else None,
        )
        for link_id, source, target, method, status, direction, frequency, data, owner_id in found
    )


def _untied(rows: Rows) -> tuple[UntiedFacts, ...]:
    """Suppliers a finance report billed that no tool was matched to, largest first."""
    sql = select("untied_spend", UNTIED_COLUMNS, ' ORDER BY "amount" DESC, "id"')
    return tuple(
        UntiedFacts(
            supplier,
            currency,
            money(amount),  # type: ignore[arg-type]  # the column is NOT NULL
            money(annual),
            day(start),  # type: ignore[arg-type]
            day(end),  # type: ignore[arg-type]
            invoices,
            status,
            reason,
        )
        for supplier, currency, amount, annual, start, end, invoices, status, reason in rows(sql)
    )
