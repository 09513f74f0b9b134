"""What a person types into an edit form, read the way an import reads a cell.

"$12,600", "12.6k", "EUR 2,100 / month", "31 Mar 2027", "90 days", "per user", "Live" are all
accepted where a spreadsheet cell would be; an empty field clears the value (a tool's status,
which is never unknown, aside); "TBD" or "?" makes it unknown. A value that cannot be read is
refused with one line naming the field, the text and why, in the importer's words, never a
validation library's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackmap.errors import InvalidValueError
from stackmap.importers.values import (
    UNKNOWN,
    Money,
    parse_count,
    parse_date,
    parse_days,
    parse_disposition,
    parse_money,
    parse_pricing,
    parse_status,
)

# Fields a form edits, with their labels for messages; contract terms are marked.
LABELS: dict[str, str] = {
    "business_owner": "Business owner",
    "technical_owner": "Technical owner",
    "status": "Status",
    "category": "Category",
    "vendor": "Vendor",
    "notes": "Notes",
    "disposition": "Decision",
    "decision_note": "Decision note",
    "functional_fit": "Functional fit",
    "technical_fit": "Technical fit",
    "annual_cost": "Annual cost",
    "amount": "Amount",
    "currency": "Currency",
    "renewal_date": "Renewal date",
    "start_date": "Start date",
    "end_date": "End date",
    "notice_days": "Notice",
    "seats_purchased": "Seats purchased",
    "seats_active": "Seats active",
    "pricing_model": "Pricing model",
}
CONTRACT_FIELDS = frozenset(
    {
        "annual_cost",
        "amount",
        "currency",
        "renewal_date",
        "start_date",
        "end_date",
        "notice_days",
        "seats_purchased",
        "seats_active",
        "pricing_model",
    }
)
NEVER_EMPTY = frozenset({"status"})


def _date(text: str) -> Any:
    try:
        return parse_date(text, dayfirst=None)
    except ValueError as exc:
        if "ambiguous" in str(exc):
            raise ValueError(
                "could be either day or month first: write it as YYYY-MM-DD or with the "
                "month's name (31 Mar 2027)"
            ) from None
        raise


def _rating(text: str) -> Any:
    value = parse_count(text)
    if isinstance(value, int) and not 1 <= value <= 5:
        raise ValueError("is not a rating from 1 to 5")
    return value


def _enum(parser: Callable[[Any], Any]) -> Callable[[str], Any]:
    def read(text: str) -> Any:
        value = parser(text)
        return value.value if hasattr(value, "value") else value

    return read


READERS: dict[str, Callable[[str], Any]] = {
    "status": _enum(parse_status),
    "disposition": _enum(parse_disposition),
    "pricing_model": _enum(parse_pricing),
    "functional_fit": _rating,
    "technical_fit": _rating,
    "renewal_date": _date,
    "start_date": _date,
    "end_date": _date,
    "notice_days": parse_days,
    "seats_purchased": parse_count,
    "seats_active": parse_count,
}


def read_edits(
    values: dict[str, str], where: Callable[[str], str] = LABELS.__getitem__
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read typed values into (tool changes, contract changes); None clears a field.

    where(field) names the field in messages: the form's label, or the CLI's option."""
    tool: dict[str, Any] = {}
    contract: dict[str, Any] = {}
    for field, typed in values.items():
        if field not in LABELS:
            raise InvalidValueError(f"{field}: not a field that can be edited this way")
        text = " ".join(typed.split())
        target = contract if field in CONTRACT_FIELDS else tool
        if not text:
            if field in NEVER_EMPTY:
                raise InvalidValueError(f"{where(field)}: cannot be empty")
            target[field] = None
            continue
        try:
            if field in ("annual_cost", "amount"):
                _money(text, contract, field)
                continue
            if field == "currency":
                contract["currency"] = text.upper()
                continue
            reader = READERS.get(field)
            value = reader(text) if reader else text
        except ValueError as exc:
            raise InvalidValueError(f"{where(field)}: {text!r} {_why(exc)}") from None
        target[field] = None if value is UNKNOWN else value
    return tool, contract


def _money(text: str, contract: dict[str, Any], field: str) -> None:
    """An amount as typed, with its currency and billing period when it says them.

    For an annual cost the amount is recorded with its period ("annual" unless the text says
    monthly or quarterly), so a contract billed monthly before is not left with a stale
    monthly amount beside a new yearly figure; the contract engine annualises it."""
    money = parse_money(text)
    if money is None or money is UNKNOWN:
        contract[field] = None
        return
    assert isinstance(money, Money)
    if money.currency and "currency" not in contract:
        contract["currency"] = money.currency
    contract["amount"] = money.amount
    if money.period is not None:
        contract["billing_period"] = money.period.value
    elif field == "annual_cost":
        contract["billing_period"] = "annual"


def _why(error: ValueError) -> str:
    why = str(error)
    if why.startswith(("not ", "no ", "could", "is ", "unexpected", "ambiguous")):
        return why if not why.startswith("unexpected") else f"has {why}"
    return f"cannot be read: {why}"
