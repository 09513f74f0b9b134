"""The rationalisation workbook: real xlsx files written and read back, opened by LibreOffice,
and reviewers' decisions brought back into the catalog."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from catalogs import arrange_overlap
from openpyxl import load_workbook
from sqlmodel import col
from typer.testing import CliRunner

from stackmap.cli import app
from stackmap.errors import InvalidValueError
from stackmap.export.sheets import COLUMN
from stackmap.inventory import Inventory
from stackmap.models import Tool
from stackmap.publish import export_workbook
from stackmap.review import apply_decisions, plan_decisions
from stackmap.schemas import ContractFields, ToolFields

runner = CliRunner()
TODAY = date(2027, 1, 1)
TRIGGERS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tTab", "\rCR", "\nLF", '=HYPERLINK("http://x")']


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Inventory]:
    inventory = Inventory.open(str(tmp_path / "catalog.db"), actor="arranger")
    arrange_overlap(inventory)
    yield inventory
    inventory.close()


def _rows(path: Path, sheet: str, data_only: bool = False) -> list[list[object]]:
    book = load_workbook(path, data_only=data_only)
    return [[c.value for c in row] for row in book[sheet].iter_rows()]


def test_the_workbook_has_every_sheet_and_reads_back(catalog: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY, retire=["Marketo Engage"])
    book = load_workbook(path)
    assert book.sheetnames == [
        "Summary",
        "Inventory",
        "Capability matrix",
        "Overlaps",
        "Gaps",
        "Integrations",
        "Integration register",
        "Renewals",
        "Spend",
        "Recommendations",
        "What-if",
        "Read me",
        "_stackmap",
    ]
    assert book["_stackmap"].sheet_state == "hidden"
    inventory = book["Inventory"]
    head = [c.value for c in inventory[1]]
    assert head[:4] == ["Tool", "Vendor", "Category", "Status"]
    table = inventory.tables["Inventory"]
    assert [c.name for c in table.tableColumns] == head  # or Excel offers a repair
    assert table.ref == f"A1:{inventory.cell(1, len(head)).column_letter}4"
    assert inventory.freeze_panes == "B2"
    marketo = next(
        row for row in inventory.iter_rows(min_row=2) if row[0].value == "Marketo Engage"
    )
    by_header = dict(zip(head, marketo, strict=True))
    assert by_header["Annual cost"].value == 78000
    assert by_header["Annual cost"].number_format == '#,##0 "USD"'  # the currency shows
    assert (by_header["Amount"].value, by_header["Currency"].value) == (78000, "USD")
    assert by_header["Renewal date"].value.date() == date(2027, 2, 28)
    assert by_header["Decide by"].value.date() == date(2026, 12, 30)
    assert by_header["Suggested"].value == "Consolidate"
    assert by_header["Decision"].value is None
    validations = inventory.data_validations.dataValidation
    decision = f"{COLUMN['Decision']}2"
    assert any("Eliminate" in (v.formula1 or "") and decision in str(v.sqref) for v in validations)
    tool_id = inventory.cell(1, head.index("Tool ID") + 1).column_letter
    assert inventory.column_dimensions[tool_id].hidden
    assert not inventory.column_dimensions[
        inventory.cell(1, head.index("Functional fit (1-5)") + 1).column_letter
    ].hidden
    summary = {row[0]: row[1] for row in _rows(path, "Summary") if row and row[0]}
    cost = COLUMN["Annual cost"]
    assert str(summary["Annual spend"]).startswith(f"=SUMIFS(Inventory!${cost}$2:${cost}$4")
    assert len(book["Summary"]._charts) >= 3
    # A viewer that does not recalculate still shows the live figures' values.
    values = {row[0]: row[1] for row in _rows(path, "Summary", data_only=True) if row and row[0]}
    assert values["Annual spend"] == 121200
    assert values["Reviewers' decisions: savings a year"] == 0
    overlaps = _rows(path, "Overlaps")
    assert any(row[1] == "HubSpot Marketing Hub" and row[2] == "Keep" for row in overlaps)


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_catalog_text_can_never_run_as_a_formula(tmp_path: Path, trigger: str) -> None:
    inventory = Inventory.open(str(tmp_path / "c.db"), actor="t")
    name = f"{trigger} tool"
    inventory.add_tool(ToolFields(name=name, business_owner=f"{trigger}owner", notes="x"))
    inventory.close()
    inventory = Inventory.open(str(tmp_path / "c.db"), actor="t")
    path = tmp_path / "hostile.xlsx"
    export_workbook(inventory, path, today=TODAY)
    inventory.close()
    book = load_workbook(path)
    formulas = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append((sheet.title, cell.coordinate, cell.value))
    # The only formulas are stackmap's own totals on the Summary.
    assert formulas and all(
        t == "Summary" and str(v).startswith("=SUMIFS(") for t, _, v in formulas
    )
    stored = [c for row in book["Inventory"].iter_rows() for c in row if c.value is not None]
    tool_cell = next(c for c in stored if isinstance(c.value, str) and c.value.endswith(" tool"))
    assert tool_cell.data_type == "s"
    assert tool_cell.value.strip() == name.strip()


def test_illegal_control_characters_are_removed(tmp_path: Path) -> None:
    inventory = Inventory.open(str(tmp_path / "c.db"), actor="t")
    inventory.add_tool(ToolFields(name="Bell\x07 and \x1bescape"))
    path = tmp_path / "x.xlsx"
    export_workbook(inventory, path, today=TODAY)
    inventory.close()
    names = [row[0] for row in _rows(path, "Inventory")[1:]]
    assert names == ["Bell and escape"]


def test_an_interrupted_export_leaves_the_old_file_untouched(
    catalog: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "review.xlsx"
    path.write_bytes(b"the good workbook")

    def broken_save(self: object, stream: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        export_workbook(catalog, path, today=TODAY)
    assert path.read_bytes() == b"the good workbook"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".review")] == []


def _decide(path: Path, decisions: dict[str, tuple[str | None, str | None, str | None]]) -> None:
    """Fill in the Inventory's decision columns the way a reviewer in Excel would."""
    book = load_workbook(path)
    sheet = book["Inventory"]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in decisions:
            decision, owner, comment = decisions[row[0].value]
            row[head.index("Decision")].value = decision
            row[head.index("Decision owner")].value = owner
            row[head.index("Comment")].value = comment
    book.save(path)


def test_reviewed_decisions_come_back_in_one_recorded_batch(
    catalog: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY)
    _decide(path, {"Marketo Engage": ("Eliminate", "CFO", "Overlaps HubSpot")})
    plan = plan_decisions(catalog, path)
    assert [(c.tool, c.new["disposition"]) for c in plan.changes] == [
        ("Marketo Engage", "eliminate")
    ]
    dry = apply_decisions(catalog, plan, dry_run=True)
    assert dry.batch_id is None
    assert catalog.tool("Marketo Engage").summary.disposition is None
    applied = apply_decisions(catalog, plan)
    detail = catalog.tool("Marketo Engage")
    assert (detail.summary.disposition, detail.decided_by, detail.decision_note) == (
        "eliminate",
        "CFO",
        "Overlaps HubSpot",
    )
    assert detail.decided_at is not None
    entry = detail.history[0]
    assert entry.batch_id == applied.batch_id
    assert entry.changes["disposition"] == [None, "eliminate"]
    # The same file again changes nothing (the tool's version moved, so say so explicitly).
    again = plan_decisions(catalog, path, apply_changed=True)
    assert again.changes == [] and again.unchanged == 1


def test_reviewers_fit_ratings_come_back_and_override_the_derived_scores(
    catalog: Inventory, tmp_path: Path
) -> None:
    from stackmap.analysis import analyze

    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY)
    book = load_workbook(path)
    sheet = book["Inventory"]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "Marketo Engage":
            row[head.index("Functional fit (1-5)")].value = 5
            row[head.index("Technical fit (1-5)")].value = 1
    book.save(path)
    apply_decisions(catalog, plan_decisions(catalog, path))
    detail = catalog.tool("Marketo Engage")
    assert (detail.functional_fit, detail.technical_fit) == (5, 1)
    rec = next(
        r for r in analyze(catalog.stack(TODAY)).recommendations if r.tool == "Marketo Engage"
    )
    assert (rec.value, rec.fit, rec.value_basis, rec.fit_basis) == (1.0, 0.0, "rated", "rated")
    assert "business value rated 5/5 by a person" in rec.why
    # A rating outside 1-5 is refused with its row and column, and nothing is applied.
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "Marketo Engage":
            row[head.index("Functional fit (1-5)")].value = 7
    book.save(path)
    with pytest.raises(InvalidValueError, match="Functional fit"):
        plan_decisions(catalog, path, apply_changed=True)


def test_decisions_on_tools_changed_or_gone_since_the_export_are_reported_not_applied(
    catalog: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY)
    _decide(
        path,
        {
            "Marketo Engage": ("Eliminate", None, None),
            "HubSpot Marketing Hub": ("Invest", None, None),
            "Salesforce Sales Cloud": ("Invest", None, None),
        },
    )
    catalog.edit_tool("HubSpot Marketing Hub", {"notes": "renegotiated"})
    with catalog.engine.begin() as connection:  # someone removed it from the catalog
        connection.execute(sa.delete(Tool).where(col(Tool.name) == "Salesforce Sales Cloud"))
    plan = plan_decisions(catalog, path)
    assert [c.tool for c in plan.changes] == ["Marketo Engage"]
    assert any("HubSpot Marketing Hub changed in the catalog" in s for s in plan.skipped)
    assert any("Salesforce Sales Cloud is no longer in the catalog" in s for s in plan.skipped)
    forced = plan_decisions(catalog, path, apply_changed=True)
    assert "HubSpot Marketing Hub" in [c.tool for c in forced.changes]


def test_a_bad_decision_is_one_line_naming_row_and_column(
    catalog: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY)
    _decide(path, {"Marketo Engage": ("Bin it", None, None)})
    with pytest.raises(
        InvalidValueError, match=r"review.xlsx: row \d, column 'Decision': 'Bin it'"
    ):
        plan_decisions(catalog, path)


def test_a_workbook_from_another_catalog_is_refused(catalog: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY)
    other = Inventory.open(str(tmp_path / "other.db"), actor="t")
    arrange_overlap(other)
    with pytest.raises(InvalidValueError, match="made from another catalog"):
        plan_decisions(other, path)
    other.close()


def test_the_cli_exports_and_imports_decisions_and_import_recognises_the_workbook(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "catalog.db")
    inventory = Inventory.open(db, actor="t")
    arrange_overlap(inventory)
    inventory.close()
    path = tmp_path / "review.xlsx"
    result = runner.invoke(
        app, ["--db", db, "export", "workbook", str(path), "--as-of", "2027-01-01"]
    )
    assert result.exit_code == 0, result.output
    _decide(path, {"Marketo Engage": ("Consolidate", "Dana", "into HubSpot")})
    dry = runner.invoke(app, ["--db", db, "import-decisions", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        "Would record 1 decision(s)" in dry.stdout and "disposition — → consolidate" in dry.stdout
    )
    applied = runner.invoke(app, ["--db", db, "import", str(path), "--json"])
    assert applied.exit_code == 0, applied.output
    data = json.loads(applied.stdout)
    assert data["changed"][0]["tool"] == "Marketo Engage" and data["batch_id"]
    bad = runner.invoke(app, ["--db", db, "export", "workbook", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed; .ci/run installs it from Debian's packages",
)
def test_libreoffice_opens_the_workbook_and_converts_it(catalog: Inventory, tmp_path: Path) -> None:
    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY, retire=["Marketo Engage"])
    profile = tmp_path / "lo-profile"
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "review.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF")


def test_money_cells_say_free_as_0_and_unknown_in_words(catalog: Inventory, tmp_path: Path) -> None:
    catalog.add_tool(
        ToolFields(name="Canva Free"), ContractFields(annual_cost=Decimal(0), currency="USD")
    )
    path = tmp_path / "review.xlsx"
    export_workbook(catalog, path, today=TODAY)
    rows = _rows(path, "Inventory")
    head = rows[0]
    cost = {row[0]: row[head.index("Annual cost")] for row in rows[1:]}
    assert cost["Canva Free"] == 0  # free: 0, not a blank
    assert cost["Salesforce Sales Cloud"] == "unknown"  # no contract: unknown, never 0
    assert cost["Marketo Engage"] == 78000


def test_sheets_write_styled_cells_exactly_as_openpyxls_own_row_writer_does(
    tmp_path: Path,
) -> None:
    # new_sheet replaces openpyxl's row writer to take styled cells without its exception
    # detour; the sheet's XML must be what openpyxl itself writes for the same rows.
    import zipfile
    from datetime import datetime

    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    from stackmap.export.cells import new_sheet

    def rows(sheet: object) -> list[list[object]]:
        styled = WriteOnlyCell(sheet, value=1234.5)
        styled.number_format = "#,##0"
        wrapped = WriteOnlyCell(sheet, value="long text")
        wrapped.alignment = Alignment(wrap_text=True)
        text = WriteOnlyCell(sheet, value="=1+1")
        text.data_type = "s"  # unstyled: openpyxl goes on writing plain values into it
        bold = WriteOnlyCell(sheet, value="Title")
        bold.font = Font(bold=True)
        linked = WriteOnlyCell(sheet, value="site")
        linked.hyperlink = Hyperlink(ref="", target="https://example.com")
        return [
            [bold],
            ["plain", 3, None, 2.5, styled, wrapped, True, date(2026, 1, 31)],
            [None, text, "after the text cell", 7, datetime(2026, 3, 1, 9, 30)],
            [styled, None, "=SUM(A1:A2)", linked, "x"],
            [],
        ]

    def sheet_xml(use_ours: bool) -> bytes:
        book = openpyxl.Workbook(write_only=True)
        sheet = new_sheet(book, "S") if use_ours else book.create_sheet("S")
        for row in rows(sheet):
            sheet.append(row)
        out = tmp_path / f"{use_ours}.xlsx"
        book.save(out)
        with zipfile.ZipFile(out) as archive:
            return archive.read("xl/worksheets/sheet1.xml") + archive.read("xl/styles.xml")

    assert sheet_xml(True) == sheet_xml(False)
