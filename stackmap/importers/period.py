"""The period a finance report covers, and each supplier's spend as a yearly figure.

The period is what the report says it covers (its title or parameter rows: "From 01/01/2026
To 31/01/2026", "Period: January 2026", "Q1 2026"), else what the person says (`--period`),
else where the bulk of its invoice dates lie — one stray old invoice does not turn a monthly
report into 21 months. A yearly figure is worked out only by a method that can be stated:
twelve months of invoices are the actual spend; a shorter report gives a run rate only for a
supplier seen to invoice repeatedly (or whose invoice text says monthly or quarterly); a single
invoice that says it is annual is counted once; anything else stays unknown.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from stackmap.importers.values import parse_date, text_of

BULK = 0.95  # the share of invoice lines whose dates make the period when no period is stated
_MONTH_NAMES = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE = (
    r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}"  # 01/01/2026, 2026-01-31
    r"|\d{1,2}\s+[a-z]{3,9}\.?\s+\d{2,4}"  # 1 Jan 2026
    r"|[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}"  # Jan 1, 2026
)
_RANGE = re.compile(
    rf"(?:from|period|between|dates?|covering)?\W*(?P<a>{_DATE})\s*(?:to|-|\u2013|\u2014|until|and|\.\.)\s*"
    rf"(?P<b>{_DATE})",
    re.IGNORECASE,
)
_MONTH = re.compile(rf"\b(?P<m>(?:{_MONTH_NAMES})[a-z]*)\.?\s+(?P<y>\d{{4}})\b", re.IGNORECASE)
_QUARTER = re.compile(
    r"\b(?:q(?P<q1>[1-4])\s*(?P<y1>\d{4})|(?P<y2>\d{4})\s*q(?P<q2>[1-4]))\b", re.I
)
_FISCAL = re.compile(r"\bfy\s*'?\d{2,4}\b", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """The dates a report covers and where they were read from, in words."""

    start: date
    end: date
    source: str

    @property
    def months(self) -> int:
        """Whole months covered (at least one): Jan 1 to Jan 31 is 1, Jan 15 to Dec 15 is 12."""
        if self.start.day == 1 and self.end == _month_end(self.end):
            return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        days = (self.end - self.start).days + 1
        return max(1, round(days / 30.44))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_period_option(text: str, dayfirst: bool | None = None) -> Period:
    """Read `--period START..END` (any date spelling the importer reads). Raises ValueError."""
    parts = re.split(r"\s*\.\.\s*", text.strip())
    if len(parts) != 2:
        raise ValueError("--period takes START..END, e.g. 2026-01-01..2026-03-31")
    start, end = (_day(p, dayfirst) for p in parts)
    if start is None or end is None or end < start:
        raise ValueError(f"--period {text!r}: not two dates, the first before the second")
    return Period(start, end, f"as given: --period {text}")


def _day(text: str, dayfirst: bool | None) -> date | None:
    for order in (dayfirst, True, False) if dayfirst is None else (dayfirst,):
        try:
            value = parse_date(text, order)
        except ValueError:
            continue
        return value if isinstance(value, date) else None
    return None


def stated_period(rows: Sequence[Sequence[Any]], dayfirst: bool | None) -> Period | None:
    """The period the title or parameter rows above a report's header state, if any.

    Raises ValueError for a fiscal period ("FY27 Q1"), whose dates depend on the organisation's
    fiscal year: say --period.
    """
    for number, row in enumerate(rows, 1):
        text = " ".join(text_of(c) for c in row if text_of(c))
        if not text:
            continue
        found = _RANGE.search(text)
        if found:
            start, end = _day(found.group("a"), dayfirst), _day(found.group("b"), dayfirst)
            if start and end and start <= end:
                return Period(start, end, f"as the report states (row {number}: {text[:60]!r})")
        if _FISCAL.search(text):
            raise ValueError(
                f"row {number} states a fiscal period ({text[:40]!r}); its dates depend on your "
                "fiscal year: say --period START..END"
            )
        quarter = _QUARTER.search(text)
        if quarter:
            q = int(quarter.group("q1") or quarter.group("q2"))
            year = int(quarter.group("y1") or quarter.group("y2"))
            start = date(year, 3 * q - 2, 1)
            return Period(
                start,
                _month_end(date(year, 3 * q, 1)),
                f"as the report states (row {number}: {text[:60]!r})",
            )
        month = _MONTH.search(text)
        if month and re.search(r"period|month|for|report", text, re.IGNORECASE):
            first = _day(f"1 {month.group('m')} {month.group('y')}", True)
            if first is not None:
                return Period(
                    first, _month_end(first), f"as the report states (row {number}: {text[:60]!r})"
                )
    return None


def bulk_period(dates: Sequence[date]) -> tuple[Period, list[date]]:
    """The months where the bulk of the invoice dates lie, and the stray dates left outside."""
    ordered = sorted(dates)
    if len(ordered) < 20:
        first, last = ordered[0], ordered[-1]
    else:
        cut = int(len(ordered) * (1 - BULK) / 2)
        first, last = ordered[cut], ordered[-1 - cut]
    # Whole calendar months: invoices on the 15th of January to December cover twelve.
    start, end = first.replace(day=1), _month_end(last)
    strays = [d for d in ordered if d < start or d > end]
    source = f"from the invoice dates, {ordered[0]} to {ordered[-1]} (whole months)"
    if strays:
        source = (
            f"from where {len(ordered) - len(strays)} of {len(ordered)} invoice dates lie "
            f"(whole months); {len(strays)} stray date(s) "
            f"({', '.join(str(d) for d in strays[:3])}{', …' if len(strays) > 3 else ''}) "
            "left outside"
        )
    return Period(start, end, source), strays


_ANNUAL_WORDS = re.compile(r"\b(annual|yearly|per year|p\.?a\.?|12[- ]months?|1[- ]year)\b", re.I)
_MONTHLY_WORDS = re.compile(r"\b(monthly|per month|/ ?mo(nth)?)\b", re.I)
_QUARTERLY_WORDS = re.compile(r"\b(quarterly|per quarter)\b", re.I)


def annualise(
    amount: Decimal, months: int, invoice_months: int | None, texts: Sequence[str]
) -> tuple[Decimal | None, str]:
    """A supplier's spend over the period as a yearly figure, and the method, in words.

    invoice_months: in how many different months the supplier invoiced (None: the report has
    no dates). None as the figure when no stated method gives one.
    """
    text = " ".join(texts)
    if months >= 12:
        if months == 12:
            return amount, "actual: 12 months of invoices"
        scaled = (amount * 12 / months).quantize(Decimal("0.01"))
        return scaled, f"actual: {months} months of invoices scaled to 12"
    if _ANNUAL_WORDS.search(text) and not (invoice_months and invoice_months > 1):
        return amount, "an annual charge (the invoice text says so): counted once, not scaled"
    run_rate = (amount * 12 / months).quantize(Decimal("0.01"))
    if invoice_months and invoice_months > 1:
        return run_rate, (
            f"run rate: invoiced in {invoice_months} of the {months} months, scaled to 12"
        )
    if _MONTHLY_WORDS.search(text):
        return run_rate, f"run rate: a monthly charge (the invoice text says so), x 12/{months}"
    if _QUARTERLY_WORDS.search(text) and months <= 3:
        return (amount * 4).quantize(
            Decimal("0.01")
        ), "a quarterly charge (the invoice text says so), x 4"
    return None, (
        f"unknown: invoiced once in {months} month(s), and nothing says whether it recurs; "
        "not annualised"
    )
