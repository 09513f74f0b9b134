"""Which of a tool's contracts are current, and the terms a listing shows for them (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from stackmap.views import ContractView


@dataclass(frozen=True)
class CurrentTerms:
    """The figures of a tool's current contract(s), summed where they share a currency."""

    annual_cost: Decimal | None
    currency: str | None
    renewal_date: date | None
    notice_days: int | None
    seats_purchased: int | None
    seats_active: int | None


NO_TERMS = CurrentTerms(None, None, None, None, None, None)
N = TypeVar("N", int, Decimal)


def _sum(values: Sequence[N | None]) -> N | None:
    known = [v for v in values if v is not None]
    return sum(known[1:], known[0]) if known else None


def current_contracts(contracts: Sequence[ContractView], today: date) -> list[ContractView]:
    """Return the contracts in force today; with none in force, the most recent one.

    A contract is in force until its end date (open-ended when it has none). Keeping the most
    recent expired contract means a lapsed tool still shows what it last cost.
    """
    if not contracts:
        return []
    live = [c for c in contracts if c.end_date is None or c.end_date >= today]
    if live:
        return live
    return [max(contracts, key=lambda c: (c.end_date or date.min, c.id))]


def current_terms(contracts: Sequence[ContractView], today: date) -> CurrentTerms:
    """Return the terms to show for a tool: costs and seats summed over its current contracts.

    Contracts in different currencies are never added together: only those in the most common
    currency count until costs are converted to one currency.
    """
    current = current_contracts(contracts, today)
    if not current:
        return NO_TERMS
    currencies = {c.currency for c in current if c.currency}
    if len(currencies) > 1:
        counts = {cur: sum(1 for c in current if c.currency == cur) for cur in currencies}
        main = max(sorted(currencies), key=lambda cur: counts[cur])
        current = [c for c in current if c.currency in (main, None)]
    upcoming = [c for c in current if c.renewal_date is not None and c.renewal_date >= today]
    pool = upcoming or [c for c in current if c.renewal_date is not None]
    next_renewal = min(pool, key=lambda c: c.renewal_date or date.max) if pool else None
    return CurrentTerms(
        annual_cost=_sum([c.annual_cost for c in current]),
        currency=next(iter(c.currency for c in current if c.currency), None),
        renewal_date=next_renewal.renewal_date if next_renewal else None,
        notice_days=next_renewal.notice_days if next_renewal else None,
        seats_purchased=_sum([c.seats_purchased for c in current]),
        seats_active=_sum([c.seats_active for c in current]),
    )
