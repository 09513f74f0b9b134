"""The terminal UI by keyboard alone, as Textual's pilot presses real keys: every screen key,
focus that never starts in a text field, Esc, the help, decisions by number, questions before
anything destructive, the whole catalog in the tools list, and the budget-review path at 80x24.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from catalogs import arrange_overlap
from test_tui import names, settle, shown
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input

from stackmap.inventory import Inventory
from stackmap.schemas import ContractFields, ToolFields, ToolRecord
from stackmap.tui.app import StackmapApp, create_app
from stackmap.tui.keys import FILTER_HELP, SCREENS
from stackmap.tui.modals import ConfirmScreen, HelpScreen
from stackmap.tui.screens import DetailScreen
from stackmap.views import SpendView

DAY = date(2027, 1, 1)


@pytest.fixture
def inventory(tmp_path: Path) -> Iterator[Inventory]:
    catalog = Inventory.open(str(tmp_path / "catalog.db"), actor="tester")
    arrange_overlap(catalog)
    yield catalog
    catalog.close()


def drive(
    inventory: Inventory,
    steps: Callable[[StackmapApp, Pilot[None]], Awaitable[None]],
    size: tuple[int, int] = (160, 45),
) -> None:
    app = create_app(inventory, today=DAY)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(app, lambda: app.snapshot is not None)
            await steps(app, pilot)

    asyncio.run(main())


def on(app: StackmapApp, name: str) -> bool:
    return app.screen is app.get_screen(name)


def test_every_screen_key_opens_its_screen_and_function_keys_work_while_typing(
    inventory: Inventory,
) -> None:
    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        for screen in SCREENS:
            await pilot.press(screen.letter)
            await settle(app, lambda s=screen: on(app, s.name))  # type: ignore[misc]
            # Never in a text field on arrival: the next key is a screen key, not a letter.
            assert not isinstance(app.focused, Input), screen.name
        await pilot.press("t")
        await settle(app, lambda: on(app, "tools"))
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("d")  # typed into the filter, not the dashboard key
        assert on(app, "tools") and app.focused.value == "d"
        for screen in SCREENS:
            if screen.function:
                await pilot.press("t", "slash") if not on(app, "tools") else None
                await pilot.press(screen.function)
                await settle(app, lambda s=screen: on(app, s.name))  # type: ignore[misc]

    drive(inventory, steps)


def test_esc_leaves_a_field_then_goes_back(inventory: Inventory) -> None:
    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        await pilot.press("w")
        await settle(app, lambda: on(app, "whatif"))
        await pilot.press("slash", *"Marketo Engage")
        await settle(app, lambda: "Annual savings" in shown(app, "#whatif-body"))
        await pilot.press("escape")
        assert on(app, "whatif") and not isinstance(app.focused, Input)
        await pilot.press("escape")
        await settle(app, lambda: on(app, "dashboard"))

    drive(inventory, steps)


def test_the_help_lists_every_key_and_the_filter_syntax(inventory: Inventory) -> None:
    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        await pilot.press("t")
        await settle(app, lambda: on(app, "tools"))
        await pilot.press("f1")
        await settle(app, lambda: isinstance(app.screen, HelpScreen))
        text = shown(app, "#help-text")
        for screen in SCREENS:
            assert f"{screen.label}: {screen.about}" in text
        assert "Next page" in text and "Sort by" not in text  # this screen's own keys
        assert FILTER_HELP.split(":")[0] in text and 'owner:"dana lee"' in text
        await pilot.press("escape")
        await settle(app, lambda: on(app, "tools"))

    drive(inventory, steps)


@pytest.mark.slow
def test_the_budget_review_path_by_keyboard_alone_at_80x24(
    inventory: Inventory, tmp_path: Path
) -> None:
    out = tmp_path / "pack"

    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        # Every headline figure is on the screen at 80x24.
        for key in ("tools", "spend", "at-stake", "waste", "gaps", "renewals"):
            region = app.screen.query_one(f"#fig-{key}").region
            assert region.width > 10 and region.bottom <= 24 and region.right <= 80, key
        assert "USD" in shown(app, "#fig-at-stake")
        await pilot.press("o")  # overlaps
        await settle(app, lambda: on(app, "overlaps"))
        await settle(app, lambda: app.screen.query_one(DataTable).row_count == 1)
        row = [str(c) for c in app.screen.query_one(DataTable).get_row_at(0)]
        assert row[1] == "USD 78,000"  # the money at stake, in a column seen at 80 wide
        await pilot.press("enter")  # the keeper
        await settle(app, lambda: isinstance(app.screen, DetailScreen))
        await settle(app, lambda: "Findings" in shown(app, "#detail-body"))
        keeper = app.screen.tool_name  # type: ignore[attr-defined]
        await pilot.press("slash", *"Keep: most used", "escape", "2")  # 2: invest
        await settle(app, lambda: "Decision: invest" in shown(app, "#detail-body"))
        assert "No finding about this tool." not in shown(app, "#detail-body")
        assert inventory.tool(keeper).decision_note == "Keep: most used"
        await pilot.press("escape")
        await settle(app, lambda: on(app, "overlaps"))
        await pilot.press("n")
        await settle(app, lambda: on(app, "renewals"))
        await settle(app, lambda: app.screen.query_one(DataTable).row_count >= 1)
        await pilot.press("w", "slash", *"Marketo Engage")
        await settle(app, lambda: "Annual savings" in shown(app, "#whatif-body"))
        await pilot.press("escape", "e")
        await settle(app, lambda: on(app, "export"))
        await pilot.press("slash", "ctrl+a", "ctrl+k", *str(out), "escape", "enter")
        await settle(app, lambda: "Stack diagram" in shown(app, "#written"))
        assert (out / "stackmap-review.xlsx").exists()
        # Again: the files are there now, so it asks; n leaves them as they are.
        before = (out / "stackmap-review.xlsx").stat().st_mtime_ns
        button = app.screen.query_one("#export")
        assert app.focused is button
        # A button ignores a second press while it still shows the first (0.2 s).
        await settle(app, lambda: not button.has_class("-active"))
        await pilot.press("enter")
        await settle(app, lambda: "Replace stackmap-review.xlsx" in shown(app, "#question"))
        await pilot.press("n")
        await settle(app, lambda: on(app, "export"))
        assert (out / "stackmap-review.xlsx").stat().st_mtime_ns == before

    drive(inventory, steps, size=(80, 24))


def test_a_decision_shows_everywhere_at_once(inventory: Inventory) -> None:
    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        await pilot.press("t")
        await settle(app, lambda: on(app, "tools"))
        table = app.screen.query_one(DataTable)
        await settle(app, lambda: table.row_count == 3)
        await pilot.press("down", "enter")  # Marketo Engage
        await settle(app, lambda: isinstance(app.screen, DetailScreen))
        await settle(
            app,
            lambda: "(suggested)" in str(app.screen.query_one("#decide-consolidate", Button).label),
        )
        await pilot.press("4")  # eliminate
        await settle(app, lambda: "Decision: eliminate" in shown(app, "#detail-body"))
        await pilot.press("escape")
        await settle(app, lambda: on(app, "tools"))
        await settle(app, lambda: str(table.get_row("Marketo Engage")[3]) == "eliminate")

    drive(inventory, steps)


def test_retiring_in_the_form_asks_first(inventory: Inventory) -> None:
    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        app.open_tool("Marketo Engage")
        await settle(app, lambda: "Findings" in shown(app, "#detail-body"))
        await pilot.press("f")
        await settle(app, lambda: bool(app.screen.query("#edit-status")))
        await settle(app, lambda: app.screen.query_one("#edit-status", Input).value == "active")
        app.screen.query_one("#edit-status", Input).value = "retired"
        await pilot.press("ctrl+s")
        await settle(app, lambda: "Retire Marketo Engage?" in shown(app, "#question"))
        await pilot.press("escape")  # no
        await settle(app, lambda: not isinstance(app.screen, ConfirmScreen))
        assert inventory.tool("Marketo Engage").summary.status == "active"
        await pilot.press("ctrl+s", "y")
        await settle(app, lambda: inventory.tool("Marketo Engage").summary.status == "retired")

    drive(inventory, steps)


@pytest.mark.slow
def test_the_tools_list_covers_the_whole_catalog_a_page_at_a_time(
    inventory: Inventory,
) -> None:
    inventory.load(
        [
            ToolRecord(
                ToolFields(
                    name=f"Tool {i:03d}",
                    vendor="Acme Corp" if i % 2 else "Globex",
                    business_owner="Dana Lee" if i % 3 == 0 else "Sam Roe",
                ),
                ContractFields(annual_cost=Decimal(i * 10), currency="EUR") if i % 4 else None,
            )
            for i in range(1, 451)
        ],
        kind="tools",
        file_name="many.csv",
        sha256="0" * 64,
    )

    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        await pilot.press("t")
        await settle(app, lambda: on(app, "tools"))
        await settle(app, lambda: "of 453 matching" in shown(app, "#count"))
        table = app.screen.query_one(DataTable)
        assert shown(app, "#count").startswith("1 to 200 of 453 matching · 453 tools")
        await pilot.press("right_square_bracket")
        await settle(app, lambda: shown(app, "#count").startswith("201 to 400"))
        assert names(table)[0] == "Tool 198"  # alphabetical, after the three named ones
        await pilot.press("slash", *'vendor:globex owner:"dana lee"', "escape")
        # Even numbers (Globex) that are multiples of 3 (Dana Lee): 6, 12, ... 450.
        await settle(app, lambda: "of 75 matching" in shown(app, "#count"))
        assert shown(app, "#count").startswith("1 to 75")
        assert str(table.get_row("Tool 006")[1]) == "EUR 60"  # in its own currency
        assert str(table.get_row("Tool 012")[1]) == "unknown"  # never a blank or 0

    drive(inventory, steps)


@pytest.mark.parametrize("name", ["spend", "licences", "history", "links"])
def test_the_spend_licences_and_history_screens_list_their_rows(
    inventory: Inventory, name: str
) -> None:
    expected = {
        "spend": "USD 121,200",
        "licences": "Marketo Engage",
        "history": "tool",
        "links": "Salesforce Sales Cloud",
    }

    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        screen = next(s for s in SCREENS if s.name == name)
        await pilot.press(screen.letter)
        await settle(app, lambda: on(app, name))
        table = app.screen.query_one(DataTable)
        await settle(app, lambda: table.row_count > 0)
        cells = [str(c) for i in range(table.row_count) for c in table.get_row_at(i)]
        assert any(expected[name] in c for c in cells), cells[:12]

    drive(inventory, steps)


@pytest.mark.slow
def test_a_what_if_becomes_decisions_and_a_pack(
    inventory: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        await pilot.press("w", "ctrl+d")  # nothing named yet: nothing happens
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("slash", *"Marketo Engage", "tab", *"HubSpot Marketing Hub")
        await settle(app, lambda: "Annual savings" in shown(app, "#whatif-body"))
        await pilot.press("ctrl+d")
        await settle(
            app,
            lambda: (
                "Record consolidate into HubSpot Marketing Hub for Marketo Engage?"
                in shown(app, "#question")
            ),
        )
        await pilot.press("y")
        await settle(
            app, lambda: inventory.tool("Marketo Engage").summary.disposition == "consolidate"
        )
        assert "What-if" in (inventory.tool("Marketo Engage").decision_note or "")
        await pilot.press("ctrl+e")
        pack = tmp_path / "stackmap-output" / "what-if"
        await settle(app, lambda: (pack / "integration-map.html").exists())
        assert "(retired)" in (pack / "integration-map.html").read_text(encoding="utf-8")
        assert (pack / "stackmap-review.xlsx").exists()

    drive(inventory, steps)


def test_the_edit_form_reads_what_the_importer_reads_and_clears_emptied_fields(
    inventory: Inventory,
) -> None:
    from stackmap.tui.screens import EditScreen

    inventory.edit_tool("Marketo Engage", {"notes": "Old note"})

    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        app.open_tool("Marketo Engage")
        await settle(app, lambda: "Findings" in shown(app, "#detail-body"))
        await pilot.press("f")
        await settle(app, lambda: isinstance(app.screen, EditScreen))

        def field(name: str) -> Input:
            return app.screen.query_one(f"#edit-{name}", Input)

        await settle(app, lambda: field("notes").value == "Old note")
        field("annual_cost").value = "$12,600"
        field("renewal_date").value = "31/02/2027"
        field("notes").value = ""
        await pilot.press("ctrl+s")
        await settle(
            app,
            lambda: any(
                "Renewal date: '31/02/2027' no such date" in n.message for n in app._notifications
            ),
        )
        assert isinstance(app.screen, EditScreen)  # nothing saved, still editing
        assert inventory.tool("Marketo Engage").notes == "Old note"
        field("renewal_date").value = "31 Mar 2027"
        await pilot.press("ctrl+s")
        await settle(app, lambda: isinstance(app.screen, DetailScreen))
        detail = inventory.tool("Marketo Engage", today=DAY)
        assert detail.summary.annual_cost == Decimal("12600.00")
        assert detail.summary.renewal_date == date(2027, 3, 31)
        assert detail.notes is None
        await settle(app, lambda: "annual cost" in shown(app, "#detail-body"))  # in history
        await pilot.press("d")  # the dashboard shows the new cost without a refresh
        await settle(app, lambda: "USD 55,800" in shown(app, "#fig-spend"))

    drive(inventory, steps)


@pytest.mark.slow
def test_a_spend_report_is_imported_by_keyboard_with_a_question_first(
    inventory: Inventory,
) -> None:
    from catalogs import SAMPLES

    report = SAMPLES / "ap-spend-report.csv"

    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        await pilot.press("m")
        await settle(app, lambda: on(app, "import"))
        await pilot.press("slash", *str(report), "tab", "space", "tab", "enter")
        await settle(app, lambda: "Would write" in shown(app, "#plan"))
        assert "spend" in shown(app, "#plan")

        def spent() -> list[SpendView]:
            return [s for t in inventory.tools() for s in inventory.tool(t.name).spend]

        assert spent() == []
        await pilot.press("tab", "enter")  # Apply
        await settle(app, lambda: "into the catalog: " in shown(app, "#question"))
        assert spent() == []  # asked, not written
        await pilot.press("y")
        await settle(app, lambda: "Imported" in shown(app, "#plan"))
        assert spent()

    drive(inventory, steps)


def _keys(screen: object) -> list[str]:
    """Every key bound on a screen (its own and inherited), each once."""
    from textual.binding import Binding

    keys: list[str] = []
    for cls in type(screen).__mro__:
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding):
                keys += [k.strip() for k in binding.key.split(",")]
    return list(dict.fromkeys(keys))


@pytest.mark.slow
def test_every_binding_on_every_screen_does_something_and_nothing_breaks(
    inventory: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the export keys write into the working folder

    async def back_to(app: StackmapApp, pilot: Pilot[None], name: str) -> None:
        while isinstance(app.screen, (ConfirmScreen, HelpScreen)):
            await pilot.press("escape")
        if not on(app, name):
            app.action_show(name)
        await settle(app, lambda: on(app, name))

    async def steps(app: StackmapApp, pilot: Pilot[None]) -> None:
        app_keys = _keys(app)
        assert "f1" in app_keys and all(s.letter in app_keys for s in SCREENS)
        pressed = 0
        for screen in SCREENS:
            await back_to(app, pilot, screen.name)
            for key in [*_keys(app.screen), "f1", "ctrl+r"]:
                await pilot.press(key)
                await settle(app, lambda: True)
                pressed += 1
                errors = [n.message for n in app._notifications if n.severity == "error"]
                assert not errors and app.is_running, (screen.name, key, errors)
                if isinstance(app.focused, Input):  # "/" entered a field: leave it again
                    await pilot.press("escape")
                await back_to(app, pilot, screen.name)
        # A tool's detail and its form: every key there too.
        app.open_tool("Marketo Engage")
        await settle(app, lambda: "Findings" in shown(app, "#detail-body"))
        for key in _keys(app.screen):
            if key in ("escape", "f"):
                continue
            await pilot.press(key)
            await settle(app, lambda: True)
            pressed += 1
            assert not [n for n in app._notifications if n.severity == "error"], key
            if isinstance(app.focused, Input):
                await pilot.press("escape")
        await pilot.press("f")
        await settle(app, lambda: bool(app.screen.query("#edit-notes")))
        await pilot.press("ctrl+s")  # nothing changed: says so
        await settle(app, lambda: any("Nothing changed" in n.message for n in app._notifications))
        assert pressed > 60

    drive(inventory, steps)
