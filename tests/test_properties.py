"""Property-based tests (Hypothesis): no input makes the readers raise anything but their
documented errors — ValueError from a value parser, InvalidValueError from a file reader —
and what they accept, they read back exactly."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackmap.domain import LEGAL_FORMS, name_key, vendor_key, without_legal_forms
from stackmap.errors import InvalidValueError
from stackmap.importers.files import Sheet, decode_lines, read_sheets
from stackmap.importers.headers import SYNONYMS, detect_header
from stackmap.importers.mapping import ABSENT, MappedSheet, Severity, map_rows, spread_merged
from stackmap.importers.values import (
    FREE_WORDS,
    UNKNOWN,
    Money,
    parse_date,
    parse_money,
    text_of,
)

# What a spreadsheet cell can hold, with the awkward text people and attackers put in them.
awkward_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "=cmd|' /C calc'!A0",
            "Grand Total",
            "Application Name",
            "Annual Cost (USD)",
            "Renewal Date",
            "€2.345,67",
            "$74,900",
            "n/a",
            "\u202e",
            "\x00",
            "[red]x[/red]",
            "<script>",
            "",
            " ",
        ]
    ),
)
cell = st.one_of(
    st.none(),
    awkward_text,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)
grid = st.lists(st.lists(cell, max_size=8), max_size=14)
header_words = st.sampled_from(
    sorted({word for words in SYNONYMS["tools"].values() for word in words})
)


@given(grid, st.sampled_from(["tools", "integrations"]))
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_the_header_detector_never_raises_and_maps_only_real_columns(
    rows: list[list[Any]], kind: str
) -> None:
    header = detect_header(rows, kind)
    if header is None:
        return
    width = max(len(r) for r in rows)
    assert all(0 <= c.index < width for c in header.columns)
    assert all(0 <= r < len(rows) for r in header.header_rows)


@given(
    st.lists(header_words, min_size=2, max_size=6, unique=True),
    st.lists(st.lists(awkward_text, min_size=1, max_size=6), max_size=10),
    st.integers(0, 4),
)
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
def test_a_header_below_any_title_rows_is_found_and_rows_map_without_crashing(
    words: list[str], body: list[list[Any]], titles: int
) -> None:
    rows: list[list[Any]] = [["Export", None, "notes"]] * titles + [list(words), *body]
    header = detect_header(rows, "tools", min_fields=1)
    if header is None:  # the words may not include the one that names the tool
        return
    sheet = Sheet("s", [list(r) for r in rows], merged=((titles + 1, 0, titles + 3, 0),))
    try:
        issues = spread_merged(sheet, header, "")
        mapped = map_rows(sheet, header)
    except InvalidValueError:
        return  # documented: a cell no parser can read stops the sheet
    assert all(i.severity in set(get_args(Severity)) for i in issues + mapped.issues)


@given(st.binary(max_size=600))
@settings(deadline=None)
def test_any_bytes_decode_to_text_or_one_documented_error(data: bytes) -> None:
    try:
        text, odd_lines = decode_lines(Path("x.csv"), data)
    except InvalidValueError:
        return
    assert isinstance(text, str) and odd_lines >= 0


@given(st.binary(max_size=400), st.sampled_from(["x.csv", "x.xlsx", "x.txt"]))
@settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_file_is_read_or_refused_with_the_documented_error(
    tmp_path_factory: Any, data: bytes, name: str
) -> None:
    path = tmp_path_factory.mktemp("prop") / name
    path.write_bytes(data)
    try:
        sheets = read_sheets(path)
    except InvalidValueError as exc:
        assert "\n" not in str(exc)
        return
    assert all(isinstance(s.rows, list) for s in sheets)
    for sheet in sheets:
        for row in sheet.rows:
            for value in row:
                assert not (isinstance(value, str) and "\x00" in value)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_an_amount_written_as_people_do_reads_back_exactly(amount: Decimal) -> None:
    for written, currency in (
        (f"${amount:,.2f}", "USD"),
        (f"USD {amount:,.2f}", "USD"),
        (f"{amount:,.2f} €".replace(",", " ").replace(".", ","), "EUR"),
        (f"GBP {amount:.2f}", "GBP"),
    ):
        money = parse_money(written)
        assert isinstance(money, Money), written
        assert money.amount == amount, written
        assert money.currency == currency, written


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_a_date_in_any_common_spelling_reads_back_exactly(day: date) -> None:
    for written, dayfirst in (
        (day.isoformat(), None),
        (day.strftime("%d %B %Y"), None),
        (day.strftime("%b %d, %Y"), None),
        (day.strftime("%d/%m/%Y"), True),
        (day.strftime("%m/%d/%Y"), False),
        (datetime(day.year, day.month, day.day, 0, 0), None),
    ):
        assert parse_date(written, dayfirst=dayfirst) == day, written


@given(st.text(max_size=20))
def test_money_text_is_read_unknown_or_refused_never_guessed_as_zero(text: str) -> None:
    with contextlib.suppress(ValueError):
        money = parse_money(text)
        if isinstance(money, Money) and money.amount == 0:
            says_free = text_of(text).casefold() in FREE_WORDS
            assert any(ch.isdigit() for ch in text) or says_free, text
        assert money is None or money is UNKNOWN or isinstance(money, Money)


# What a link register's cells hold: mostly names and words its columns know, and now and
# then a blank, a heading or a total where a name goes, words a column does not know, and
# numbers, dates and booleans where text is expected (TRUE beside 1: equal in Python).
_link_name = st.sampled_from(["Canva", " Asana ", "HubSpot", "Slack", "Sum Up"])
_odd_name = st.one_of(
    st.sampled_from(["", "   ", None, "Total", "Grand total:", "Subtotal — CRM", 1, True, 2.5])
)
_link_word = st.sampled_from(
    ["API", "Native", "Zapier", "Daily", "Two-way", "Broken", "leads, contacts", ",", "", None]
)
_odd_word = st.one_of(
    st.sampled_from(["Tag", "carrier pigeon", "fortnightly-ish", "TBD", "   ", ",", 1, True]),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
)
_link_row = st.tuples(
    st.one_of(_link_name, _link_name, _link_name, _odd_name),
    st.lists(st.one_of(_link_word, _link_word, _link_word, _odd_word), max_size=9),
).map(lambda row: [row[0], *row[1]])
_LINK_HEADER = ["From", "To", "Data", "How", "How often", "Direction", "Status", "Owner", "Note"]


@given(
    st.integers(3, len(_LINK_HEADER)),
    st.lists(_link_row, max_size=25),
    st.sets(st.tuples(st.integers(1, 26), st.integers(0, 8)), max_size=4),
    st.sets(st.integers(1, 26), max_size=2),
    st.booleans(),
)
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=300)
def test_a_link_register_read_column_by_column_is_the_register_read_row_by_row(
    width: int,
    body: list[list[Any]],
    uncached: set[tuple[int, int]],
    merged: set[int],
    strict: bool,
) -> None:
    # Every row the block holds is a row the row-by-row read gives, with the same cells;
    # every other row is read row by row, and the issues are the same, in the same order.
    rows = [_LINK_HEADER[:width], *body]
    header = detect_header(rows, "integrations", min_fields=2)
    assert header is not None

    def read(columns: bool) -> MappedSheet:
        sheet = Sheet(
            "Links",
            [list(r) for r in rows],
            merged=tuple((r, 0, r, 1) for r in sorted(merged)),
            uncached=frozenset(uncached),
        )
        return map_rows(sheet, header, label="Links", strict=strict, columns=columns)

    by_rows, together = read(False), read(True)
    assert together.issues == by_rows.issues
    block = together.block
    from_block = [
        (number, {k: c[i] for k, c in block.cells.items() if c[i] is not ABSENT})
        for i, number in enumerate(block.numbers)
    ]
    both = sorted(from_block + [(r.number, r.cells) for r in together.rows], key=lambda r: r[0])
    assert both == [(r.number, r.cells) for r in by_rows.rows]
    assert together.count == by_rows.count
    assert all(r.columns == block.headers for r in by_rows.rows)


def _vendor_key_by_expression(name: str) -> str:
    # vendor_key as it was: the expression on every name.
    return name_key(without_legal_forms(" ".join(name.split())))


_word = st.text(st.characters(codec="utf-8"), max_size=6)
# A legal form in any case, its i now and then one of the two Turkish i's (which a
# case-blind expression matches with i, and casefold() does not turn into i).
_form = st.tuples(
    st.sampled_from(LEGAL_FORMS),
    st.lists(st.booleans(), min_size=12, max_size=12),
    st.sampled_from(["i", "I", "\u0130", "\u0131"]),
).map(
    lambda parts: "".join(
        c.upper() if up else c for c, up in zip(parts[0], parts[1], strict=False)
    ).replace("i", parts[2])
)


@given(
    st.lists(
        st.one_of(
            _word, _form, st.sampled_from([",", ".", " ", "\t", "\u00a0", "\u212a", "\u017f"])
        ),
        max_size=8,
    ).map(lambda parts: "".join(parts)),
    st.sampled_from(["", " ", ".", ", ", ". ", ",", "  "]),
    st.one_of(st.just(""), _form.map(lambda form: " " + form), _form.map(lambda f: f + ".")),
)
def test_a_vendor_key_is_the_legal_form_expressions_on_any_name(
    body: str, joint: str, end: str
) -> None:
    # The look-up of the last word that spares most names the expression says what the
    # expression says: any case, punctuation, spacing and letters outside ASCII (the
    # Kelvin sign matches k, the long s matches s, when case is ignored).
    name = body + joint + end
    assert vendor_key.__wrapped__(name) == _vendor_key_by_expression(name)
