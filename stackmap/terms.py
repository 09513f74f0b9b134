"""The contract engine: where each contract stands on a given day (pure).

One set of rules, used by spend, renewals, what-if, the plan's savings, the workbook and the
TUI alike, so no two views can disagree about a contract:

- The renewal date is the recorded renewal date, else the end date.
- A contract that auto-renews and whose renewal date has passed rolled forward: its current term
  runs to the next renewal date on or after today, one term at a time.
- Once the notice deadline (renewal date minus notice period) has passed, a contract that
  renews itself is committed for the next term too: the earliest exit moves a term later. A
  contract recorded as not auto-renewing simply ends at its renewal date.
- A contract that ended and is not recorded as auto-renewing has lapsed: it is not spend, and a
  person should verify whether it was renewed or switched off.
- A contract with no renewal or end date is open-ended (evergreen): it is spend, it has no
  deadline, and it is flagged.
- A blank notice period is unknown, never 0: the decide-by date is then unknown and flagged
  (a contract that does not auto-renew needs no notice: it is decided by its end).
- A blank auto-renewal is read the cautious way (as renewing) for commitments, and flagged.
- The term is the span from start to renewal when that is a year or less or the contract says
  multi-year; otherwise a year, and the assumption is flagged.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Literal, TypeVar

from stackmap.record import record
from stackmap.views import ContractView

# What a contract's position is, in the words the views print.
State = Literal["in term", "committed", "auto-renewed", "lapsed", "open-ended", "not started"]
IN_TERM: Final = "in term"  # running to its renewal date, notice can still be given (or not needed)
COMMITTED: Final = "committed"  # the notice deadline passed: the next term is owed too
ROLLED: Final = "auto-renewed"  # its renewal date passed and it renewed itself
LAPSED: Final = "lapsed"  # ended, not recorded as auto-renewing: verify
OPEN_ENDED: Final = "open-ended"  # no renewal or end date: evergreen until someone gives notice
NOT_STARTED: Final = "not started"  # signed, starts later

PAID = frozenset({IN_TERM, COMMITTED, ROLLED, OPEN_ENDED})
DEFAULT_TERM_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from start to end, rounded to the nearest month."""
    return max(round((end - start).days / (365.25 / 12)), 0)


@record
class Position:
    """Where one contract stands on a given day, and why."""

    contract: ContractView
    state: State
    renewal_date: date | None  # the next renewal on or after today; for a lapsed one, its end
    rolled_on: date | None  # the last date it renewed itself, when it did since it was recorded
    term_months: int | None  # None: not needed, or a multi-year term of unknown length
    notice_days: int | None  # None: not recorded
    decide_by: date | None  # last day to give notice for the next renewal; None when unknown
    exit_date: date | None  # earliest day it can stop being paid, notice given today; None unknown
    notes: tuple[str, ...]  # what a person should check, in words

    @property
    def paid(self) -> bool:
        """Whether the contract is money being spent today."""
        return self.state in PAID

    @property
    def notice_known(self) -> bool:
        return self.notice_days is not None

    @property
    def auto_renew(self) -> bool | None:
        return self.contract.auto_renew


def _term(contract: ContractView, renewal: date | None) -> tuple[int | None, str | None]:
    """The contract's term in months, and a note when it is assumed."""
    start = contract.start_date
    if start is not None and renewal is not None and renewal > start:
        span = months_between(start, renewal)
        if span and (span <= 12 or contract.billing_period == "multi_year"):
            return span, None
    if contract.billing_period == "multi_year":
        return None, "multi-year term of unknown length (no start date)"
    return DEFAULT_TERM_MONTHS, "term not recorded: a year assumed"


def position(contract: ContractView, today: date) -> Position:
    """Return where one contract stands on `today` (see the module's rules)."""
    notice = contract.notice_days
    notes: list[str] = []
    if contract.start_date is not None and contract.start_date > today:
        return Position(
            contract, NOT_STARTED, contract.renewal_date or contract.end_date, None, None,
            notice, None, None, (f"starts on {contract.start_date.isoformat()}",),
        )  # fmt: skip
    renewal = contract.renewal_date or contract.end_date
    if renewal is None:
        open_exit = today + timedelta(days=notice) if notice is not None else None
        notes.append("no renewal or end date recorded: open-ended until notice is given")
        if notice is None:
            notes.append("notice period not recorded")
        return Position(
            contract, OPEN_ENDED, None, None, None, notice, None, open_exit, tuple(notes)
        )
    auto = contract.auto_renew
    rolled_on = None
    term: int | None = None
    assumed: str | None = None
    if renewal < today:
        if not auto:
            why = "not recorded as auto-renewing" if auto is None else "does not auto-renew"
            notes.append(
                f"ended on {renewal.isoformat()} and {why}: lapsed, verify it was renewed or "
                "switched off"
            )
            return Position(contract, LAPSED, renewal, None, None, notice, None, None, tuple(notes))
        term, assumed = _term(contract, renewal)
        if term is None:
            notes += [f"renewed itself on {renewal.isoformat()}", assumed or ""]
            return Position(contract, ROLLED, None, renewal, None, notice, None, None, tuple(notes))
        steps = 1
        while add_months(renewal, term * steps) < today:
            steps += 1
        rolled_on = add_months(renewal, term * (steps - 1))
        renewal = add_months(renewal, term * steps)
    if notice is None and auto is False:
        decide_by: date | None = renewal  # it simply ends: decided by then, or not
    elif notice is None:
        notes.append("notice period not recorded")
        decide_by = None
    else:
        decide_by = renewal - _notice(notice)
    if auto is None:
        notes.append("auto-renewal not recorded: read as renewing")
    state: State = ROLLED if rolled_on else IN_TERM
    if auto is False:
        exit_date: date | None = renewal  # it simply ends
    elif decide_by is None:
        exit_date = None  # the deadline may already have passed: unknown
    elif decide_by >= today:
        exit_date = renewal
    else:
        state = COMMITTED
        if term is None:  # the term's length only matters when a term is added
            term, assumed = _term(contract, contract.renewal_date or contract.end_date or renewal)
        exit_date = add_months(renewal, term) if term is not None else None
    if assumed and (rolled_on or state == COMMITTED):
        notes.append(assumed)
    return Position(
        contract, state, renewal, rolled_on, term, notice, decide_by, exit_date, tuple(notes)
    )


def _notice(days: int) -> timedelta:
    """A notice period as a span of days: a catalog's contracts share a handful of them."""
    span = _NOTICES.get(days)
    if span is None:
        span = _NOTICES[days] = timedelta(days=days)
    return span


_NOTICES: dict[int, timedelta] = {}


def positions(contracts: Sequence[ContractView], today: date) -> list[Position]:
    return [position(c, today) for c in contracts]


N = TypeVar("N", int, Decimal)


def _sum(values: Sequence[N | None]) -> N | None:
    known = [v for v in values if v is not None]
    return sum(known[1:], known[0]) if known else None


def current_contracts(contracts: Sequence[ContractView], today: date) -> list[ContractView]:
    """Return the contracts being paid today; with none, the most recent one.

    Keeping the most recent lapsed contract means a listing still shows what a tool last
    cost; money views count only paid positions (see `position`).
    """
    return [p.contract for p in _current_positions(contracts, today)]


def _current_positions(contracts: Sequence[ContractView], today: date) -> list[Position]:
    """The positions of current_contracts' contracts, each worked out once."""
    if not contracts:
        return []
    placed = positions(contracts, today)
    live = [p for p in placed if p.paid]
    if live:
        return live
    return [max(placed, key=lambda p: (_last_date(p.contract), p.contract.id))]


def _last_date(contract: ContractView) -> date:
    return contract.renewal_date or contract.end_date or date.min


@record
class CurrentTerms:
    """The figures of a tool's current contract(s), summed where they share a currency."""

    annual_cost: Decimal | None
    currency: str | None
    renewal_date: date | None
    notice_days: int | None
    seats_purchased: int | None
    seats_active: int | None


NO_TERMS = CurrentTerms(None, None, None, None, None, None)


def current_terms(contracts: Sequence[ContractView], today: date) -> CurrentTerms:
    """Return the terms to show for a tool: costs and seats summed over its current contracts.

    Contracts in different currencies are never added together: only those in the most common
    currency count until costs are converted to one currency. The renewal date is the
    engine's (rolled forward past automatic renewals).
    """
    placed = _current_positions(contracts, today)
    if not placed:
        return NO_TERMS
    if len(placed) == 1:  # most tools: what follows, without the lists
        only = placed[0]
        contract = only.contract
        renews = only.renewal_date is not None
        # By position, in the order of CurrentTerms' fields: once per tool listed.
        return CurrentTerms(
            contract.annual_cost,
            contract.currency,
            only.renewal_date,
            only.notice_days if renews else None,  # notice_days
            contract.seats_purchased,
            contract.seats_active,
        )
    currencies = {p.contract.currency for p in placed if p.contract.currency}
    if len(currencies) > 1:
        counts = {cur: sum(1 for p in placed if p.contract.currency == cur) for cur in currencies}
        main = max(sorted(currencies), key=lambda cur: counts[cur])
        placed = [p for p in placed if p.contract.currency in (main, None)]
    current = [p.contract for p in placed]
    dated = [p for p in placed if p.renewal_date is not None]
    upcoming = [p for p in dated if p.renewal_date and p.renewal_date >= today]
    nearest = min(upcoming or dated, key=lambda p: p.renewal_date or date.max, default=None)
    return CurrentTerms(
        annual_cost=_sum([c.annual_cost for c in current]),
        currency=next(iter(c.currency for c in current if c.currency), None),
        renewal_date=nearest.renewal_date if nearest else None,
        notice_days=nearest.notice_days if nearest else None,
        seats_purchased=_sum([c.seats_purchased for c in current]),
        seats_active=_sum([c.seats_active for c in current]),
    )
