"""Opening files safely: the real type from the bytes, bombs refused, text decoded."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from workbooks import sheets, xlsx

import stackmap.importers.files as files
from stackmap.errors import InvalidValueError, NotFoundError
from stackmap.importers.files import Sheet, read_ahead, read_sheets, sha256_of


def test_a_workbook_is_read_whatever_its_extension(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "export.csv", [["Tool", "Vendor"], ["Canva", "Canva"]])
    assert read_sheets(path)[0].rows == [["Tool", "Vendor"], ["Canva", "Canva"]]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.xlsx", b"", "empty.xlsx: the file is empty"),
        ("notes.xlsx", b"just some text\nnot a sheet\n", None),
        ("report.xlsx", b"%PDF-1.7\n...", "report.xlsx: a PDF, not a spreadsheet"),
        ("logo.xlsx", b"\x89PNG\r\n\x1a\n....", "logo.xlsx: an image, not a spreadsheet"),
        ("blob.xlsx", b"\x00\x01\x02\x03binary", "blob.xlsx: not a spreadsheet or text file"),
        (
            "locked.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\x00" * 100
            + "EncryptionInfo".encode("utf-16-le"),
            "locked.xlsx: the workbook is password-protected",
        ),
    ],
)
def test_files_that_are_not_what_they_say_get_one_clear_line(
    tmp_path: Path, name: str, content: bytes, message: str | None
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    if message is None:  # text named .xlsx is read as the text it is
        assert read_sheets(path)[0].rows == [["just some text"], ["not a sheet"]]
        return
    with pytest.raises(InvalidValueError) as caught:
        read_sheets(path)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_truncated_workbook_is_reported(tmp_path: Path) -> None:
    good = xlsx(tmp_path / "good.xlsx", [["Tool"], ["Canva"]])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InvalidValueError, match=r"^broken.xlsx: "):
        read_sheets(broken)


def test_a_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 2**20))
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 200_000
    with pytest.raises(InvalidValueError, match=r"bomb.xlsx: .*would inflate \d+-fold"):
        read_sheets(path)


def test_a_zip_that_is_not_a_workbook_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.jpg", b"x")
    with pytest.raises(InvalidValueError, match="a zip archive, not a spreadsheet"):
        read_sheets(path)


def test_windows_1252_and_utf8_bom_text_is_decoded(tmp_path: Path) -> None:
    cp1252 = tmp_path / "a.csv"
    cp1252.write_bytes("Tool,Vendor\r\nCafé Analytics,Café Labs\r\n".encode("cp1252"))
    bom = tmp_path / "b.csv"
    bom.write_bytes("\ufeffTool,Vendor\nCafé,X\n".encode())
    assert read_sheets(cp1252)[0].rows[1] == ["Café Analytics", "Café Labs"]
    assert read_sheets(bom)[0].rows[0] == ["Tool", "Vendor"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        f"Tool{delimiter}Cost\nCanva{delimiter}1,2\nAsana{delimiter}3\n", encoding="utf-8"
    )
    rows = read_sheets(path)[0].rows
    assert rows[0] == ["Tool", "Cost"]
    assert rows[2] == ["Asana", "3"]


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="file not found"):
        read_sheets(tmp_path / "nope.xlsx")


def test_the_fingerprint_is_the_sha256(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"abc")
    assert sha256_of(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 2 else "") + ";") * 10}">'
        for n in range(2, 10)
    )
    + "]>"
)


def test_an_xml_entity_bomb_is_refused_without_being_expanded(tmp_path: Path) -> None:
    # Expanded, &lol9; is 10**8 characters; the reader refuses the entity instead (the
    # message says so), so neither the time nor the memory is ever spent.
    good = xlsx(tmp_path / "good.xlsx", [["Tool", "Vendor"], ["Canva", "Canva"]])
    source = zipfile.ZipFile(good)
    path = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = data.decode().split("?>", 1)[-1].replace("Canva</t>", "&lol9;</t>", 1)
                data = (LAUGHS + body).encode()
            target.writestr(item, data)
    with pytest.raises(
        InvalidValueError, match=r"^laughs.xlsx: sheet 'Sheet' cannot be read.*entity"
    ):
        read_sheets(path)


def test_openpyxl_is_protected_by_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


def test_a_real_password_protected_workbook_is_one_line_and_changes_nothing(
    tmp_path: Path,
) -> None:
    # Encrypted the way Excel does it ("Encrypt with password": an OLE2 container around the
    # encrypted package), by msoffcrypto-tool, a dev dependency.
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml", reason="msoffcrypto-tool missing")
    from typer.testing import CliRunner

    from stackmap.cli import app

    plain = xlsx(tmp_path / "plain.xlsx", [["Tool", "Vendor"], ["Canva", "Canva"]])
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        ooxml.OOXMLFile(source).encrypt("secret", target)
    with pytest.raises(
        InvalidValueError, match=r"locked\.xlsx: the workbook is password-protected"
    ):
        read_sheets(locked)
    db = tmp_path / "c.db"
    result = CliRunner().invoke(app, ["--db", str(db), "import", str(locked)])
    assert result.exit_code == 65
    assert result.stderr.strip() == (
        "stackmap: error: locked.xlsx: the workbook is password-protected; save an unprotected copy"
    )
    listed = CliRunner().invoke(app, ["--db", str(db), "tools", "--json"])
    assert listed.stdout.strip() == "[]"


def test_column_letters_are_the_spreadsheet_s_own() -> None:
    from openpyxl.utils import get_column_letter

    from stackmap.importers.files import column_letter

    for number in (1, 26, 27, 52, 53, 702, 703, 16384):
        assert column_letter(number) == get_column_letter(number)


def test_a_sheet_longer_than_a_spreadsheet_holds_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit is Excel's own (1,048,576 rows), lowered here so the file stays small.
    from stackmap.importers import files

    monkeypatch.setattr(files, "MAX_ROWS", 50)
    path = tmp_path / "long.csv"
    path.write_text("Tool,Cost\n" + "".join(f"Tool {i},{i}\n" for i in range(49)))
    assert len(read_sheets(path)[0].rows) == 50  # the header and 49 rows: within the limit
    path.write_text("Tool,Cost\n" + "".join(f"Tool {i},{i}\n" for i in range(50)))
    with pytest.raises(InvalidValueError, match=r"^long.csv: sheet .* more than 50 rows"):
        read_sheets(path)


def test_a_file_read_ahead_is_read_once_and_read_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [["Tool", "Vendor"], ["Canva", "Canva"], ["Miro", "Miro"]]
    path = xlsx(tmp_path / "stack.xlsx", rows)
    reads: list[Path] = []
    real = files._read_sheets

    def read(p: Path, arrived: files.Arrived | None = None) -> list[Sheet]:
        reads.append(p)
        return real(p, arrived)

    monkeypatch.setattr(files, "_read_sheets", read)
    read_ahead(path)
    assert read_sheets(path)[0].rows == rows
    assert reads == [path]  # on the worker thread, and not again
    assert read_sheets(path)[0].rows == rows  # a second read reads the file itself
    assert reads == [path, path]


def test_work_given_to_do_meanwhile_is_done_while_a_read_ahead_is_still_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The importer loads what matching a large sheet needs while the file is read on the
    # worker thread, instead of waiting with nothing to do; with no read going on, it is not
    # done there (the importer loads it when it needs it, if it does).
    import threading

    rows = [["Tool"], ["Canva"]]
    path = xlsx(tmp_path / "stack.xlsx", rows)
    go_on = threading.Event()
    real = files._read_sheets

    def slow_read(p: Path, arrived: files.Arrived | None = None) -> list[Sheet]:
        assert go_on.wait(10), "the read was never let go on"
        return real(p, arrived)

    monkeypatch.setattr(files, "_read_sheets", slow_read)
    done: list[str] = []

    def meanwhile() -> None:
        done.append("while reading")
        go_on.set()  # the read finishes only once this work is done: it ran meanwhile

    read_ahead(path)
    assert read_sheets(path, meanwhile=meanwhile)[0].rows == rows
    assert done == ["while reading"]
    # No read ahead (or one already finished): nothing is waited for, nothing done meanwhile.
    assert read_sheets(path, meanwhile=lambda: done.append("without a read"))[0].rows == rows
    monkeypatch.setattr(files, "_read_sheets", real)
    read_ahead(path)
    while any(not ahead[1].done() for ahead in files._AHEAD.values()):
        threading.Event().wait(0.01)
    assert read_sheets(path, meanwhile=lambda: done.append("after the read"))[0].rows == rows
    assert done == ["while reading"]


def _numbered_sheets(path: Path, count: int, formulas: dict[str, tuple[str, str]]) -> Path:
    """A workbook of sheets "Sheet 1".."Sheet <count>", each naming one tool and its cost,
    with formulas (sheet: (cell, formula)) that openpyxl saves without a calculated result."""
    sheets(path, {f"Sheet {n}": [["Tool", "Cost"], [f"Tool {n}", n]] for n in range(1, count + 1)})
    book = load_workbook(path)
    for name, (cell, formula) in formulas.items():
        book[name][cell] = formula
    book.save(path)
    return path


def test_sheets_read_side_by_side_come_back_in_order_and_the_first_refusal_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A workbook's sheets are read on several threads. Whichever finishes first, the sheets
    # come back in the workbook's order with their own rows, merged ranges and formulas; and
    # when several cannot be read, the one told is the first in the workbook's order, as a
    # reader going sheet by sheet would tell it.
    import threading
    import time

    path = _numbered_sheets(tmp_path / "book.xlsx", 5, {"Sheet 4": ("C2", "=B2*2")})
    book = load_workbook(path)
    book["Sheet 2"].merge_cells("A1:B1")
    book.save(path)
    monkeypatch.setattr(files, "_READERS", 3)
    real = files._read_sheet
    threads: set[str] = set()

    def read_late_first(path: Path, workbook: Any, meta: Any) -> Any:
        threads.add(threading.current_thread().name)
        time.sleep(0.05 * (6 - int(meta.name[-1])))  # the last sheet finishes first
        return real(path, workbook, meta)

    monkeypatch.setattr(files, "_read_sheet", read_late_first)
    read = read_sheets(path)
    assert [s.name for s in read] == [f"Sheet {n}" for n in range(1, 6)]
    assert [s.rows[1][0] for s in read] == [f"Tool {n}" for n in range(1, 6)]
    assert [s.merged for s in read] == [(), ((0, 0, 0, 1),), (), (), ()]
    assert [s.uncached for s in read] == [frozenset()] * 3 + [frozenset({(1, 2)}), frozenset()]
    assert len(threads) > 1  # read side by side, not one after the other

    def refuse_some(path: Path, workbook: Any, meta: Any) -> Any:
        number = int(meta.name[-1])
        time.sleep(0.05 * (6 - number))
        if number in (2, 4):
            raise InvalidValueError(f"book.xlsx: sheet {meta.name!r} cannot be read")
        return real(path, workbook, meta)

    monkeypatch.setattr(files, "_read_sheet", refuse_some)
    with pytest.raises(InvalidValueError, match="sheet 'Sheet 2' cannot be read"):
        read_sheets(path)


def test_sheets_read_one_by_one_carry_their_formulas_each_as_soon_as_its_part_is_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A caller that starts on each sheet as it arrives gets the sheets one after the other,
    # the formulas with no saved result looked for on another thread meanwhile: each sheet
    # carries its own, and waits only for its own part of the scan, not for the others'.
    import threading

    formulas = {"Sheet 1": ("C2", "=B2*2"), "Sheet 3": ("D2", "=B2*3")}
    path = _numbered_sheets(tmp_path / "book.xlsx", 3, formulas)
    first_arrived = threading.Event()
    waited: list[bool] = []
    real = files._uncached_by_sheet

    def scan_held_after_the_first(path: Path) -> Any:
        for index, found in enumerate(real(path)):
            yield found
            if index == 0:  # the rest waits until the first sheet has been handed over
                waited.append(first_arrived.wait(5))

    monkeypatch.setattr(files, "_uncached_by_sheet", scan_held_after_the_first)
    arrived: list[tuple[str, frozenset[tuple[int, int]]]] = []

    def arrive(sheet: Sheet, count: int) -> None:
        arrived.append((sheet.name, sheet.uncached))
        first_arrived.set()

    read_ahead(path)
    read = read_sheets(path, arrived=arrive)
    assert waited == [True]  # the first sheet came before the scan of the others
    assert arrived[0] == ("Sheet 1", frozenset({(1, 2)}))
    assert [s.uncached for s in read] == [frozenset({(1, 2)}), frozenset(), frozenset({(1, 3)})]


def test_a_file_changed_after_it_was_read_ahead_is_read_as_it_is_now(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "stack.xlsx", [["Tool"], ["Canva"]])
    read_ahead(path)
    read_sheets_at = path.stat().st_mtime_ns
    xlsx(path, [["Tool"], ["Miro"], ["Figma"]])
    os.utime(path, ns=(read_sheets_at + 10**9, read_sheets_at + 10**9))
    assert read_sheets(path)[0].rows == [["Tool"], ["Miro"], ["Figma"]]


def test_a_file_read_ahead_that_cannot_be_read_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"%PDF-1.7\n...")
    read_ahead(path)
    with pytest.raises(InvalidValueError) as caught:
        read_sheets(path)
    assert str(caught.value) == "report.xlsx: a PDF, not a spreadsheet"
    read_ahead(tmp_path / "missing.xlsx")  # nothing to read: read_sheets says so itself
    with pytest.raises(NotFoundError):
        read_sheets(tmp_path / "missing.xlsx")


def _rows_one_by_one(path: Path, sheet: str, rows: Any) -> list[list[Any]]:
    """How sheets were bounded before the whole-sheet check (the oracle): row by row."""
    result: list[list[Any]] = []
    for number, row in enumerate(rows, 1):
        if number > files.MAX_ROWS:
            raise InvalidValueError(
                f"{path.name}: sheet {sheet!r} has more than {files.MAX_ROWS:,} rows; split "
                "the file"
            )
        if len(row) > files.MAX_COLUMNS and any(
            c not in ("", None) for c in row[files.MAX_COLUMNS :]
        ):
            raise InvalidValueError(
                f"{path.name}: sheet {sheet!r}, row {number}: data beyond column "
                f"{files.column_letter(files.MAX_COLUMNS)} ({len(row):,} columns; at most "
                f"{files.MAX_COLUMNS:,} are read, and nothing is dropped silently)"
            )
        cells = list(row[: files.MAX_COLUMNS])
        files._clean_cells(path, sheet, number, cells)
        while cells and cells[-1] in ("", None):
            cells.pop()
        result.append(cells)
    while result and not result[-1]:
        result.pop()
    return result


def _outcome(bound: Any, rows: list[list[Any]], fail_after: int | None) -> object:
    def feed() -> Any:
        for number, row in enumerate(rows, 1):
            if fail_after is not None and number > fail_after:
                raise ValueError("unreadable line")
            yield list(row)

    try:
        return bound(Path("team.csv"), "Tools", feed())
    except (InvalidValueError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


_CELL = st.one_of(
    st.none(),
    st.just(""),
    st.integers(-5, 5),
    st.text(alphabet=st.sampled_from("ab \t\n\x00\x07\u202e\x85é"), max_size=7),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_CELL, max_size=6), max_size=9),
    st.one_of(st.none(), st.integers(0, 9)),
)
def test_a_sheet_is_bounded_whole_as_it_was_row_by_row(
    rows: list[list[Any]], fail_after: int | None
) -> None:
    # The whole-sheet check must leave every sheet as the row-by-row one did: cells cleaned,
    # trailing blanks dropped, and the same refusal (the first bad row before a reader's own
    # failure, or before the row limit).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files, "MAX_ROWS", 6)
        patch.setattr(files, "MAX_COLUMNS", 4)
        patch.setattr(files, "MAX_CELL_CHARS", 5)
        expected = _outcome(_rows_one_by_one, rows, fail_after)
        assert _outcome(files._bounded_rows, rows, fail_after) == expected
