"""How figures and lists read, in one place for every front end and export.

An amount reads "USD 74,900"; an unknown one says so in words chosen by the caller ("an unknown
amount" in a sentence, "—" in a table cell), never 0. A long list names its first items and
says how many more there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")
IN_A_SENTENCE = "an unknown amount"
IN_A_CELL = "—"


def money(
    amount: Decimal | float | None, currency: str | None, unknown: str = IN_A_SENTENCE
) -> str:
    """An amount with its currency, whole units with thousands separators: "USD 74,900"."""
    if amount is None:
        return unknown
    if type(amount) is not Decimal:  # a float is written as its exact decimal value
        amount = Decimal(amount)
    return f"{currency} {amount:,.0f}" if currency else f"{amount:,.0f}"


def first(items: Sequence[T], limit: int) -> tuple[Sequence[T], int]:
    """The first `limit` items, and how many are left out."""
    return items[:limit], max(len(items) - limit, 0)


def and_more(left_out: int, suffix: str = "") -> str:
    """ "… and 3 more" (with `suffix` after it) for items left out of a list; "" for none."""
    return f"… and {left_out:,} more{suffix}" if left_out > 0 else ""


def listing(items: Sequence[str], limit: int = 6) -> str:
    """Join words for a sentence: "a", "a and b", "a, b and c", "a, b and 3 more"."""
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit:,} more"
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
