"""The hostile-input corpus (tests/hostile/, written by scripts/make_hostile_corpus.py):
every file is refused with one line naming it and a non-zero exit code, leaving the catalog
byte for byte as it was — or, when it is a valid file carrying payloads, imported with the
payloads stored as plain text and neutralised in every export."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser import CHROMIUM, NO_CHROMIUM
from browser import chromium as _chromium
from catalogs import SAMPLES
from openpyxl import load_workbook
from typer.testing import CliRunner

from stackmap import db
from stackmap.cli import app
from stackmap.dump import dump_catalog
from stackmap.inventory import Inventory

CORPUS = Path(__file__).resolve().parent / "hostile"
runner = CliRunner()

# file -> (exit code, what the one line says after "stackmap: error: <file>: ")
# The 100,000-row file is readable: by default its one bad cell is kept as written (see
# test_a_huge_file_with_one_bad_cell_lands_whole); --strict refuses it, naming the cell.
STRICT = {"100k-rows.csv"}
REFUSED = {
    "truncated.xlsx": (65, "a damaged or truncated zip file"),
    "corrupt-sheet-xml.xlsx": (65, "sheet 'Tools' cannot be read"),
    "text-named.xlsx": (65, "no sheet has a column naming the tool"),
    "empty-workbook.xlsx": (65, "the workbook has no data"),
    "header-only.csv": (65, "no rows to import"),
    "empty.csv": (65, "the file is empty"),
    "only-blank-lines.csv": (65, "the workbook has no data"),
    "password-protected.xlsx": (65, "the workbook is password-protected"),
    "entity-bomb.xlsx": (65, "sheet 'Tools' cannot be read .*unrecognized entity"),
    "external-entity.xlsx": (65, "sheet 'Tools' cannot be read .*unrecognized entity"),
    "zip-bomb.xlsx": (65, r"xl/worksheets/sheet1.xml would inflate \d+-fold \(a zip bomb\?\)"),
    "100k-rows.csv": (65, r"row 99992, column 'Annual Cost': 'twelve hundred-ish' no amount"),
    "huge-cell.csv": (65, "row 2: a cell over 131,072 characters"),
    "binary-garbage.csv": (65, "not a spreadsheet or text file"),
    "nul-bytes.csv": (65, "not a spreadsheet or text file"),
    "word-document.xlsx": (65, "a Word document, not a spreadsheet"),
    "many-columns.csv": (65, r"row 1: data beyond column ALL \(5,006 columns"),
}
ACCEPTED = {
    "csv-named.xlsx",
    "formula-payloads.csv",
    "markup-payloads.csv",
    "control-characters.csv",
    "mixed-encodings.csv",
    "utf16-excel-unicode-text.txt",
    "merged-data-area.xlsx",
}


def test_every_file_of_the_corpus_is_covered() -> None:
    assert {p.name for p in CORPUS.iterdir() if p.name != "README.md"} == set(REFUSED) | ACCEPTED


@pytest.fixture(scope="module")
def base_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog holding the team audit, closed, to copy for each test."""
    path = tmp_path_factory.mktemp("base") / "catalog.db"
    from stackmap.reference import load_reference

    inventory = Inventory(db.open_database(f"sqlite:///{path}"), load_reference(), "tester")
    inventory.apply_import(inventory.plan_import(SAMPLES / "team-audit.xlsx"))
    inventory.close()
    return path


def _dump(database: Path, into: Path) -> dict[str, bytes]:
    engine = db.open_database(f"sqlite:///{database}")
    try:
        dump_catalog(engine, into)
    finally:
        engine.dispose()
    return {p.name: p.read_bytes() for p in sorted(into.iterdir())}


def _huge(names: list[str]) -> list[object]:
    """The corpus, the huge files marked slow (make check leaves them to make test)."""
    return [pytest.param(n, marks=pytest.mark.slow) if "100k" in n else n for n in names]


@pytest.mark.parametrize("name", _huge(sorted(REFUSED)))
def test_a_hostile_file_is_one_line_a_failure_code_and_an_unchanged_catalog(
    name: str, base_catalog: Path, tmp_path: Path
) -> None:
    database = tmp_path / "catalog.db"
    shutil.copy(base_catalog, database)
    before = _dump(database, tmp_path / "before")
    code, message = REFUSED[name]
    options = ["--strict"] if name in STRICT else []
    result = runner.invoke(app, ["--db", str(database), "import", str(CORPUS / name), *options])
    assert result.exit_code == code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"stackmap: error: {name}: ")
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in result.output
    assert _dump(database, tmp_path / "after") == before
    # A dry run of the same file fails the same way and writes nothing either.
    dry = runner.invoke(
        app, ["--db", str(database), "import", str(CORPUS / name), "--dry-run", *options]
    )
    assert dry.exit_code == code
    assert _dump(database, tmp_path / "after-dry") == before


@pytest.mark.parametrize("name", _huge(sorted(REFUSED)))
@pytest.mark.parametrize(
    "command", [["import", "--spend"], ["import-decisions"]], ids=["spend", "decisions"]
)
def test_the_spend_and_decision_readers_refuse_the_same_files_the_same_way(
    name: str, command: list[str], base_catalog: Path, tmp_path: Path
) -> None:
    database = tmp_path / "catalog.db"
    shutil.copy(base_catalog, database)
    before = _dump(database, tmp_path / "before")
    result = runner.invoke(app, ["--db", str(database), *command, str(CORPUS / name)])
    assert result.exit_code not in (0, 1, 70), result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"stackmap: error: {name}"), result.stderr
    assert _dump(database, tmp_path / "after") == before


@pytest.mark.slow
def test_a_huge_file_with_one_bad_cell_lands_whole(tmp_path: Path) -> None:
    database = tmp_path / "catalog.db"
    result = runner.invoke(app, ["--db", str(database), "import", str(CORPUS / "100k-rows.csv")])
    assert result.exit_code == 0, result.output
    assert "Imported: 100000 tools created" in result.stdout
    assert (
        "unreadable: 100k-rows.csv: row 99992, column 'Annual Cost': 'twelve hundred-ish' no "
        "amount found; left unknown, kept as written" in result.stdout
    )


def _import(inventory: Inventory, name: str) -> None:
    inventory.apply_import(inventory.plan_import(CORPUS / name))


def test_payload_files_import_as_plain_text_on_every_backend(backend_inventory: Inventory) -> None:
    for name in sorted(ACCEPTED):
        _import(backend_inventory, name)
    names = {t.name for t in backend_inventory.tools()}
    assert "<script>alert('tool')</script>" in names
    assert "=cmd|' /C calc'!A0" in names
    # Control characters and text-direction overrides are dropped; the words stay.
    assert "Bell Tool" in names
    assert "Bidi gnp.exe Tool" in names
    assert not any(ch in "".join(names) for ch in "\x00\x07\x1b\x7f\u202e")
    # UTF-8 rows of a file with some Windows-1252 lines are not mojibake.
    assert {"Café Tool", "Crème Tool"} <= names
    assert "Pipedrive" in names  # UTF-16 "Unicode text" from Excel
    adobe = {t.name: t.vendor for t in backend_inventory.tools() if t.vendor == "Adobe"}
    assert set(adobe) == {"Marketo Engage", "Adobe Analytics", "Adobe Target"}


def test_merged_data_cells_are_read_as_shown_and_amounts_counted_once(
    inventory: Inventory,
) -> None:
    plan = inventory.plan_import(CORPUS / "merged-data-area.xlsx")
    reasons = [i.line(plan.file) for i in plan.issues]
    assert any("'Adobe' merged over rows 2-4; read on each of those rows" in r for r in reasons)
    assert any("'$12,000' merged over rows 5-6; counted once, on row 5" in r for r in reasons)
    inventory.apply_import(plan)
    costs = {t.name: t.annual_cost for t in inventory.tools()}
    assert costs["Hootsuite"] == 12000
    assert costs["Sprout Social"] is None


def test_a_mixed_encoding_file_says_which_lines_it_read_differently(inventory: Inventory) -> None:
    plan = inventory.plan_import(CORPUS / "mixed-encodings.csv")
    assert any("not UTF-8 like the rest" in note for note in plan.notes)


@pytest.fixture
def payload_catalog(inventory: Inventory) -> Inventory:
    for name in ("formula-payloads.csv", "markup-payloads.csv", "control-characters.csv"):
        _import(inventory, name)
    return inventory


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_the_workbook_has_no_formula_from_any_payload(
    payload_catalog: Inventory, tmp_path: Path
) -> None:
    from datetime import date

    from stackmap.publish import export_workbook

    path = tmp_path / "review.xlsx"
    export_workbook(payload_catalog, path, today=date(2026, 11, 29))
    workbook = load_workbook(path)
    payload_cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and ("cmd|" in value or "HYPERLINK" in value):
                    payload_cells += 1
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, value)
                if cell.data_type == "f":
                    # Our own live totals only: they never contain user text.
                    assert sheet.title == "Summary", (sheet.title, cell.coordinate, value)
                    assert "cmd" not in str(value) and "HYPERLINK" not in str(value)
    assert payload_cells > 10


@pytest.fixture
def payload_pages(payload_catalog: Inventory, tmp_path: Path) -> Path:
    """The map and the diagram (HTML and SVG) of the payload catalog, in one folder."""
    from datetime import date

    from stackmap.publish import export_diagram, export_map

    day = date(2026, 11, 29)
    export_map(payload_catalog, tmp_path / "map.html", today=day)
    export_diagram(payload_catalog, tmp_path / "diagram.html", today=day)
    export_diagram(payload_catalog, tmp_path / "diagram.svg", today=day)
    return tmp_path


def test_the_map_and_diagram_hold_no_live_markup_from_any_payload(payload_pages: Path) -> None:
    for name in ("map.html", "diagram.html", "diagram.svg"):
        text = (payload_pages / name).read_text(encoding="utf-8")
        for live in ("<script>alert", "<img src=x", "<svg onload", "window.__pwned=1</script>"):
            assert live not in text, (name, live)
        assert 'onerror="document' not in text


def test_rejects_csv_of_the_payload_files_cannot_run_formulas(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(
        app,
        [
            "--db",
            str(tmp_path / "c.db"),
            "import",
            str(CORPUS / "formula-payloads.csv"),
            "--rejects",
            str(rejects),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    for line in rejects.read_text(encoding="utf-8").splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.strip('"').startswith(FORMULA_STARTS), line


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_no_payload_runs_when_the_map_and_diagram_open_in_a_real_browser(
    payload_pages: Path,
) -> None:
    tmp_path = payload_pages
    for name in ("map.html", "diagram.html"):
        dom = _chromium(["--dump-dom", (tmp_path / name).as_uri()], tmp_path / f"p-{name}")
        assert dom.returncode == 0, dom.stderr[-2000:]
        title = re.search(r"<title>(.*?)</title>", dom.stdout, re.DOTALL)
        assert title is not None and "pwned" not in title.group(1), name
        assert "<script>window.__pwned" not in dom.stdout, name
        assert "<img src=" not in dom.stdout and "<svg onload" not in dom.stdout, name
        if name == "map.html":
            assert 'data-errors="0"' in dom.stdout


def test_the_terminal_ui_shows_every_payload_as_typed(tmp_path: Path) -> None:
    import asyncio

    from test_tui import SIZE, settle, shown
    from textual.widgets import DataTable

    from stackmap.tui.app import create_app
    from stackmap.tui.screens import DetailScreen, ToolsScreen

    catalog = Inventory.open(str(tmp_path / "catalog.db"), actor="tester")
    for name in ("formula-payloads.csv", "markup-payloads.csv", "control-characters.csv"):
        _import(catalog, name)
    expected = {t.name for t in catalog.tools()}
    app = create_app(catalog)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await settle(app, lambda: app.snapshot is not None)
            await app.run_action("show('tools')")
            await settle(app, lambda: isinstance(app.screen, ToolsScreen))
            await settle(app, lambda: bool(app.screen.query(DataTable)))
            table = app.screen.query_one(DataTable)
            await settle(app, lambda: table.row_count == len(expected))
            seen = {table.get_row_at(i)[0].plain for i in range(table.row_count)}
            assert seen == expected
            target = "[red]Red Team[/red] Suite"
            row = next(i for i in range(table.row_count) if table.get_row_at(i)[0].plain == target)
            table.move_cursor(row=row)
            table.focus()
            table.action_select_cursor()
            await settle(app, lambda: isinstance(app.screen, DetailScreen))
            await settle(app, lambda: target in shown(app, "#detail-body"))

    try:
        asyncio.run(main())
    finally:
        catalog.close()
