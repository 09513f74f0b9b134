"""Open spreadsheet and text files safely and return their sheets as rows of cells.

The real type comes from the bytes, not the extension. Archives are checked before anything
is inflated (size, member count, total and ratio), since neither zipfile nor the workbook
readers bound decompression. Every problem is an InvalidValueError naming the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from queue import SimpleQueue
from typing import Any

import python_calamine as calamine
from defusedxml import ElementTree

from stackmap.errors import InvalidValueError, NotFoundError


def column_letter(number: int) -> str:
    """A spreadsheet column's letters: 1 is A, 27 is AA (here, not openpyxl's, whose import
    alone would slow every start of stackmap)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


MAX_FILE_BYTES = 200 * 2**20
MAX_ZIP_MEMBERS = 10_000
MAX_UNCOMPRESSED = 1 * 2**30
MIN_RATIO = 0.01  # a member inflating more than 100-fold is treated as a bomb
# As many rows as an Excel sheet holds (2**20): a 100,000-tool stack's integration register
# runs to half a million rows; the size limits above bound the memory a sheet can take.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 1_000
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    """One sheet's cells, row by row, as the reader gives them (text, numbers, dates)."""

    name: str
    rows: list[list[Any]]
    # Merged ranges as (first row, first column, last row, last column), 0-based, inclusive.
    merged: tuple[tuple[int, int, int, int], ...] = ()
    visible: bool = True
    notes: list[str] = field(default_factory=list)
    # Cells (0-based row, column) holding a formula whose result was never saved in the file.
    uncached: frozenset[tuple[int, int]] = frozenset()
    merged_rows: frozenset[int] = field(init=False)  # rows where a merged range starts

    def __post_init__(self) -> None:
        self.merged_rows = frozenset(first for first, _, _, _ in self.merged)


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_kind(path: Path, head: bytes) -> str:
    """Return "xlsx", "ods", "xls", "text", or raise naming what the file really is."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise InvalidValueError(f"{path.name}: a damaged or truncated zip file") from None
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "content.xml" in names and "mimetype" in names:
            return "ods"
        if "word/document.xml" in names:
            raise InvalidValueError(f"{path.name}: a Word document, not a spreadsheet")
        raise InvalidValueError(f"{path.name}: a zip archive, not a spreadsheet")
    if head.startswith(_OLE2):
        with path.open("rb") as handle:
            sample = handle.read(2**20)
        if "EncryptionInfo".encode("utf-16-le") in sample:
            raise InvalidValueError(
                f"{path.name}: the workbook is password-protected; save an unprotected copy"
            )
        return "xls"
    if head.startswith(b"%PDF"):
        raise InvalidValueError(f"{path.name}: a PDF, not a spreadsheet")
    if head[:4] in (b"\x89PNG", b"GIF8") or head[:3] == b"\xff\xd8\xff":
        raise InvalidValueError(f"{path.name}: an image, not a spreadsheet")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with a byte order mark
    if b"\x00" in head:
        raise InvalidValueError(f"{path.name}: not a spreadsheet or text file (binary data)")
    return "text"


def check_archive(path: Path) -> None:
    """Refuse a zip whose declared contents are too many, too large or too compressed."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise InvalidValueError(f"{path.name}: {len(members)} parts in the workbook archive")
        total = 0
        for member in members:
            if member.flag_bits & 0x1:
                raise InvalidValueError(f"{path.name}: the workbook archive is encrypted")
            total += member.file_size
            if member.file_size > 2**20 and member.compress_size < member.file_size * MIN_RATIO:
                raise InvalidValueError(
                    f"{path.name}: {member.filename} would inflate "
                    f"{member.file_size // max(member.compress_size, 1)}-fold (a zip bomb?)"
                )
        if total > MAX_UNCOMPRESSED:
            raise InvalidValueError(
                f"{path.name}: the workbook inflates to {total // 2**20} MB, over the "
                f"{MAX_UNCOMPRESSED // 2**20} MB limit"
            )


# A sheet as soon as it is read, with how many the workbook has (see read_sheets' arrived).
Arrived = Callable[[Sheet, int], None]
# Reads started by read_ahead, by path: the file's identity when it was named, the read, and
# its sheets as each is read (then None, once the read is over).
_AHEAD: dict[
    Path, tuple[tuple[Path, int, int], Future[list[Sheet]], SimpleQueue[tuple[Sheet, int] | None]]
] = {}
_AHEAD_LOCK = threading.Lock()


def _identity(path: Path) -> tuple[Path, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (path.resolve(), stat.st_size, stat.st_mtime_ns)


def read_ahead(path: Path) -> None:
    """Start reading a file's sheets on a worker thread; the next read_sheets of the same,
    unchanged file takes the result (or the error) instead of reading it again.

    The workbook reader parses without holding the interpreter's lock, so a command that
    names the file first reads it while it loads the catalog's libraries and opens the
    catalog: at 20,000 tools, most of a second of the import. A file that is not there, or
    changes before read_sheets, is read there as usual.
    """
    identity = _identity(path)
    if identity is None:
        return
    future: Future[list[Sheet]] = Future()
    arrived: SimpleQueue[tuple[Sheet, int] | None] = SimpleQueue()

    def read() -> None:
        try:
            future.set_result(_read_sheets(path, lambda sheet, count: arrived.put((sheet, count))))
        except BaseException as exc:  # handed to the caller of read_sheets, which raises it
            future.set_exception(exc)
        finally:
            arrived.put(None)

    with _AHEAD_LOCK:
        _AHEAD[identity[0]] = (identity, future, arrived)
    # A daemon: a command that stops early (a refused option) does not wait for the read.
    threading.Thread(target=read, name=f"read {path.name}", daemon=True).start()


def read_sheets(
    path: Path, meanwhile: Callable[[], object] | None = None, arrived: Arrived | None = None
) -> list[Sheet]:
    """Return every sheet of a workbook, or the one sheet of a CSV/TSV text file.

    meanwhile: work the caller will need next that does not depend on the file, done while
    a read started by read_ahead is still going (otherwise the caller waits on the read with
    nothing to do); skipped when there is no such read to wait for.

    arrived: given each sheet of a workbook that read_ahead has read (with how many sheets
    the workbook has) while the rest are still being read, to start on it meanwhile. A sheet
    read once the read is over is not given. The sheets returned are the same objects.
    """
    identity = _identity(path)
    if identity is not None:
        with _AHEAD_LOCK:
            ahead = _AHEAD.pop(identity[0], None)
        if ahead is not None and ahead[0] == identity:
            future, sheets_read = ahead[1], ahead[2]
            if meanwhile is not None and not future.done():
                meanwhile()
            if arrived is not None:
                for sheet, count in iter(sheets_read.get, None):
                    if future.done():
                        break
                    arrived(sheet, count)
            return future.result()
    return _read_sheets(path)


def _read_sheets(path: Path, arrived: Arrived | None = None) -> list[Sheet]:
    if not path.is_file():
        raise NotFoundError(f"{path}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise InvalidValueError(f"{path.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise InvalidValueError(f"{path.name}: {size // 2**20} MB, over the 200 MB limit")
    with path.open("rb") as handle:
        head = handle.read(8192)
    kind = detect_kind(path, head)
    if kind in ("xlsx", "ods"):
        check_archive(path)
    if kind == "text":
        return [read_text(path)]
    return _read_workbook(path, arrived)


_CACHED = re.compile(rb"<v>[^<]+</v>")  # an empty <v/> is what script-written files carry
_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?(?:/>|>(.*?)</c>)', re.DOTALL)


def _uncached_by_sheet(path: Path) -> Iterator[tuple[str, frozenset[tuple[int, int]]]]:
    """Each sheet of an xlsx by name, in the workbook's order, with its formula cells that
    carry no cached value; a part that cannot be read ends the scan (what it found stays).

    The readers return such a cell as empty; a person should hear that it is a formula Excel
    never calculated (a file written by a script), not an empty cell.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for name, member in _sheet_targets(archive).items():
                data = archive.read(member)
                cells = set()
                if b"<f" in data:
                    for letters, number, inner in _CELL.findall(data):
                        if inner and b"<f" in inner and not _CACHED.search(inner):
                            cells.add((int(number) - 1, _column_index(letters.decode())))
                yield name, frozenset(cells)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return


class _FormulaScan:
    """_uncached_by_sheet on a thread of its own while the sheets are read: unzipping runs
    without the interpreter's lock, and each sheet waits only for its own part (at 100,000
    tools the scan is half a second the first sheet no longer waits for)."""

    def __init__(self, path: Path) -> None:
        self._found: dict[str, frozenset[tuple[int, int]]] = {}
        self._over = False
        self._changed = threading.Condition()
        threading.Thread(target=self._scan, args=(path,), name="formulas", daemon=True).start()

    def _scan(self, path: Path) -> None:
        try:
            if zipfile.is_zipfile(path):
                for name, cells in _uncached_by_sheet(path):
                    with self._changed:
                        self._found[name] = cells
                        self._changed.notify_all()
        finally:
            with self._changed:
                self._over = True
                self._changed.notify_all()

    def of(self, name: str) -> frozenset[tuple[int, int]]:
        """The sheet's formula cells with no cached value, once its part is scanned."""
        with self._changed:
            self._changed.wait_for(lambda: self._over or name in self._found)
            return self._found.get(name, frozenset())


def _sheet_targets(archive: zipfile.ZipFile) -> dict[str, str]:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    by_id = {r.get("Id"): r.get("Target", "") for r in rels}
    targets = {}
    for sheet in workbook.iterfind("m:sheets/m:sheet", ns):
        target = by_id.get(sheet.get(rel), "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[sheet.get("name", "")] = target
    return targets


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


# Sheets are read on up to this many threads, each with its own handle on the file: the
# reader parses without holding the interpreter's lock, so the two sheets of a 20,000-tool
# workbook (its tools and its links) are read side by side, about 0.9 s instead of 1.2 s on
# two cores. Formulas Excel never calculated are looked for beside them (_FormulaScan).
_READERS = min(os.cpu_count() or 1, 4)


def _open_workbook(path: Path) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise InvalidValueError(
            f"{path.name}: the workbook is password-protected; save an unprotected copy"
        ) from None
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError) as exc:
        raise InvalidValueError(
            f"{path.name}: cannot read the workbook ({_first_line(exc)})"
        ) from exc


# One sheet as read: its rows, its merged ranges, whether it is visible.
_SheetRead = tuple[list[list[Any]], tuple[tuple[int, int, int, int], ...], bool]


def _read_workbook(path: Path, arrived: Arrived | None = None) -> list[Sheet]:
    workbook = _open_workbook(path)
    try:
        wanted = [
            meta
            for meta in workbook.sheets_metadata
            if meta.typ == calamine.SheetTypeEnum.WorkSheet
        ]
        if not wanted:
            raise InvalidValueError(f"{path.name}: the workbook has no worksheets")

        def read(index: int) -> _SheetRead:
            if index == 0:  # the first sheet on the handle already open
                return _read_sheet(path, workbook, wanted[0])
            own = _open_workbook(path)
            try:
                return _read_sheet(path, own, wanted[index])
            finally:
                own.close()

        def sheet(meta: Any, found: _SheetRead) -> Sheet:
            rows, ranges, visible = found
            return Sheet(meta.name, rows, ranges, visible, uncached=scan.of(meta.name))

        scan = _FormulaScan(path)  # meanwhile, on a thread of its own
        if _READERS < 2 or len(wanted) < 2 or arrived is not None:
            # One after the other, on the one handle. A caller starting on each sheet as it
            # arrives has the other core for that: its first sheet then comes sooner.
            sheets = []
            for meta in wanted:
                sheets.append(sheet(meta, _read_sheet(path, workbook, meta)))
                if arrived is not None:
                    arrived(sheets[-1], len(wanted))
        else:
            with ThreadPoolExecutor(min(_READERS, len(wanted))) as pool:
                # In the sheets' order: the first sheet that cannot be read is the one told.
                reads = list(pool.map(read, range(len(wanted))))
            sheets = [sheet(meta, found) for meta, found in zip(wanted, reads, strict=True)]
    finally:
        workbook.close()
    return sheets


def _read_sheet(path: Path, workbook: calamine.CalamineWorkbook, meta: Any) -> _SheetRead:
    try:
        sheet = workbook.get_sheet_by_name(meta.name)
        rows = _bounded_rows(path, meta.name, sheet.iter_rows())
        ranges = tuple(
            (start[0], start[1], end[0], end[1]) for start, end in (sheet.merged_cell_ranges or [])
        )
    except (calamine.CalamineError, calamine.XmlError, calamine.ZipError) as exc:
        raise InvalidValueError(
            f"{path.name}: sheet {meta.name!r} cannot be read ({_first_line(exc)})"
        ) from exc
    return rows, ranges, meta.visible == calamine.SheetVisibleEnum.Visible


# C0 and C1 control characters (bar tab and line breaks) and DEL: never meant in a name or a
# note, invisible on screen, and refused by XML (xlsx) writers.
# Bidirectional embeddings, overrides and isolates go too: in a name they only serve to make
# "Tool\u202egnp.exe" read as something it is not.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_CELL_CHARS = 32_767  # Excel's own limit: a longer "cell" is not from a spreadsheet


def _clean_cells(path: Path, sheet: str, number: int, cells: list[Any]) -> None:
    """Drop control characters from text cells; refuse a cell no spreadsheet could hold."""
    texts = "".join([c for c in cells if type(c) is str])
    if len(texts) <= MAX_CELL_CHARS and texts.isprintable():
        return  # the common row: one C-level check instead of one per cell
    for index, cell in enumerate(cells):
        if type(cell) is str and not cell.isprintable():  # the rare cell: checked further
            cells[index] = _CONTROLS.sub("", cell)
        if type(cell) is str and len(cell) > MAX_CELL_CHARS:
            column = column_letter(index + 1)
            raise InvalidValueError(
                f"{path.name}: sheet {sheet!r}, row {number}, column {column}: a cell of "
                f"{len(cell):,} characters, over the {MAX_CELL_CHARS:,} a spreadsheet cell "
                "can hold"
            )


def _bounded_rows(path: Path, sheet: str, rows: Any) -> list[list[Any]]:
    """The sheet's rows, each without its trailing empty cells and the empty rows at the end;
    control characters dropped from text. Refuses a sheet of more than MAX_ROWS rows, data
    beyond MAX_COLUMNS, or a cell longer than a spreadsheet cell can be."""
    every: list[list[Any]] = []
    try:
        every.extend(islice(rows, MAX_ROWS + 1))  # keeps the rows read before a failure
    except Exception:
        _checked_rows(path, sheet, every)  # a bad row before the failure is told first
        raise
    if len(every) > MAX_ROWS:
        _checked_rows(path, sheet, every[:MAX_ROWS])  # likewise
        raise InvalidValueError(
            f"{path.name}: sheet {sheet!r} has more than {MAX_ROWS:,} rows; split the file"
        )
    # The common sheet, checked whole: no row too wide, no text to clean or refuse. Then only
    # the trailing empty cells are left to drop (this runs beside the import's start-up, and
    # every row checked on its own holds up the start-up's own work).
    texts = [cell for row in every for cell in row if cell.__class__ is str]
    if (
        max(map(len, every), default=0) > MAX_COLUMNS
        or max(map(len, texts), default=0) > MAX_CELL_CHARS
        or not "".join(texts).isprintable()
    ):
        return _checked_rows(path, sheet, every)
    for row in every:
        if row and (row[-1] == "" or row[-1] is None):
            while row and row[-1] in ("", None):
                row.pop()
    while every and not every[-1]:
        every.pop()
    return every


def _checked_rows(path: Path, sheet: str, rows: list[Any]) -> list[list[Any]]:
    """_bounded_rows row by row: where a row is too wide, a cell too long or text has
    control characters."""
    result: list[list[Any]] = []
    for number, row in enumerate(rows, 1):
        if len(row) > MAX_COLUMNS and any(c not in ("", None) for c in row[MAX_COLUMNS:]):
            raise InvalidValueError(
                f"{path.name}: sheet {sheet!r}, row {number}: data beyond column "
                f"{column_letter(MAX_COLUMNS)} ({len(row):,} columns; at most "
                f"{MAX_COLUMNS:,} are read, and nothing is dropped silently)"
            )
        cells = list(row[:MAX_COLUMNS])
        _clean_cells(path, sheet, number, cells)
        while cells and cells[-1] in ("", None):
            cells.pop()
        result.append(cells)
    while result and not result[-1]:
        result.pop()
    return result


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def decode_lines(path: Path, data: bytes) -> tuple[str, int]:
    """Return the text and how many lines had to be read as Windows-1252 in a UTF-8 file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), 0
        except UnicodeDecodeError:
            raise InvalidValueError(f"{path.name}: damaged UTF-16 text") from None
    try:
        return data.decode("utf-8-sig"), 0
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)
    utf8 = fallback = 0
    decoded = []
    for line in lines:
        try:
            text = line.decode("utf-8-sig")
            utf8 += any(b > 0x7F for b in line)
        except UnicodeDecodeError:
            text = line.decode("cp1252", errors="replace")
            fallback += 1
        decoded.append(text)
    # A Windows-1252 file whose few high bytes happen to look like UTF-8 is still one file.
    if not utf8:
        try:
            return data.decode("cp1252"), 0
        except UnicodeDecodeError:
            return data.decode("latin-1"), 0
    return "".join(decoded), fallback


def read_text(path: Path) -> Sheet:
    """Read a CSV, TSV or semicolon-separated file, sniffing its delimiter."""
    text, mixed = decode_lines(path, path.read_bytes())
    if not text.strip():
        raise InvalidValueError(f"{path.name}: the file is empty")
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = _count_dialect(sample)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        rows = _bounded_rows(path, path.stem, ([c.strip() for c in r] for r in reader))
    except csv.Error as exc:
        reason = str(exc)
        if "field limit" in reason:
            reason = (
                f"a cell over {csv.field_size_limit():,} characters, more than a spreadsheet holds"
            )
        raise InvalidValueError(f"{path.name}: row {reader.line_num}: {reason}") from exc
    sheet = Sheet(path.stem, rows)
    if mixed:
        sheet.notes.append(
            f"{mixed:,} line(s) are not UTF-8 like the rest; read as Windows-1252 - check "
            "their accented letters"
        )
    return sheet


def _count_dialect(sample: str) -> type[csv.Dialect]:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best = max(",;\t|", key=lambda d: sum(line.count(d) for line in lines))

    class Sniffed(csv.excel):
        delimiter = best

    return Sniffed


def sheet_names(sheets: Sequence[Sheet]) -> str:
    """Return the sheet names for a message: 'Tools', 'Integrations'."""
    return ", ".join(repr(s.name) for s in sheets)
