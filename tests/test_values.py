"""Values as people type them: money, dates, counts, yes/no, periods and the words for states."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackmap.domain import BillingPeriod as P
from stackmap.importers.values import (
    UNKNOWN,
    Money,
    numeric_date_order,
    parse_bool,
    parse_count,
    parse_date,
    parse_days,
    parse_direction,
    parse_frequency,
    parse_list,
    parse_method,
    parse_money,
    parse_period,
    parse_status,
    term_months,
)

D = Decimal


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("$74,900", Money(D("74900.00"), "USD")),
        ("USD 2,100 / month", Money(D("2100.00"), "USD", P.MONTHLY)),
        ("48k", Money(D("48000.00"))),
        ("€2.345,67", Money(D("2345.67"), "EUR")),
        ("2.345,67 €", Money(D("2345.67"), "EUR")),
        ("GBP 9,000 p.a.", Money(D("9000.00"), "GBP", P.ANNUAL)),
        ("12000/yr", Money(D("12000.00"), None, P.ANNUAL)),
        ("free", Money(D("0.00"))),
        ("$0", Money(D("0.00"), "USD")),
        ("$1,500 per quarter", Money(D("1500.00"), "USD", P.QUARTERLY)),
        ("3,600 USD monthly", Money(D("3600.00"), "USD", P.MONTHLY)),
        ("CHF 1'200.50", Money(D("1200.50"), "CHF")),
        ("2 345,67", Money(D("2345.67"))),
        ("USD 1.2m", Money(D("1200000.00"), "USD")),
        ("€1.234", Money(D("1234.00"), "EUR")),
        ("1,234.56", Money(D("1234.56"))),
        (74900.0, Money(D("74900.00"))),
        (3600, Money(D("3600.00"))),
    ],
)
def test_money_in_the_spellings_people_type(typed: object, expected: Money) -> None:
    assert parse_money(typed) == expected


@pytest.mark.parametrize("typed", ["n/a", "TBD", "tbc", "?", "unknown", "-"])
def test_unknown_money_is_unknown_never_zero(typed: str) -> None:
    assert parse_money(typed) is UNKNOWN


def test_a_default_currency_applies_only_where_the_cell_says_none() -> None:
    assert parse_money("1,000", "EUR") == Money(D("1000.00"), "EUR")
    assert parse_money("$1,000", "EUR") == Money(D("1000.00"), "USD")


@pytest.mark.parametrize("typed", ["call sales", "about three grand", "12 apples"])
def test_words_that_are_not_money_are_errors(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_money(typed)


@pytest.mark.parametrize(
    ("typed", "dayfirst", "expected"),
    [
        ("2027-01-31", None, date(2027, 1, 31)),
        ("31/01/2027", None, date(2027, 1, 31)),
        ("01/31/2027", None, date(2027, 1, 31)),
        ("31.01.2027", None, date(2027, 1, 31)),
        ("Jan 31, 2027", None, date(2027, 1, 31)),
        ("31 January 2027", None, date(2027, 1, 31)),
        ("15-Mar-27", None, date(2027, 3, 15)),
        ("January 2027", None, date(2027, 1, 1)),
        (45291, None, date(2023, 12, 31)),
        ("45291", None, date(2023, 12, 31)),
        ("2027-01-31T00:00:00Z", None, date(2027, 1, 31)),
        (datetime(2027, 1, 31, 9, 30), None, date(2027, 1, 31)),
        ("03/04/2027", True, date(2027, 4, 3)),
        ("03/04/2027", False, date(2027, 3, 4)),
        ("04/04/2027", None, date(2027, 4, 4)),
    ],
)
def test_dates_in_every_form(typed: object, dayfirst: bool | None, expected: date) -> None:
    assert parse_date(typed, dayfirst) == expected


def test_an_ambiguous_date_needs_the_order_said() -> None:
    with pytest.raises(ValueError, match="--dayfirst"):
        parse_date("03/04/2027")
    assert numeric_date_order("13/04/2027") == "dayfirst"
    assert numeric_date_order("04/13/2027") == "monthfirst"
    assert numeric_date_order("03/04/2027") is None


@pytest.mark.parametrize("typed", ["31/02/2027", "someday", 7])
def test_impossible_dates_are_errors(typed: object) -> None:
    with pytest.raises(ValueError):
        parse_date(typed, dayfirst=True)


def test_counts_flags_periods_and_notice() -> None:
    assert [parse_count(v) for v in ("25", "25.0", "1,200", "25 seats", 40.0)] == [
        25,
        25,
        1200,
        25,
        40,
    ]
    assert parse_count("unlimited") is UNKNOWN
    assert [
        parse_bool(v) for v in ("Yes", "Y", "TRUE", "x", "✓", "Auto-renew", "No", "manual")
    ] == [True, True, True, True, True, True, False, False]
    assert [parse_days(v) for v in ("30 days", "3 months", "2 weeks", "60d", 90, "none")] == [
        30,
        90,
        14,
        60,
        90,
        0,
    ]
    assert [parse_period(v) for v in ("Monthly", "per month", "Annual", "3-year", "one-off")] == [
        P.MONTHLY,
        P.MONTHLY,
        P.ANNUAL,
        P.MULTI_YEAR,
        P.ONE_OFF,
    ]
    assert term_months("3-year") == 36
    assert parse_list("a, b; c\nd") == ["a", "b", "c", "d"]


def test_the_words_for_states_methods_directions_and_frequencies() -> None:
    assert [
        parse_status(v) for v in ("Live", "In use", "Trial", "Being replaced", "Cancelled")
    ] == ["active", "active", "evaluating", "sunsetting", "retired"]
    assert [
        parse_method(v)
        for v in ("Native connector", "Zapier", "CSV export", "Webhook", "Manual upload")
    ] == ["native", "ipaas", "file", "api", "manual"]
    assert [parse_direction(v) for v in ("Bi-directional", "2-way sync", "→", "one-way")] == [
        "two_way",
        "two_way",
        "one_way",
        "one_way",
    ]
    assert [parse_frequency(v) for v in ("Streaming", "Nightly", "Weekly", "On demand")] == [
        "real_time",
        "daily",
        "weekly",
        "ad_hoc",
    ]


cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
)


@given(cells)
def test_no_cell_makes_a_parser_raise_anything_but_value_error(cell: object) -> None:
    for parser in (
        parse_money,
        parse_date,
        parse_count,
        parse_bool,
        parse_days,
        parse_period,
        parse_status,
        parse_method,
        parse_direction,
        parse_frequency,
    ):
        with contextlib.suppress(ValueError):
            parser(cell)


_KEY_CELLS = st.one_of(
    st.text(),
    st.sampled_from(["Total", " grand TOTAL:", "Sub-total", "SUM of Q3", "totals", "\u00a0Total"]),
    st.builds(
        "".join,
        st.lists(st.sampled_from([" ", "\t", "\u00a0", "Grand ", "sub", "-", "total", "s", "x"])),
    ),
)


@given(_KEY_CELLS)
def test_the_quick_look_at_a_key_cell_misses_no_total_and_no_blank(cell: str) -> None:
    # map_rows looks closer at a row only when its key cell passes the quick look: a total
    # or blank name the quick look let through would be imported as a tool.
    from stackmap.importers.mapping import _MAYBE_NOT_A_ROW, _TOTAL
    from stackmap.importers.values import text_of

    text = text_of(cell)
    if not text or _TOTAL.match(text):
        assert _MAYBE_NOT_A_ROW.match(cell)
