"""Importing the spreadsheets people keep: the bundled samples, idempotence, errors, the CLI."""

from __future__ import annotations

import csv
import dataclasses
import json
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner
from workbooks import sheets, xlsx

from stackmap.cli import app
from stackmap.domain import (
    Frequency,
    IntegrationDirection,
    IntegrationMethod,
    IntegrationStatus,
    name_key,
)
from stackmap.errors import InvalidValueError
from stackmap.importers.links import (
    ExistingTool,
    Link,
    LinkTable,
    end_resolver,
    link_refusing,
    resolve_links,
)
from stackmap.importers.mapping import Issue
from stackmap.importers.matching import ProductMatcher
from stackmap.inventory import Inventory
from stackmap.reference import Reference
from stackmap.schemas import IntegrationColumns, IntegrationFields

SAMPLES = Path(__file__).resolve().parent.parent / "imports"
AUDIT = SAMPLES / "team-audit.xlsx"
SAAS = SAMPLES / "saas-management-export.csv"


def dump(inventory: Inventory) -> list[tuple[Any, ...]]:
    with inventory.engine.connect() as conn:
        metadata = sa.MetaData()
        metadata.reflect(conn)
        return [
            (name, conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all())
            for name, table in sorted(metadata.tables.items())
        ]


def test_the_team_audit_is_read_past_its_titles_sections_and_totals(inventory: Inventory) -> None:
    plan = inventory.plan_import(AUDIT)
    stack = next(s for s in plan.sheets if s.kind == "tools")
    assert (stack.name, stack.header_row) == ("Stack", 5)
    names = [t.fields.name for t in plan.tools]
    assert "CRM & Sales" not in names and not [n for n in names if "Total" in n]
    skipped = [i.reason for i in plan.issues if i.severity == "skipped"]
    assert skipped.count("section heading skipped") == 4
    assert skipped.count("total row skipped") == 5
    assert not plan.errors


def test_the_audit_values_are_read_as_meant(inventory: Inventory) -> None:
    inventory.apply_import(inventory.plan_import(AUDIT))
    salesforce = inventory.tool("Salesforce")
    assert salesforce.library_product == "Salesforce Sales Cloud"
    assert salesforce.summary.annual_cost == Decimal("186000.00")
    assert salesforce.summary.currency == "USD"  # "amounts in USD unless stated" on row 2
    outreach = inventory.tool("Outreach").contracts[0]
    assert (outreach.start_date, outreach.renewal_date) == (date(2025, 9, 1), date(2026, 8, 31))
    hubspot = inventory.tool("Hubspot").summary
    assert (hubspot.annual_cost, hubspot.currency) == (Decimal("43200.00"), "USD")
    hootsuite = inventory.tool("Hootsuite").summary
    assert (hootsuite.annual_cost, hootsuite.currency) == (Decimal("9000.00"), "GBP")
    assert inventory.tool("Hotjar").summary.currency == "EUR"
    assert inventory.tool("Unbounce").summary.annual_cost == Decimal("7200.00")  # cached formula
    assert inventory.tool("Clearbit").contracts[0].renewal_date == date(2027, 2, 1)  # "Feb 2027"
    assert inventory.tool("Salesforce").extra["Internal ID"] == "NW-051"  # hidden column kept


def test_what_cannot_be_read_is_said_not_guessed(inventory: Inventory) -> None:
    plan = inventory.plan_import(AUDIT)
    lines = [i.line(plan.file) for i in plan.issues]
    assert "team-audit.xlsx [Stack]: row 23, column 'Cost': 'TBD' not known; left blank" in lines
    assert any(
        "row 34, column 'Cost'" in line and "formula with no saved result" in line for line in lines
    )
    assert any("'Mystery Tool' no such tool" in line for line in lines)
    assert "rows 7, 51 name the same tool ('Salesforce') and were merged" in plan.notes


def test_the_saas_export_is_read_in_windows_1252_with_us_dates(inventory: Inventory) -> None:
    inventory.apply_import(inventory.plan_import(SAAS))
    cafe = inventory.tool("Café Analytics Pro")
    assert cafe.summary.status == "evaluating"
    assert cafe.contracts[0].end_date == date(2027, 2, 28)
    slack = inventory.tool("Slack Enterprise Grid")
    assert slack.library_product == "Slack"
    assert slack.summary.owner == "Ravi Shah"  # from the owner's email address
    assert slack.contracts[0].auto_renew is True
    assert inventory.tool("Qualtrics CustomerXM").contracts[0].auto_renew is False
    assert inventory.counts()["tools"] == 15  # the repeated HubSpot line was merged


def test_importing_the_same_file_twice_changes_nothing(inventory: Inventory) -> None:
    inventory.apply_import(inventory.plan_import(AUDIT))
    before = [t for t in dump(inventory) if t[0] not in ("import_batch", "change")]
    again = inventory.apply_import(inventory.plan_import(AUDIT))
    assert again.counts()["tools_created"] == 0 and again.counts()["tools_updated"] == 0
    assert again.counts()["integrations_created"] == 0
    assert [t for t in dump(inventory) if t[0] not in ("import_batch", "change")] == before


def test_a_second_file_naming_products_differently_updates_the_same_tools(
    inventory: Inventory,
) -> None:
    inventory.apply_import(inventory.plan_import(SAAS))
    result = inventory.apply_import(inventory.plan_import(AUDIT))
    assert inventory.tool("Salesforce").summary.name == "Salesforce Sales Cloud"
    assert inventory.tool("Hubspot").summary.name == "HubSpot Marketing Hub Professional"
    updated = {o.label for o in result.tools if o.action == "updated"}
    assert {"Salesforce Sales Cloud", "HubSpot Marketing Hub Professional"} <= updated
    links = {(i.source, i.target) for i in inventory.integrations()}
    assert ("Segment", "Intercom") in links  # Intercom came from the first file


def _two_bad_cells(tmp_path: Path) -> Path:
    return xlsx(
        tmp_path / "bad.xlsx",
        [
            ["Tool", "Seats", "Renewal"],
            ["Canva", "lots", "2027-01-01"],
            ["Asana", 40, "31/02/2027"],
            ["Miro", 10, "2027-05-01"],
        ],
    )


def test_a_bad_cell_costs_only_its_field_and_is_kept_as_written(
    inventory: Inventory, tmp_path: Path
) -> None:
    path = _two_bad_cells(tmp_path)
    plan = inventory.plan_import(path)
    result = inventory.apply_import(plan)
    assert sorted(o.label for o in result.tools) == ["Asana", "Canva", "Miro"]
    canva = inventory.tool("Canva")
    assert canva.contracts[0].seats_purchased is None  # unknown, never 0
    assert canva.contracts[0].renewal_date == date(2027, 1, 1)  # the rest of the row landed
    assert canva.extra["Seats (as written)"] == "lots"
    asana = inventory.tool("Asana")
    assert (asana.contracts[0].seats_purchased, asana.contracts[0].renewal_date) == (40, None)
    assert asana.extra["Renewal (as written)"] == "31/02/2027"
    lines = [i.line(plan.file) for i in plan.issues if i.severity == "unreadable"]
    assert lines == [
        "bad.xlsx: row 2, column 'Seats': 'lots' not a whole number; left unknown, kept as written",
        "bad.xlsx: row 3, column 'Renewal': '31/02/2027' no such date 2027-02-31; left unknown, "
        "kept as written",
    ]


def test_strict_mode_refuses_the_file_naming_file_row_and_column(
    inventory: Inventory, tmp_path: Path
) -> None:
    inventory.apply_import(inventory.plan_import(SAAS))
    before = dump(inventory)
    path = _two_bad_cells(tmp_path)
    plan = inventory.plan_import(path, strict=True)
    with pytest.raises(InvalidValueError) as caught:
        inventory.apply_import(plan)
    assert str(caught.value) == (
        "bad.xlsx: row 2, column 'Seats': 'lots' not a whole number "
        "(and 1 more; --rejects FILE lists them)"
    )
    assert dump(inventory) == before
    result = inventory.apply_import(plan, skip_invalid=True)
    assert [o.label for o in result.tools] == ["Miro"]


def test_a_dry_run_reports_the_diff_and_writes_nothing(inventory: Inventory) -> None:
    before = dump(inventory)
    result = inventory.apply_import(inventory.plan_import(AUDIT), dry_run=True)
    assert result.counts()["tools_created"] == 31
    assert dump(inventory) == before


def test_mixed_day_and_month_first_dates_are_refused_unless_told(
    inventory: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("Tool,Renewal\nA,13/01/2027\nB,01/13/2027\n", encoding="utf-8")
    with pytest.raises(InvalidValueError, match=r"dates mix day-first .* say --dayfirst"):
        inventory.plan_import(path)


def test_a_profile_names_the_columns_of_a_recurring_layout(
    inventory: Inventory, tmp_path: Path
) -> None:
    profile = tmp_path / "finance.yaml"
    profile.write_text(
        "name: finance\ncurrency: EUR\ncolumns:\n  Ding: name\n  Kosten: annual_cost\n",
        encoding="utf-8",
    )
    path = tmp_path / "f.csv"
    path.write_text("Ding;Kosten\nCanva;1.200,00\n", encoding="utf-8")
    plan = inventory.plan_import(path, profile=str(profile))
    assert plan.profile == "finance"
    assert plan.tools[0].contract is not None
    assert (plan.tools[0].contract.annual_cost, plan.tools[0].contract.currency) == (
        Decimal("1200.00"),
        "EUR",
    )


def test_the_import_command_prints_the_mapping_and_the_result(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    result = CliRunner().invoke(
        app, ["--db", db, "import", str(AUDIT), "--dry-run"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Sheet 'Stack': tools, header on row 5, 32 rows" in result.stdout
    assert "Would write: 31 tools created" in result.stdout
    as_json = CliRunner().invoke(app, ["--db", db, "import", str(SAAS), "--json"])
    data = json.loads(as_json.stdout)
    assert data["counts"]["tools_created"] == 15 and data["dry_run"] is False
    assert data["sheets"][0]["columns"][0] == {
        "header": "Application Name",
        "field": "name",
        "how": "synonym",
        "role": "mapped",
        "why": "",
    }


def test_the_import_command_reads_the_file_while_the_catalog_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stackmap.importers.files as files

    reads: list[str] = []
    real = files._read_sheets

    def read(path: Path, arrived: files.Arrived | None = None) -> Any:
        reads.append(threading.current_thread().name)
        return real(path, arrived)

    monkeypatch.setattr(files, "_read_sheets", read)
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "c.db"), "import", str(SAAS)])
    assert result.exit_code == 0, result.output
    assert reads == [f"read {SAAS.name}"]  # once, on the worker thread read_ahead started


def test_rejects_are_written_to_a_csv_that_cannot_run_formulas(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "bad.xlsx", [["Tool", "Seats"], ["+cmd|' /C calc'!A0", "lots"]])
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(
        app,
        [
            "--db",
            str(tmp_path / "c.db"),
            "import",
            str(path),
            "--strict",
            "--rejects",
            str(rejects),
        ],
    )
    assert result.exit_code == 65
    assert result.stderr.startswith("stackmap: error: bad.xlsx: row 2, column 'Seats'")
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[0] == ["file", "row", "column", "value", "severity", "reason"]
    assert rows[1][:5] == ["bad.xlsx", "2", "Seats", "lots", "error"]


def test_a_file_with_no_recognisable_sheet_says_what_it_looked_for(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "people.xlsx", [["Colour", "Size"], ["red", 3]])
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "c.db"), "import", str(path)])
    assert result.exit_code == 65
    assert "no sheet has a column naming the tool" in result.stderr


def test_a_link_value_the_schema_refuses_is_kept_as_written_and_the_link_lands(
    inventory: Inventory, tmp_path: Path
) -> None:
    owner = "Marketing operations and " * 10  # longer than a name can be
    path = sheets(
        tmp_path / "stack.xlsx",
        {
            "Tools": [
                ["Tool", "Vendor"],
                ["Canva", "Canva"],
                ["Asana", "Asana"],
                ["Slack", "Slack"],
            ],
            "Integrations": [
                ["From", "To", "How", "Owner", "Notes"],
                ["Asana", "Canva", "Native", owner, "syncs nightly"],
                ["Slack", "Canva", "API", "Dana Lee", ""],
            ],
        },
    )
    plan = inventory.plan_import(path)
    assert not plan.errors
    [issue] = [i for i in plan.issues if i.severity == "unreadable"]
    assert (issue.row, issue.sheet, issue.column, issue.value) == (
        2,
        "Integrations",
        "Owner",
        owner.strip(),
    )
    assert issue.reason.endswith("at most 200 characters; left unknown, kept as written")
    landed = {(i.source, i.target): i for i in plan.integrations}
    assert set(landed) == {("Asana", "Canva"), ("Slack", "Canva")}
    asana = landed[("Asana", "Canva")]
    assert (asana.owner, asana.method) == (None, "native")
    assert asana.notes == f"syncs nightly; as written — Owner: {owner.strip()}"
    assert landed[("Slack", "Canva")].owner == "Dana Lee"
    strict = inventory.plan_import(path, strict=True)
    assert [(e.row, e.severity) for e in strict.errors] == [(2, "error")]
    assert [(i.source, i.target) for i in strict.integrations] == [("Slack", "Canva")]


def test_a_link_known_vaguely_is_described_later_not_duplicated(
    inventory: Inventory, tmp_path: Path
) -> None:
    tools = xlsx(
        tmp_path / "tools.xlsx",
        [["Tool", "Connected apps"], ["Canva", "Asana"], ["Asana", "Canva"]],
    )
    inventory.apply_import(inventory.plan_import(tools))
    assert [(i.source, i.target, i.method) for i in inventory.integrations()] == [
        ("Canva", "Asana", "unknown")
    ]
    links = xlsx(tmp_path / "links.xlsx", [["From", "To", "How"], ["Canva", "Asana", "Native"]])
    inventory.apply_import(inventory.plan_import(links))
    again = inventory.apply_import(inventory.plan_import(tools))
    assert [(i.source, i.target, i.method) for i in inventory.integrations()] == [
        ("Canva", "Asana", "native")
    ]
    assert again.counts()["integrations_created"] == 0


def test_in_one_file_a_link_said_how_replaces_the_same_link_only_listed_as_connected(
    inventory: Inventory, tmp_path: Path
) -> None:
    path = sheets(
        tmp_path / "stack.xlsx",
        {
            "Tools": [
                ["Tool", "Connected apps"],
                ["Canva", "Asana"],
                ["Asana", "Slack"],
                ["Slack", ""],
            ],
            "Integrations": [["From", "To", "How"], ["Asana", "Canva", "Native"]],  # other way
        },
    )
    inventory.apply_import(inventory.plan_import(path))
    assert sorted((i.source, i.target, i.method) for i in inventory.integrations()) == [
        ("Asana", "Canva", "native"),
        ("Asana", "Slack", "unknown"),
    ]


def test_an_empty_workbook_and_a_header_only_file_say_so(
    inventory: Inventory, tmp_path: Path
) -> None:
    empty = xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(InvalidValueError, match=r"^empty.xlsx: the workbook has no data"):
        inventory.plan_import(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("Tool,Vendor,Cost\n", encoding="utf-8")
    with pytest.raises(InvalidValueError, match=r"^header.csv: no rows to import$"):
        inventory.apply_import(inventory.plan_import(header_only))


def test_rows_are_merged_by_identity_never_by_a_fuzzy_score(
    inventory: Inventory, tmp_path: Path
) -> None:
    path = xlsx(
        tmp_path / "lookalikes.xlsx",
        [
            ["Tool", "Annual cost"],
            ["Salesforce Markting Cloud", "$10,000"],
            ["Salesforse Marketing Cloud", "$20,000"],
            ["Pardot (Marketing Cloud Account Engagement)", "$30,000"],
            ["MCAE", "$31,000"],
            ["Total Expert", "$4,000"],
            ["Total", "$95,000"],
        ],
    )
    plan = inventory.plan_import(path)
    names = sorted(t.fields.name for t in plan.tools)
    # The two typos each resemble one product, but nothing says they are one tool.
    assert names == [
        "Pardot (Marketing Cloud Account Engagement)",
        "Salesforce Markting Cloud",
        "Salesforse Marketing Cloud",
        "Total Expert",
    ]
    assert not any(t.product == "Salesforce Marketing Cloud Engagement" for t in plan.tools)
    assert (
        "rows 4, 5 name the same tool ('Pardot (Marketing Cloud Account Engagement)') and were "
        "merged" in plan.notes
    )
    pardot = next(t for t in plan.tools if t.fields.name.startswith("Pardot"))
    assert pardot.product == "Marketing Cloud Account Engagement"
    assert [i.reason for i in plan.issues if i.severity == "skipped"] == ["total row skipped"]


def test_the_sheets_currency_decides_how_grouped_amounts_read(
    inventory: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / "eur.csv"
    path.write_text("Tool;Kosten;Währung\nCanva;1.200;\nAsana;2.400;USD\n", encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "name: p\ncurrency: EUR\ncolumns:\n  Kosten: annual_cost\n  Währung: currency\n",
        encoding="utf-8",
    )
    plan = inventory.plan_import(path, profile=str(profile))
    terms = {t.fields.name: t.contract for t in plan.tools}
    canva, asana = terms["Canva"], terms["Asana"]
    assert canva is not None and asana is not None
    assert (canva.annual_cost, canva.currency) == (Decimal("1200.00"), "EUR")
    assert asana.currency == "USD"  # the row's own currency column beats the sheet's


# --- links resolved column by column are the links resolved one at a time ----------------

_WRITTEN_ENDS = ["Canva", "canva", " Asana ", "ASANA", "Slack", "hub", "Nowhere Tool", ""]
_TERMS = {
    "method": st.sampled_from([*IntegrationMethod, "unknown", "unknown", "carrier pigeon"]),
    "direction": st.sampled_from([*IntegrationDirection, "sideways"]),
    "frequency": st.sampled_from([*Frequency, None, "fortnightly-ish"]),
    "status": st.sampled_from([*IntegrationStatus, "on fire"]),
    "owner": st.sampled_from(["Dana Lee", "  IT  ", "Marketing operations and " * 10, None]),
    "notes": st.sampled_from(["", " nightly ", "as written — How: Tag", None]),
    "data_objects": st.sampled_from([[], ["leads"], ["leads", " leads "], ["contacts", "deals"]]),
}


@st.composite
def _links(draw: st.DrawFn) -> list[Link]:
    links: list[Link] = []
    for number in range(2, 2 + draw(st.integers(0, 14))):
        values: dict[str, Any] = {"source": draw(st.sampled_from(_WRITTEN_ENDS))}
        target = draw(st.sampled_from([*_WRITTEN_ENDS, None]))
        if target is not None:  # None: the row's "To" cell is empty
            values["target"] = target
        for term in draw(st.sets(st.sampled_from(sorted(_TERMS)), max_size=4)):
            values[term] = draw(_TERMS[term])
        headers = {"owner": "Owner", "method": "How", "target": "To"}
        links.append((number, "Integrations", values, headers))
    return links


def _one_by_one(
    issues: list[Issue],
    links: list[Link],
    ends: Callable[[str], tuple[str, str] | None],
    strict: bool,
) -> list[IntegrationFields]:
    """The links as resolving and validating each in turn gives them: what the import did
    before it worked column by column, kept here as the measure of what it does now."""
    result: list[IntegrationFields] = []
    seen: set[tuple[str, ...]] = set()
    for number, sheet, values, columns in links:
        if "target" not in values:
            issues.append(
                Issue(
                    number,
                    columns.get("target", "target"),
                    "",
                    "names no tool; link skipped",
                    "warning",
                    sheet,
                )
            )
            continue
        written_source, written_target = str(values["source"]), str(values["target"])
        source, target = ends(written_source), ends(written_target)
        if source is None or target is None:
            missing = [w for w, f in ((written_source, source), (written_target, target)) if not f]
            issues.append(
                Issue(
                    number,
                    "",
                    ", ".join(missing),
                    "no such tool in the catalog or this file; link skipped",
                    "warning",
                    sheet,
                )
            )
            continue
        if source[0] == target[0]:
            continue
        method = str(values.get("method", ""))
        if method == "unknown":
            key = (*sorted((source[1], target[1])), method)
        else:
            key = (source[1], target[1], method)
        if key in seen:
            continue
        seen.add(key)
        named = {**values, "source": source[0], "target": target[0]}
        try:
            result.append(IntegrationFields.model_validate(named))
        except ValidationError:
            link = link_refusing(issues, (number, sheet, named, columns), strict)
            if link is not None:
                result.append(link)
    described = {
        frozenset((name_key(r.source), name_key(r.target))) for r in result if r.method != "unknown"
    }
    return [
        r
        for r in result
        if r.method != "unknown"
        or frozenset((name_key(r.source), name_key(r.target))) not in described
    ]


_CONNECTED: list[Link] = [
    (2, "Tools", {"source": "Canva", "target": "Asana", "method": "unknown"}, {}),
    (3, "Tools", {"source": "Asana", "target": "Canva", "method": "unknown"}, {}),
    (4, "Tools", {"source": "Slack", "target": "Asana", "method": "unknown"}, {}),
    (5, "Integrations", {"source": "Asana", "target": "Slack", "method": "native"}, {}),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(links=_links(), strict=st.booleans())
@example(links=_CONNECTED, strict=False)
def test_links_resolved_together_are_the_links_resolved_one_at_a_time(
    reference: Reference, links: list[Link], strict: bool
) -> None:
    # Ends written many ways (and unknown), the same link twice, links from a tool to
    # itself, "connected apps" beside the same link said how, and values the schema refuses
    # (an owner longer than a name, a method or status it does not know): the links, the
    # fields each was given and the issues, in their order, are the same.
    # "Hub " as an older catalog may hold a name: the schema would strip it.
    existing = [ExistingTool(name, None) for name in ("Canva", "Asana", "Slack", "Hub ")]
    matcher = ProductMatcher(reference)
    together: list[Issue] = []
    resolved = resolve_links(together, [], LinkTable.of(links), matcher, existing, strict)
    alone: list[Issue] = []
    expected = _one_by_one(alone, links, end_resolver([], matcher, existing), strict)
    # Column by column, as written (an item is validated again as it is read).
    assert dataclasses.asdict(resolved) == dataclasses.asdict(IntegrationColumns.of(expected))
    assert list(resolved) == expected
    assert together == alone


def test_a_link_row_with_an_empty_to_cell_is_reported_and_the_rest_land(tmp_path: Path) -> None:
    # It stopped the import with an internal error (a KeyError) before.
    path = sheets(
        tmp_path / "stack.xlsx",
        {
            "Tools": [["Tool", "Vendor"], ["Canva", "Canva"], ["Asana", "Asana"]],
            "Integrations": [
                ["From", "To", "How"],
                ["Asana", "", "Native"],
                ["Asana", "Canva", "API"],
            ],
        },
    )
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "c.db"), "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "[Integrations]: row 2, column 'To': names no tool; link skipped" in result.output
    assert "1 integrations created" in result.output


def test_a_yes_no_cell_where_a_number_or_date_belongs_is_reported_not_read_as_one(
    inventory: Inventory, tmp_path: Path
) -> None:
    # Python holds TRUE equal to 1: a TRUE below a 1 was read as one seat, and a TRUE alone
    # was dropped unsaid.
    path = xlsx(
        tmp_path / "tools.xlsx",
        [
            ["Tool", "Seats", "Cost", "Renewal date", "Notice"],
            ["Canva", 1, 1200, date(2027, 3, 1), 30],
            ["Asana", True, True, True, False],
        ],
    )
    plan = inventory.plan_import(path)
    unreadable = {(i.row, i.column): i.reason for i in plan.issues if i.severity == "unreadable"}
    assert set(unreadable) == {(3, "Seats"), (3, "Cost"), (3, "Renewal date"), (3, "Notice")}
    assert all("a yes/no (TRUE or FALSE), not" in reason for reason in unreadable.values())
    inventory.apply_import(plan)
    asana = inventory.tool("Asana")
    assert not asana.contracts or asana.contracts[0].seats_purchased is None
    assert asana.extra["Seats (as written)"] == "True"
    assert inventory.tool("Canva").contracts[0].seats_purchased == 1


def _planned_with_early_work(
    path: Path, reference: Reference, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> tuple[Any, list[str], list[tuple[str, str]]]:
    """The plan of a file read ahead whose first sheet arrives alone: the others are read
    only once the work started on it is done (or 10 s). Returns the plan, the sheets work
    was started on early, and the (kind, sheet) of the work the import took from there."""
    import stackmap.importers.files as files
    import stackmap.importers.sheets as sheets_module
    from stackmap.importers.files import read_ahead
    from stackmap.importers.spreadsheet import plan_import

    first_done = threading.Event()
    real_read, real_early, real_taken = (
        files._read_sheet,
        sheets_module.EarlyWork.__call__,
        sheets_module.EarlyWork.taken,
    )
    worked: list[str] = []
    taken: list[tuple[str, str]] = []

    def read(path: Path, workbook: Any, meta: Any) -> Any:
        if meta.name != first:
            first_done.wait(10)
        return real_read(path, workbook, meta)

    def early(self: Any, sheet: Any, count: int) -> None:
        before = len(self._done)
        try:
            real_early(self, sheet, count)
        finally:
            if len(self._done) > before:
                worked.append(sheet.name)
            first_done.set()

    def take(self: Any, kind: str, sheet: Any, header: Any) -> Any:
        done = real_taken(self, kind, sheet, header)
        if done is not None:
            taken.append((kind, sheet.name))
        return done

    from openpyxl import load_workbook

    first = load_workbook(path, read_only=True).sheetnames[0]
    monkeypatch.setattr(files, "_read_sheet", read)
    monkeypatch.setattr(sheets_module.EarlyWork, "__call__", early)
    monkeypatch.setattr(sheets_module.EarlyWork, "taken", take)
    read_ahead(path)
    return plan_import(path, reference, **options), worked, taken


def _same_plans(one: Any, other: Any) -> None:
    assert one.tools == other.tools
    assert one.issues == other.issues
    assert one.notes == other.notes
    assert one.sheets == other.sheets
    assert list(one.integrations) == list(other.integrations)


_TWO_SHEETS: dict[str, list[list[Any]]] = {
    "Apps": [
        ["All amounts in EUR unless stated"],
        ["Tool", "Vendor", "Cost", "Billing", "Renewal", "Seats", "Category"],
        ["Canva", "Canva", 1200, "annual", date(2027, 3, 1), 10, "Design"],
        ["Asana", "Asana", "n/a", "monthly", "soon", "TRUE", "Unheard-of category"],
        ["HubSpot", "", 800, "quarterly", date(2027, 1, 15), 3, ""],
        ["Mailchimpp", "", "", "", "", "", ""],
        ["Total", "", 2000, "", "", "", ""],
    ],
    "Links": [
        ["From", "To", "How"],
        ["Canva", "Asana", "API"],
        ["Asana", "HubSpot", "Native"],
        ["Asana", "Nowhere", "API"],
    ],
}


def test_work_started_on_a_sheet_read_before_the_others_gives_the_same_plan(
    reference: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tools sheet is read into rows and its tools planned while the links are still
    # being read; the plan is the one a read of the whole file first gives, notes, issues
    # and their order included.
    from stackmap.importers.spreadsheet import plan_import

    path = sheets(tmp_path / "stack.xlsx", _TWO_SHEETS)
    plan, worked, taken = _planned_with_early_work(path, reference, monkeypatch)
    assert worked[:1] == ["Apps"] and ("tools", "Apps") in taken
    assert [t.fields.name for t in plan.tools] == ["Canva", "Asana", "HubSpot", "Mailchimpp"]
    assert len(plan.integrations) == 2 and plan.issues
    assert any("may be Mailchimp" in note for note in plan.notes)  # from planning the tools
    _same_plans(plan, plan_import(path, reference))


@pytest.mark.parametrize(
    ("named", "options", "worked_on"),
    [
        # Read early as a sheet of tools, beaten by a better one once all are read.
        ({"Old apps": [["Tool", "Vendor"], ["Slack", "Slack"]], **_TWO_SHEETS}, {}, True),
        # The person named another sheet: the first is left alone.
        (
            {"Other": [["Tool", "Vendor"], ["Slack", "Slack"]], **_TWO_SHEETS},
            {"sheet": "Apps"},
            False,
        ),
    ],
)
def test_work_started_early_on_a_sheet_the_import_does_not_choose_changes_nothing(
    reference: Reference,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    named: dict[str, list[list[Any]]],
    options: dict[str, Any],
    worked_on: bool,
) -> None:
    from stackmap.importers.spreadsheet import plan_import

    first = next(iter(named))
    path = sheets(tmp_path / "stack.xlsx", named)
    plan, worked, taken = _planned_with_early_work(path, reference, monkeypatch, **options)
    assert (first in worked) is worked_on
    assert first not in {sheet for _, sheet in taken}
    assert [t.fields.name for t in plan.tools] == ["Canva", "Asana", "HubSpot", "Mailchimpp"]
    _same_plans(plan, plan_import(path, reference, **options))


def test_an_error_met_early_is_raised_where_the_import_meets_it(
    reference: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Dates that force both readings stop the tools sheet; the early start drops its work
    # and the import says so itself, as it would have.
    mixed = [["Tool", "Renewal"], ["Canva", "13/04/2027"], ["Asana", "04/13/2027"]]
    path = sheets(tmp_path / "stack.xlsx", {"Apps": mixed, "Links": _TWO_SHEETS["Links"]})
    with pytest.raises(InvalidValueError, match="dates mix day-first"):
        _planned_with_early_work(path, reference, monkeypatch)
