"""Figures and lists read the same everywhere: an unknown amount is never shown as 0, and a
shortened list says how many it left out."""

from __future__ import annotations

from decimal import Decimal

from stackmap.text import IN_A_CELL, and_more, first, listing, money


def test_an_amount_reads_with_its_currency_in_whole_units() -> None:
    assert money(Decimal("74900.40"), "USD") == "USD 74,900"
    assert money(Decimal("0"), "EUR") == "EUR 0"  # a free tool costs 0: known, not unknown
    assert money(1250000.0, "GBP") == "GBP 1,250,000"
    assert money(Decimal("12"), None) == "12"


def test_an_unknown_amount_says_so_never_zero() -> None:
    assert money(None, "USD") == "an unknown amount"
    assert money(None, "USD", IN_A_CELL) == "—"
    assert "0" not in money(None, "USD") and "0" not in money(None, "USD", IN_A_CELL)


def test_a_shortened_list_says_how_many_it_left_out() -> None:
    shown, left_out = first(list("abcdefghij"), 8)
    assert list(shown) == list("abcdefgh") and left_out == 2
    assert and_more(left_out) == "… and 2 more"
    assert and_more(1500, " (--json lists them all)") == "… and 1,500 more (--json lists them all)"
    assert first(["a"], 8) == (["a"], 0) and and_more(0) == ""


def test_a_list_reads_as_a_sentence() -> None:
    assert listing([]) == ""
    assert listing(["HubSpot"]) == "HubSpot"
    assert listing(["HubSpot", "Marketo"]) == "HubSpot and Marketo"
    assert listing(["a", "b", "c"]) == "a, b and c"
    assert listing(list("abcdefgh"), 6) == "a, b, c, d, e, f and 2 more"
