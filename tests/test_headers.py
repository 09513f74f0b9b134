"""Finding the header row and reading what each column means."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from stackmap.domain import BillingPeriod
from stackmap.importers.headers import detect_header, normalise, unit_hint


def fields(
    rows: Sequence[Sequence[object]], kind: str = "tools", **kwargs: Any
) -> dict[str, str | None]:
    header = detect_header(rows, kind, **kwargs)
    assert header is not None
    return {c.header: c.field for c in header.columns}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Application Name", "name"),
        ("Product", "name"),
        ("ACV", "annual_cost"),
        ("Contract Value", "amount"),
        ("Yearly Cost", "annual_cost"),
        ("Term End", "end_date"),
        ("Renewal Date", "renewal_date"),
        ("Cancellation Notice Period", "notice_days"),
        ("Seats Purchased", "seats_purchased"),
        ("Seats Assigned", "seats_assigned"),
        ("Owner Email", "business_owner_email"),
        ("Department", "business_units"),
        ("Connected Apps", "integrations"),
        ("Date, Renewal", "renewal_date"),
        ("RENEWAL-DATE", "renewal_date"),
        ("Annual Cost (USD)", "annual_cost"),
        ("Renewl Date", "renewal_date"),
    ],
)
def test_real_export_headers_map_to_catalog_fields(header: str, field: str) -> None:
    other = "Vendor" if field == "name" else "Tool"
    assert fields([[other, header]]).get(header) == field


def test_word_order_case_punctuation_and_units_do_not_matter() -> None:
    assert normalise("Date (Renewal) — Next") == normalise("next-date")
    assert unit_hint("Annual Cost (USD)") == "USD"
    assert unit_hint("Cost (€)") == "EUR"
    assert unit_hint("Cost") is None


def test_title_and_note_rows_above_the_header_are_skipped() -> None:
    rows: list[list[object]] = [
        ["Martech audit"],
        ["Owner: Ops"],
        [],
        ["Application Name", "ACV", "Renewal Date"],
        ["HubSpot", 1, "2027-01-01"],
    ]
    header = detect_header(rows, "tools")
    assert header is not None and header.header_rows == (3,) and header.data_start == 4


def test_a_grouped_header_of_two_rows_is_read_as_one() -> None:
    rows = [["", "Contract", "", ""], ["Tool", "Start", "End", "Monthly cost"]]
    mapped = fields(rows, merged_rows=frozenset({0}))
    assert mapped == {
        "Tool": "name",
        "Start": "start_date",
        "End": "end_date",
        "Monthly cost": "amount",
    }
    header = detect_header(rows, "tools", merged_rows=frozenset({0}))
    assert header is not None
    assert header.field_column("amount").period is BillingPeriod.MONTHLY  # type: ignore[union-attr]


def test_an_unknown_column_is_kept_not_dropped() -> None:
    assert fields([["Tool", "Vendor", "Favourite colour"]])["Favourite colour"] is None


def test_of_two_columns_for_one_field_the_one_naming_it_exactly_wins() -> None:
    assert fields([["Tool", "Renewal", "Renewal date"]]) == {
        "Tool": "name",
        "Renewal": None,
        "Renewal date": "renewal_date",
    }
    # "Group owner" only reads as an owner by its last word; "Business Owner" is the field.
    assert fields([["Tool", "Group owner", "Business Owner"]]) == {
        "Tool": "name",
        "Group owner": None,
        "Business Owner": "business_owner",
    }


def test_a_profile_matches_headers_exactly_never_by_resemblance() -> None:
    header = detect_header(
        [["Tool", "Vendor", "Internal ref", "Internal refs", "Cost centre"]],
        "tools",
        profile={"Internal ref": "ignore", "Cost centre": "extra"},
    )
    assert header is not None
    assert {c.header: (c.field, c.how) for c in header.columns} == {
        "Tool": ("name", "synonym"),
        "Vendor": ("vendor", "exact"),
        "Internal ref": (None, "ignore"),
        "Internal refs": (None, "extra"),  # a neighbour, not swallowed by the ignore
        "Cost centre": (None, "extra"),  # the profile keeps it as an attribute
    }


def test_a_profile_maps_headers_no_synonym_knows() -> None:
    rows = [["Ding", "Kosten pro Jahr", "Scratch"]]
    mapped = fields(
        rows, profile={"Ding": "name", "Kosten pro Jahr": "annual_cost", "Scratch": "ignore"}
    )
    assert mapped == {"Ding": "name", "Kosten pro Jahr": "annual_cost", "Scratch": None}


def test_integration_sheets_are_recognised() -> None:
    assert fields([["From", "To", "How", "How often"]], "integrations") == {
        "From": "source",
        "To": "target",
        "How": "method",
        "How often": "frequency",
    }


def test_a_sheet_without_a_name_column_has_no_tool_header() -> None:
    assert detect_header([["Colour", "Size"], ["red", 3]], "tools") is None


def test_a_bare_list_of_names_needs_saying_it_is_one() -> None:
    rows = [["Tool"], ["HubSpot"], ["Canva"]]
    assert detect_header(rows, "tools") is None
    assert detect_header(rows, "tools", min_fields=1) is not None
