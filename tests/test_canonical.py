"""stackmap's own CSV layout: read, validated, and every error names file, row and column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.importers.canonical import read_integrations, read_tools, sha256_of

FILES = Path(__file__).parent / "files"
SAMPLES = Path(__file__).resolve().parent.parent / "imports" / "demo"


def test_headers_match_catalog_fields_whatever_their_case_and_spacing() -> None:
    records = read_tools(FILES / "tools_with_extra_column.csv")
    canva = records[0]
    assert canva.fields.name == "Canva"
    assert canva.contract is not None
    assert canva.contract.annual_cost == Decimal(3000)
    assert canva.contract.currency == "USD"
    assert str(canva.contract.renewal_date) == "2027-06-30"
    assert canva.source_row == 2


def test_a_column_that_names_no_field_is_kept_as_an_extra_attribute() -> None:
    canva = read_tools(FILES / "tools_with_extra_column.csv")[0]
    assert canva.fields.extra == {"Favourite Colour": "teal"}


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers() -> None:
    records = read_tools(FILES / "tools_with_extra_column.csv")
    assert [r.source_row for r in records] == [2, 4]


def test_a_bad_value_names_file_row_column_and_value() -> None:
    with pytest.raises(InvalidValueError) as caught:
        read_tools(FILES / "tools_bad_seats.csv")
    assert str(caught.value).startswith(
        "tools_bad_seats.csv: row 2, column 'seats purchased': "
        "'lots' input should be a valid integer"
    )


def test_a_utf8_byte_order_mark_is_ignored_and_lists_split_on_semicolons() -> None:
    assert read_tools(FILES / "tools_utf8_bom.csv")[0].fields.tags == ["design", "brand"]


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        (
            "tools_windows1252.csv",
            InvalidValueError,
            "tools_windows1252.csv: row 2: not UTF-8 text",
        ),
        ("empty.csv", InvalidValueError, "empty.csv: the file is empty"),
        (
            "no_catalog_header.csv",
            InvalidValueError,
            "no_catalog_header.csv: row 1 names no catalog field",
        ),
        ("missing.csv", NotFoundError, "missing.csv: file not found"),
    ],
)
def test_files_that_cannot_be_read_are_one_clear_error(
    name: str, error: type, message: str
) -> None:
    with pytest.raises(error) as caught:
        read_tools(FILES / name)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_demo_samples_read_cleanly() -> None:
    tools = read_tools(SAMPLES / "tools.csv")
    links = read_integrations(SAMPLES / "integrations.csv")
    assert len(tools) == 48
    assert len(links) == 46
    assert {t.fields.name for t in tools} >= {link.source for link in links} | {
        link.target for link in links
    }


def test_the_file_fingerprint_is_its_sha256(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"abc")
    assert sha256_of(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
