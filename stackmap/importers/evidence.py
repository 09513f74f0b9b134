"""Weigh a sheet's header mapping against the values in its columns.

A header says what a column should hold; its cells say what it does hold. A column whose
header resembles "seats" but whose cells are sentences, a "Link" column of internal wiki pages,
a "Classification" column of Red/Amber/Green: the header match is not taken, the column is kept
as an extra attribute, and the plan says why. Where two columns claim one field, the one whose
header says it most directly (a profile, then the field's own name, then a synonym, then a
resemblance) and whose values agree wins, and the plan says which lost and why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from stackmap.importers.headers import Column, HeaderMap
from stackmap.importers.values import (
    CURRENCIES,
    UNKNOWN,
    parse_bool,
    parse_count,
    parse_date,
    parse_days,
    parse_disposition,
    parse_money,
    parse_period,
    parse_pricing,
    parse_status,
    text_of,
)

SAMPLE = 500  # values looked at per column: enough to judge, cheap on 100,000 rows
# Share of a column's readable values that must fit the field: a header that is the field's
# name or a synonym needs a majority; one that merely resembles a synonym needs more.
NEEDED = {"profile": 0.0, "synonym": 0.5, "partial": 0.6, "fuzzy": 0.8}
# A header that is the field's own name or a synonym is overruled only by this many values:
# one odd cell in a three-row file is a bad cell, not a wrong column.
ENOUGH = {"exact": 5, "synonym": 5}
# How directly a header names its field, best first.
RANK = {"profile": 0, "exact": 1, "synonym": 2, "partial": 3, "fuzzy": 4}

_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?P<host>(?:[a-z0-9-]+\.)+[a-z]{2,})(?::\d+)?(?:[/?#]\S*)?$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """What one column's values say about the field its header names."""

    column: Column
    share: float  # of the readable values, how many fit the field
    seen: int  # how many values were looked at
    why: str = ""  # when the values contradict the header: in the user's words


def _fits(check: Callable[[Any], Any]) -> Callable[[Any], bool | None]:
    """A check that a value parses; None (no evidence) for values that say "unknown"."""

    def fits(value: Any) -> bool | None:
        try:
            return None if check(value) is UNKNOWN else True
        except (ValueError, TypeError):
            return False

    return fits


def _date(value: Any) -> Any:
    try:
        return parse_date(value, True)
    except ValueError:
        return parse_date(value, False)


def _owner(value: Any) -> bool | None:
    """A person, a team or an email address: a few words, no link, not a number or a sentence."""
    text = text_of(value)
    if _EMAIL.match(text):
        return True
    if _URL.match(text) or not re.search(r"[^\W\d_]", text):
        return False
    return len(text) <= 60 and len(text.split()) <= 6 and not text.endswith((".", "?", "!"))


def _email(value: Any) -> bool:
    return bool(_EMAIL.match(text_of(value)))


def _currency(value: Any) -> bool:
    return text_of(value).upper() in CURRENCIES


def _url(value: Any) -> bool:
    return bool(_URL.match(text_of(value)))


VALUE_CHECKS: dict[str, Callable[[Any], bool | None]] = {
    "seats_purchased": _fits(parse_count),
    "seats_assigned": _fits(parse_count),
    "seats_active": _fits(parse_count),
    "annual_cost": _fits(parse_money),
    "amount": _fits(parse_money),
    "start_date": _fits(_date),
    "end_date": _fits(_date),
    "renewal_date": _fits(_date),
    "notice_days": _fits(parse_days),
    "auto_renew": _fits(parse_bool),
    "billing_period": _fits(parse_period),
    "pricing_model": _fits(parse_pricing),
    "status": _fits(parse_status),
    "disposition": _fits(parse_disposition),
    "website": _url,
    "business_owner": _owner,
    "technical_owner": _owner,
    "business_owner_email": _email,
    "currency": _currency,
}
WHAT = {
    "seats_purchased": "counts",
    "seats_assigned": "counts",
    "seats_active": "counts",
    "annual_cost": "amounts",
    "amount": "amounts",
    "start_date": "dates",
    "end_date": "dates",
    "renewal_date": "dates",
    "notice_days": "notice periods",
    "auto_renew": "yes or no",
    "billing_period": "billing periods",
    "pricing_model": "pricing models",
    "status": "statuses",
    "disposition": "decisions",
    "website": "web addresses",
    "business_owner": "names or email addresses",
    "technical_owner": "names or email addresses",
    "business_owner_email": "email addresses",
    "currency": "currency codes",
    "category": "categories stackmap knows",
}


def _values(rows: Sequence[Sequence[Any]], start: int, index: int) -> list[Any]:
    found: list[Any] = []
    for row in rows[start:]:
        if index < len(row):
            value = row[index]
            if value is not None and text_of(value):
                found.append(value)
                if len(found) >= SAMPLE:
                    break
    return found


def judge(
    column: Column,
    values: list[Any],
    known_category: Callable[[str], bool],
) -> Verdict:
    """Say how well a column's values fit the field its header names."""
    field = column.field
    assert field is not None
    if field == "category":
        distinct = {text_of(v) for v in values}
        fit = sum(1 for v in distinct if known_category(v))
        share = fit / len(distinct) if distinct else 1.0
        if len(values) < ENOUGH.get(column.how, 1):
            return Verdict(column, share, len(values))
        return Verdict(column, share, len(values), _contradiction(column, share, values))
    check = VALUE_CHECKS.get(field)
    if check is None or not values:
        return Verdict(column, 1.0, len(values))
    results = [check(v) for v in values]
    readable = [r for r in results if r is not None]
    share = sum(1 for r in readable if r) / len(readable) if readable else 1.0
    if len(readable) < ENOUGH.get(column.how, 1):
        return Verdict(column, share, len(values))
    why = _contradiction(column, share, values)
    if not why and field == "website":
        why = _one_host(column, values)
    return Verdict(column, share, len(values), why)


def _contradiction(column: Column, share: float, values: list[Any]) -> str:
    needed = NEEDED.get(column.how, 0.5)
    if share >= needed or column.how == "profile":
        return ""
    field = column.field or ""
    example = next((text_of(v) for v in values), "")
    return (
        f"the header looks like {field.replace('_', ' ')}, but only {share:.0%} of its values "
        f"are {WHAT.get(field, 'readable as that')} (e.g. {example[:40]!r}); kept as an extra "
        "attribute"
    )


def _one_host(column: Column, values: list[Any]) -> str:
    """Links that all point into one site are pages about the tools (a wiki), not their sites."""
    hosts = Counter(
        m.group("host").casefold() for v in values if (m := _URL.match(text_of(v))) is not None
    )
    total = sum(hosts.values())
    if total < 3 or len({text_of(v) for v in values}) < 3:
        return ""
    host, count = hosts.most_common(1)[0]
    if count / total >= 0.8:
        return (
            f"the header looks like website, but {count} of {total} links point into {host} "
            "(pages about the tools, not their own sites); kept as an extra attribute"
        )
    return ""


def weigh(
    rows: Sequence[Sequence[Any]],
    header: HeaderMap,
    known_category: Callable[[str], bool],
) -> tuple[HeaderMap, dict[str, str]]:
    """Return the header map with every mapping the values contradict undone, each field
    given to its best column, and why, by header, for every column that lost its field."""
    notes: dict[str, str] = {}
    verdicts: dict[int, Verdict] = {}
    for column in header.columns:
        target = column.field or column.candidate
        if target is None or column.how == "ignore":
            continue
        claimed = replace(column, field=target)
        verdicts[column.index] = judge(
            claimed, _values(rows, header.data_start, column.index), known_category
        )
    claims: dict[str, list[Verdict]] = {}
    for verdict in verdicts.values():
        if verdict.why:
            notes[verdict.column.header] = verdict.why
            continue
        claims.setdefault(verdict.column.field or "", []).append(verdict)
    winners: dict[int, str] = {}
    for field, claimants in claims.items():
        ordered = sorted(claimants, key=lambda v: (RANK.get(v.column.how, 9), -v.share))
        best = ordered[0]
        winners[best.column.index] = field
        for loser in ordered[1:]:
            notes[loser.column.header] = (
                f"{best.column.header!r} also looks like {field.replace('_', ' ')} and was "
                f"taken ({_reason(best, loser)}); kept as an extra attribute"
            )
    columns = []
    for column in header.columns:
        if column.how == "ignore":
            columns.append(column)
        elif column.index in winners:
            columns.append(replace(column, field=winners[column.index]))
        else:
            how = "extra" if column.field or column.candidate else column.how
            columns.append(replace(column, field=None, how=how))
    return replace(header, columns=columns), notes


def _reason(best: Verdict, loser: Verdict) -> str:
    if RANK.get(best.column.how, 9) < RANK.get(loser.column.how, 9):
        return {
            "profile": "the profile names it",
            "exact": "its header is the field's own name",
            "synonym": "its header is a known synonym",
        }.get(best.column.how, "its header is closer")
    if best.share > loser.share:
        return f"{best.share:.0%} of its values fit, against {loser.share:.0%}"
    return "it comes first"
