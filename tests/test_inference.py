"""A category implies capabilities (marked inferred, never over a person's list), and tools
outside marketing are kept in the money views but set aside from the marketing analyses."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from stackmap.analysis import analyze
from stackmap.cli import app
from stackmap.inventory import Inventory

DAY = date(2027, 1, 15)


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _import(inventory: Inventory, path: Path) -> None:
    inventory.apply_import(inventory.plan_import(path))


def test_a_category_alone_gives_inferred_capabilities_and_known_products_their_own(
    inventory: Inventory, tmp_path: Path
) -> None:
    _import(
        inventory,
        _csv(
            tmp_path / "saas.csv",
            "Application,Category\n"
            "Acme Mailer,Email\n"  # unknown product: the category's capabilities
            "Mailchimp,Email\n"  # known products: their own, from the library
            "Klaviyo,Email\n"
            "Unknown Thing,\n",  # nothing to go on: nothing invented
        ),
    )
    acme = inventory.tool("Acme Mailer").summary
    assert (acme.capabilities, acme.capabilities_inferred) == (("email-marketing",), "category")
    mailchimp = inventory.tool("Mailchimp").summary
    klaviyo = inventory.tool("Klaviyo").summary
    assert mailchimp.capabilities_inferred == klaviyo.capabilities_inferred == "library"
    assert mailchimp.capabilities != klaviyo.capabilities
    assert inventory.tool("Unknown Thing").summary.capabilities == ()


def test_a_persons_capabilities_replace_the_inferred_ones_and_are_never_replaced_by_them(
    inventory: Inventory, tmp_path: Path
) -> None:
    _import(inventory, _csv(tmp_path / "a.csv", "Tool,Category\nAcme Mailer,Email\n"))
    _import(
        inventory,
        _csv(tmp_path / "b.csv", "Tool,Capabilities\nAcme Mailer,sms-push; Segmentation\n"),
    )
    acme = inventory.tool("Acme Mailer").summary
    assert (acme.capabilities, acme.capabilities_inferred) == (("segmentation", "sms-push"), None)
    _import(inventory, _csv(tmp_path / "c.csv", "Tool,Category\nAcme Mailer,CRM\n"))
    assert inventory.tool("Acme Mailer").summary.capabilities == ("segmentation", "sms-push")


def test_inferred_capabilities_are_shown_as_such(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    runner.invoke(
        app,
        ["--db", db, "import", str(_csv(tmp_path / "a.csv", "Tool,Category\nAcme Mailer,Email\n"))],
    )
    shown = runner.invoke(app, ["--db", db, "tool", "show", "Acme Mailer"], env={"COLUMNS": "200"})
    assert "Capabilities (inferred from its category)" in shown.stdout
    listed = json.loads(runner.invoke(app, ["--db", db, "tools", "--json"]).stdout)
    assert listed[0]["capabilities_inferred"] == "category"


def test_tools_outside_marketing_are_set_aside_from_overlap_and_coverage_but_not_spend(
    inventory: Inventory, tmp_path: Path
) -> None:
    _import(
        inventory,
        _csv(
            tmp_path / "company.csv",
            "Application,Category,Annual cost,Currency\n"
            "Greenhouse,,30000,USD\n"  # the library knows it is HR
            "Slack,,12000,USD\n"
            "Payroll Hero,Payroll,5000,USD\n"  # a category word says HR
            "Okta,Security,8000,USD\n"
            "HubSpot Marketing Hub,,40000,USD\n",
        ),
    )
    analysis = analyze(inventory.stack(DAY))
    aside = {a.tool: a.category for a in analysis.set_aside}
    assert aside == {
        "Greenhouse": "HR & People",
        "Payroll Hero": "HR & People",
        "Okta": "Security & Identity",
    }
    in_overlaps = {name for o in analysis.overlaps for name in o.tools}
    assert not in_overlaps & set(aside)
    assert not {r.tool for r in analysis.recommendations} & set(aside)
    assert analysis.spend.total == 95000  # still paid for: still in spend
    everything = analyze(inventory.stack(DAY, all_tools=True))
    assert everything.set_aside == ()
    assert {r.tool for r in everything.recommendations} >= set(aside)


def test_analyze_says_how_many_tools_were_set_aside_and_why(tmp_path: Path) -> None:
    db = str(tmp_path / "c.db")
    runner = CliRunner()
    path = _csv(tmp_path / "a.csv", "Tool,Category\nGreenhouse,\nWorkday,HR\nCanva,\n")
    runner.invoke(app, ["--db", db, "import", str(path)])
    text = runner.invoke(
        app, ["--db", db, "analyze", "--section", "summary"], env={"COLUMNS": "250"}
    )
    assert "2 tools outside marketing (HR & People: 2)" in text.stdout
    data = json.loads(runner.invoke(app, ["--db", db, "analyze", "--json"]).stdout)
    assert [a["tool"] for a in data["outside_marketing"]] == ["Greenhouse", "Workday"]
    assert "outside marketing" in data["outside_marketing"][0]["reason"]


def test_words_that_name_a_system_outside_marketing_file_it_there_and_say_so(
    inventory: Inventory, tmp_path: Path
) -> None:
    plan = inventory.plan_import(
        _csv(
            tmp_path / "a.csv",
            "Tool,Description\n"
            "PeopleFirst,Payroll and benefits for all staff\n"
            "Acme ABM,Account-based marketing and intent\n"  # not "accounting"
            "Keeper Vault,Password manager\n"
            "Consentio,Cookie consent for privacy and security teams\n",  # "security" alone
        )
    )
    categories = {t.fields.name: t.fields.category for t in plan.tools}
    assert categories == {
        "PeopleFirst": "hr-people",
        "Acme ABM": None,
        "Keeper Vault": "security-identity",
        "Consentio": None,
    }
    assert (
        "row 2: 'PeopleFirst' says 'Payroll': filed under HR & People, outside marketing; "
        "set its category if wrong" in plan.notes
    )
