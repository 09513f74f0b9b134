"""Columns are mapped on evidence: a header match that the column's values contradict is not
taken, the column is kept as an extra attribute, and the plan says why."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner
from workbooks import xlsx

from stackmap.cli import app
from stackmap.inventory import Inventory

TOOLS = ["Canva", "Asana", "Miro", "Figma", "Notion", "Loom"]


def _columns(inventory: Inventory, path: Path) -> dict[str, tuple[str | None, str, str]]:
    plan = inventory.plan_import(path)
    sheet = plan.sheets[0]
    return {c.header: (c.field, c.role, c.why) for c in sheet.columns}


def test_values_that_contradict_the_header_keep_the_column_as_an_extra(
    inventory: Inventory, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["Tool", "Seats", "Licence provisioner", "Wiki link", "Classification", "Website"]
    ]
    for i, tool in enumerate(TOOLS):
        rows.append(
            [
                tool,
                10 + i,
                f"Requested through the IT portal by {tool} admins.",
                f"https://wiki.example.internal/display/MKT/{tool}",
                ["Red", "Amber", "Green"][i % 3],
                f"https://www.{tool.casefold()}.com",
            ]
        )
    path = xlsx(tmp_path / "audit.xlsx", rows)
    columns = _columns(inventory, path)
    assert columns["Seats"][:2] == ("seats_purchased", "mapped")
    assert columns["Website"][:2] == ("website", "mapped")
    assert columns["Wiki link"][:2] == (None, "extra")
    assert "6 of 6 links point into wiki.example.internal" in columns["Wiki link"][2]
    assert columns["Classification"][:2] == (None, "extra")
    assert "values are categories stackmap knows" in columns["Classification"][2]
    inventory.apply_import(inventory.plan_import(path))
    canva = inventory.tool("Canva")
    assert canva.website == "https://www.canva.com"
    assert canva.extra["Classification"] == "Red"
    assert canva.summary.category == "content-marketing"  # the library's, not "Red"


def test_a_header_one_edit_from_a_synonym_needs_values_that_agree(
    inventory: Inventory, tmp_path: Path
) -> None:
    rows: list[list[object]] = [["Tool", "Provisioned user"]]
    rows += [[t, f"Granted by {t} admins on request"] for t in TOOLS]
    columns = _columns(inventory, xlsx(tmp_path / "a.xlsx", rows))
    assert columns["Provisioned user"][:2] == (None, "extra")
    rows = [["Tool", "Provisioned user"], *([t, 5 + i] for i, t in enumerate(TOOLS))]
    columns = _columns(inventory, xlsx(tmp_path / "b.xlsx", rows))
    assert columns["Provisioned user"][:2] == ("seats_assigned", "mapped")


def test_of_two_owner_columns_the_one_with_names_wins_and_the_plan_says_so(
    inventory: Inventory, tmp_path: Path
) -> None:
    rows = [["Tool", "Owner", "App owner"]]
    rows += [
        [t, f"https://intranet.example/teams/{i}", "Priya Natarajan"] for i, t in enumerate(TOOLS)
    ]
    columns = _columns(inventory, xlsx(tmp_path / "owners.xlsx", rows))
    assert columns["App owner"][:2] == ("business_owner", "mapped")
    assert columns["Owner"][:2] == (None, "extra")
    assert "names or email addresses" in columns["Owner"][2]


def test_a_few_odd_cells_under_an_exact_header_are_bad_cells_not_a_wrong_column(
    inventory: Inventory, tmp_path: Path
) -> None:
    rows = [["Tool", "Seats"]] + [[t, "lots" if i == 0 else 10] for i, t in enumerate(TOOLS)]
    plan = inventory.plan_import(xlsx(tmp_path / "seats.xlsx", rows))
    assert plan.sheets[0].columns[1].field == "seats_purchased"
    assert [i.value for i in plan.issues if i.severity == "unreadable"] == ["lots"]


def test_a_refused_dry_run_still_lists_every_column(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "bad.xlsx", [["Tool", "Seats", "Scratch"], ["Canva", "lots", "x"]])
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "c.db"), "import", str(path), "--dry-run", "--strict"]
    )
    assert result.exit_code == 65
    assert "  columns: Tool → name, Seats → seats_purchased" in result.stdout
    assert "  kept as extra attributes: Scratch" in result.stdout
    assert result.stderr.count("\n") == 1 and "row 2, column 'Seats'" in result.stderr


def test_a_file_without_a_name_column_says_which_headers_it_saw(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "odd.xlsx", [["Ding", "Kosten"], ["Canva", 12]])
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "c.db"), "import", str(path)])
    assert result.exit_code == 65
    assert result.stderr.rstrip().endswith("headers seen: Ding, Kosten")
