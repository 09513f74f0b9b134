"""Contracts: each tool's terms, matched to the contract they continue or added beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col

from stackmap.domain import ChangeAction
from stackmap.models import (
    Contract,
)
from stackmap.schemas import ContractFields
from stackmap.store.base import Outcome, WriterBase, plain, plain_columns
from stackmap.store.sql import among

_CONTRACT_FIELDS = (
    "annual_cost",
    "amount",
    "currency",
    "billing_period",
    "start_date",
    "end_date",
    "renewal_date",
    "notice_days",
    "auto_renew",
    "seats_purchased",
    "seats_assigned",
    "seats_active",
    "pricing_model",
    "cost_centre",
    "notes",
)
_IS_TERM = frozenset(_CONTRACT_FIELDS)
# How a new tool's history names its first contract's terms ("contract.amount").
_IN_HISTORY = {name: f"contract.{name}" for name in _CONTRACT_FIELDS}


# What a recorded contract is matched on, compared with and changed in, in _Contract's order.
_COLUMNS = ("id", "tool_id", "created_at", *_CONTRACT_FIELDS)


@dataclass(slots=True)
class _Contract:
    """A recorded contract as a batch matches and changes it (the columns of _COLUMNS)."""

    id: int
    tool_id: int
    created_at: datetime
    annual_cost: Decimal | None
    amount: Decimal | None
    currency: str | None
    billing_period: str | None
    start_date: date | None
    end_date: date | None
    renewal_date: date | None
    notice_days: int | None
    auto_renew: bool | None
    seats_purchased: int | None
    seats_assigned: int | None
    seats_active: int | None
    pricing_model: str | None
    cost_centre: str | None
    notes: str | None


class ContractWrites(WriterBase):
    """Upserts of the contracts an import or an edit gives for its tools."""

    def _upsert_contracts(self, items: list[tuple[int, Outcome, ContractFields]]) -> None:
        tool_ids = sorted({t for t, _, _ in items})
        # Plain rows, not ORM objects: a re-import reads back 20,000 contracts.
        every = plain_columns(Contract, _COLUMNS)
        existing: dict[int, list[_Contract]] = {}
        wanted = set(tool_ids)
        for statement in among(every, col(Contract.tool_id), tool_ids):
            for found in self._read(statement):
                if found[1] in wanted:
                    contract = _Contract(*found)
                    existing.setdefault(contract.tool_id, []).append(contract)
        inserts: list[tuple[Outcome, dict[str, Any]]] = []
        updates: list[dict[str, Any]] = []
        blank = dict.fromkeys(_CONTRACT_FIELDS)  # a new row's terms, each given or None
        for tool_id, outcome, terms in items:
            values = self._contract_values(terms)
            match = _matching_contract(existing.get(tool_id, []), terms)
            if match is None and all(v is None for v in values.values()):
                continue  # emptying a term of a contract that does not exist: nothing to do
            if match is None:
                now = self.now
                inserts.append(
                    (
                        outcome,
                        {
                            "tool_id": tool_id,
                            "created_at": now,
                            "updated_at": now,
                            **blank,
                            **values,
                        },
                    )
                )
                continue
            changes = {
                k: [getattr(match, k), v] for k, v in values.items() if getattr(match, k) != v
            }
            if changes:
                updates.append(
                    {
                        "id": match.id,
                        **{k: v[1] for k, v in changes.items()},
                        "updated_at": self.now,
                    }
                )
                for k, (_, new) in changes.items():
                    setattr(match, k, new)
                assert match.id is not None
                self.record("contract", match.id, outcome.label, ChangeAction.UPDATE, changes)
                outcome.changes.update({f"contract.{k}": v for k, v in changes.items()})
                if outcome.action == "unchanged":
                    outcome.action = "updated"
        new_ids = self._insert_returning_ids(Contract, [row for _, row in inserts])
        for (outcome, row), contract_id in zip(inserts, new_ids, strict=True):
            tool_record = self._created.get(("tool", row["tool_id"]))
            if tool_record is not None and outcome.action != "unchanged":
                # A new tool's first contract is part of its creation: one history entry
                # (most contracts of an import; their terms named for it in one pass).
                # The terms in the row's order (every term is in every row: see blank).
                tool_record["changes"].update(
                    {_IN_HISTORY[k]: [None, row[k]] for k in _CONTRACT_FIELDS if row[k] is not None}
                )
                continue
            created = {k: [None, v] for k, v in row.items() if k in _IS_TERM and v is not None}
            if tool_record is not None:
                tool_record["changes"].update({_IN_HISTORY[k]: v for k, v in created.items()})
            else:
                self.record("contract", contract_id, outcome.label, ChangeAction.CREATE, created)
            if outcome.action == "unchanged":
                outcome.action = "updated"
                outcome.changes.update({f"contract.{k}": v for k, v in created.items()})
        self._update_by_id(Contract, updates)

    @staticmethod
    def _contract_values(terms: ContractFields) -> dict[str, Any]:
        given = terms.model_fields_set
        held = terms.__dict__  # where a pydantic model keeps its fields: one lookup each
        values = {name: plain(held[name]) for name in _CONTRACT_FIELDS if name in given}
        annual = terms.annualised()
        if annual is not None:
            values["annual_cost"] = annual
        return values


def _matching_contract(contracts: list[_Contract], terms: ContractFields) -> _Contract | None:
    """Return the contract these terms update: the one starting on the same day, else the latest.

    A new start date that differs from every recorded one is a new contract (a renewal signed
    on new terms); terms without a start date update the most recent contract.
    """
    if not contracts:
        return None
    if terms.start_date is not None:
        for contract in contracts:
            if contract.start_date == terms.start_date:
                return contract
        if all(c.start_date is not None for c in contracts):
            return None
    return max(contracts, key=lambda c: (c.start_date or c.created_at.date(), c.id or 0))
