"""The terminal UI, driven by Textual's own pilot against a real catalog: browse → detail →
decide → what-if; waiting on state, never on sleeps."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from catalogs import arrange_overlap
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Static
from textual.worker import WorkerCancelled, WorkerFailed

from stackmap.inventory import Inventory
from stackmap.schemas import ToolFields
from stackmap.tui.app import StackmapApp, create_app
from stackmap.tui.screens import DashboardScreen, DetailScreen, ToolsScreen, WhatIfScreen

SIZE = (150, 45)


@pytest.fixture
def inventory(tmp_path: Path) -> Iterator[Inventory]:
    catalog = Inventory.open(str(tmp_path / "catalog.db"), actor="tester")
    arrange_overlap(catalog)
    catalog.add_tool(ToolFields(name="Tool [/x]", business_owner="[red]Mallory[/red]"))
    yield catalog
    catalog.close()


PILOTS: dict[int, Pilot[None]] = {}  # the pilot driving each app under test


def run(
    test: Callable[[StackmapApp], Awaitable[None]],
    inventory: Inventory,
    size: tuple[int, int] = SIZE,
) -> None:
    app = create_app(inventory)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            PILOTS[id(app)] = pilot
            await pilot.pause()
            await test(app)

    asyncio.run(main())


async def press(app: StackmapApp, *keys: str) -> None:
    """Press real keys, as a person would."""
    await PILOTS[id(app)].press(*keys)


async def confirm(app: StackmapApp, expect: str) -> None:
    """Wait for the question before a destructive step, check it, and answer y."""
    from stackmap.tui.modals import ConfirmScreen

    await settle(app, lambda: isinstance(app.screen, ConfirmScreen))
    await settle(app, lambda: expect in shown(app, "#question"))
    await press(app, "y")


async def settle(app: StackmapApp, check: Callable[[], bool]) -> None:
    """Wait for the workers, then until check() holds (bounded, never a fixed sleep)."""
    for _ in range(200):
        with contextlib.suppress(WorkerFailed, WorkerCancelled):  # the app reports these
            await app.workers.wait_for_complete()
        await asyncio.sleep(0)
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the UI never reached the expected state")


def names(table: DataTable) -> list[str]:  # type: ignore[type-arg]
    """The tool names a table shows, top to bottom."""
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def shown(app: StackmapApp, selector: str) -> str:
    """The text a Static shows, or "" while the screen is still composing."""
    found = app.screen.query(selector)
    if not found:
        return ""
    renderable = found.first(Static).render()
    return renderable.plain if isinstance(renderable, Text) else str(renderable)


def test_the_dashboard_shows_the_headline_numbers(inventory: Inventory) -> None:
    async def check(app: StackmapApp) -> None:
        assert isinstance(app.screen, DashboardScreen)
        await settle(app, lambda: "USD" in shown(app, "#fig-spend"))
        assert "USD 121,200" in shown(app, "#fig-spend")
        assert "Tools in use\n4" in shown(app, "#fig-tools")
        assert "HubSpot Marketing Hub" in shown(app, "#top-overlaps")

    run(check, inventory)


def test_browse_filter_open_a_tool_and_record_a_decision(inventory: Inventory) -> None:
    async def check(app: StackmapApp) -> None:
        await settle(app, lambda: app.snapshot is not None)
        await app.run_action("show('tools')")
        await settle(app, lambda: isinstance(app.screen, ToolsScreen))
        await settle(app, lambda: bool(app.screen.query(DataTable)))
        table = app.screen.query_one(DataTable)
        await settle(app, lambda: table.row_count == 4)
        # User data with markup is shown as typed, not parsed.
        assert table.get_row("Tool [/x]")[0] == Text("Tool [/x]")
        app.screen.query_one("#filter", Input).value = "marketo"
        await settle(app, lambda: names(table) == ["Marketo Engage"])
        table.focus()
        table.action_select_cursor()  # what Enter does on the table
        await settle(app, lambda: isinstance(app.screen, DetailScreen))
        await settle(app, lambda: bool(app.screen.query("#detail-body")))
        await settle(app, lambda: "Marketo Engage" in shown(app, "#detail-body"))
        body = shown(app, "#detail-body")
        assert "Consolidate" in body and "does the same job as HubSpot Marketing Hub" in body
        app.screen.query_one("#note", Input).value = "Overlaps HubSpot"
        app.screen.query_one("#decide-eliminate", Button).press()
        await settle(app, lambda: "Decision: eliminate" in shown(app, "#detail-body"))
        assert inventory.tool("Marketo Engage").summary.disposition == "eliminate"

    run(check, inventory)


def test_the_what_if_screen_updates_as_you_type(inventory: Inventory) -> None:
    async def check(app: StackmapApp) -> None:
        await settle(app, lambda: app.snapshot is not None)
        await app.run_action("show('whatif')")
        await settle(app, lambda: isinstance(app.screen, WhatIfScreen))
        await settle(app, lambda: bool(app.screen.query("#retire")))
        retire = app.screen.query_one("#retire", Input)
        retire.value = "Nope"
        await settle(app, lambda: "no tool named 'Nope'" in shown(app, "#whatif-body"))
        retire.value = "Marketo Engage"
        await settle(app, lambda: "Annual savings" in shown(app, "#whatif-body"))
        body = shown(app, "#whatif-body")
        assert "USD 78,000" in body and "Alicia Gomez" in body

    run(check, inventory)


def test_a_failing_worker_is_a_notification_not_a_crash(inventory: Inventory) -> None:
    async def check(app: StackmapApp) -> None:
        await settle(app, lambda: app.snapshot is not None)
        app.push_screen(DetailScreen("No such tool"))
        await settle(app, lambda: any("no tool named" in n.message for n in app._notifications))
        assert app.is_running

    run(check, inventory)


def test_finding_screens_list_their_items_and_explain_the_selected_one(
    inventory: Inventory,
) -> None:
    from stackmap.tui.findings import CapabilitiesScreen, OverlapsScreen, RenewalsScreen

    async def check(app: StackmapApp) -> None:
        await settle(app, lambda: app.snapshot is not None)
        await app.run_action("show('overlaps')")
        await settle(app, lambda: isinstance(app.screen, OverlapsScreen))
        await settle(app, lambda: bool(app.screen.query(DataTable)))
        table = app.screen.query_one(DataTable)
        await settle(app, lambda: table.row_count == 1)
        table.focus()
        await settle(app, lambda: "Keep HubSpot Marketing Hub" in shown(app, "#why"))
        table.action_select_cursor()
        await settle(app, lambda: isinstance(app.screen, DetailScreen))
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.tool_name == "HubSpot Marketing Hub"
        await settle(app, lambda: "HubSpot Marketing Hub" in shown(app, "#detail-body"))
        app.pop_screen()
        await settle(app, lambda: isinstance(app.screen, OverlapsScreen))
        await app.run_action("show('renewals')")
        await settle(app, lambda: isinstance(app.screen, RenewalsScreen))
        await settle(app, lambda: bool(app.screen.query(DataTable)))
        renewals = app.screen.query_one(DataTable)
        await settle(app, lambda: renewals.row_count >= 1)
        assert renewals.get_row_at(0)[1] == Text("Marketo Engage")
        await app.run_action("show('capabilities')")
        await settle(app, lambda: isinstance(app.screen, CapabilitiesScreen))
        await settle(app, lambda: bool(app.screen.query(DataTable)))
        capabilities = app.screen.query_one(DataTable)
        await settle(
            app,
            lambda: (
                app.snapshot is not None
                and capabilities.row_count == len(app.snapshot.stack.reference.capabilities)
            ),
        )

    run(check, inventory)


def test_the_export_screen_writes_the_workbook_map_and_diagram(
    inventory: Inventory, tmp_path: Path
) -> None:
    from stackmap.tui.findings import ExportScreen

    async def check(app: StackmapApp) -> None:
        await app.run_action("show('export')")
        await settle(app, lambda: isinstance(app.screen, ExportScreen))
        await settle(app, lambda: bool(app.screen.query("#export")))
        app.screen.query_one("#folder", Input).value = str(tmp_path / "out")
        app.screen.query_one("#export", Button).press()
        await settle(app, lambda: "Stack diagram" in shown(app, "#written"))
        assert not app.screen.query_one("#open-map").disabled

    run(check, inventory)
    for name in ("stackmap-review.xlsx", "integration-map.html", "stack-diagram.html"):
        assert (tmp_path / "out" / name).is_file()


def test_the_command_palette_finds_screens_and_tools(inventory: Inventory) -> None:
    from textual.command import Hit

    from stackmap.tui.commands import StackmapCommands

    async def check(app: StackmapApp) -> None:
        await settle(app, lambda: app.snapshot is not None)
        provider = StackmapCommands(app.screen)
        hits = [h async for h in provider.search("marketo")]
        assert any(isinstance(h, Hit) and "Marketo" in str(h.match_display) for h in hits)
        screens = [h async for h in provider.search("renew")]
        assert screens
        screens[0].command()
        await settle(app, lambda: type(app.screen).__name__ == "RenewalsScreen")

    run(check, inventory)


def test_the_tools_filter_takes_field_filters(inventory: Inventory) -> None:
    inventory.add_tool(ToolFields(name="Old Portal", status="retired", business_owner="Sam"))

    async def check(app: StackmapApp) -> None:
        await app.run_action("show('tools')")
        await settle(app, lambda: bool(app.screen.query(DataTable)))
        table = app.screen.query_one(DataTable)
        await settle(app, lambda: table.row_count == 5)
        box = app.screen.query_one("#filter", Input)
        box.value = "status:retired"
        await settle(app, lambda: names(table) == ["Old Portal"])
        box.value = "owner:alicia"
        await settle(app, lambda: names(table) == ["Marketo Engage"])
        box.value = "marketing area:process"
        await settle(app, lambda: names(table) == [])
        box.value = "marketing area:exec"
        await settle(app, lambda: names(table) == ["HubSpot Marketing Hub"])

    run(check, inventory)


def test_the_import_screen_shows_the_diff_then_applies_it(inventory: Inventory) -> None:
    from stackmap.tui.findings import ImportScreen

    sample = Path(__file__).resolve().parent.parent / "imports" / "saas-management-export.csv"

    async def check(app: StackmapApp) -> None:
        await app.run_action("show('import')")
        await settle(app, lambda: isinstance(app.screen, ImportScreen))
        await settle(app, lambda: bool(app.screen.query("#path")))
        app.screen.query_one("#path", Input).value = str(sample)
        app.screen.query_one("#check", Button).press()
        await settle(app, lambda: "Would write" in shown(app, "#plan"))
        assert "columns:" in shown(app, "#plan")
        assert len(inventory.tools()) == 4  # a dry run writes nothing
        app.screen.query_one("#apply", Button).press()
        await confirm(app, "into the catalog: ")
        await settle(app, lambda: "Imported" in shown(app, "#plan"))
        assert len(inventory.tools()) > 4

    run(check, inventory)


def test_dashboard_items_open_their_screen_and_integrations_lead_to_the_other_tool(
    inventory: Inventory,
) -> None:
    from stackmap.tui.findings import OverlapsScreen

    app = create_app(inventory)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, lambda: "USD" in shown(app, "#fig-at-stake"))
            await pilot.click("#fig-at-stake")  # a real mouse click on the figure
            await settle(app, lambda: isinstance(app.screen, OverlapsScreen))
            app.open_tool("HubSpot Marketing Hub")
            await settle(app, lambda: isinstance(app.screen, DetailScreen))
            await settle(app, lambda: bool(app.screen.query("#links")))
            links = app.screen.query_one("#links", DataTable)
            await settle(app, lambda: links.row_count == 1)
            assert str(links.get_row_at(0)[1]) == "Salesforce Sales Cloud"
            links.focus()
            links.action_select_cursor()
            await settle(
                app,
                lambda: (
                    isinstance(app.screen, DetailScreen)
                    and app.screen.tool_name == "Salesforce Sales Cloud"
                ),
            )

    asyncio.run(main())


def test_editing_fields_saves_only_what_changed_and_refuses_bad_values(
    inventory: Inventory,
) -> None:
    from stackmap.tui.screens import EditScreen

    async def check(app: StackmapApp) -> None:
        app.open_tool("Marketo Engage")
        await settle(app, lambda: isinstance(app.screen, DetailScreen))
        await app.run_action("screen.edit")
        await settle(app, lambda: isinstance(app.screen, EditScreen))
        await settle(app, lambda: bool(app.screen.query("#edit-notice_days")))
        notice = app.screen.query_one("#edit-notice_days", Input)
        await settle(app, lambda: notice.value == "60")
        notice.value = "sixty"
        app.screen.query_one("#save", Button).press()
        await settle(app, lambda: any("sixty" in n.message for n in app._notifications))
        assert isinstance(app.screen, EditScreen)  # nothing saved, still editing
        notice.value = "90"
        app.screen.query_one("#edit-notes", Input).value = "Renegotiate"
        app.screen.query_one("#save", Button).press()
        await settle(app, lambda: isinstance(app.screen, DetailScreen))
        detail = inventory.tool("Marketo Engage")
        assert detail.notes == "Renegotiate"
        assert detail.summary.notice_days == 90
        assert detail.summary.owner == "Alicia Gomez"  # untouched fields stay

    run(check, inventory)


def test_sorting_by_click_or_key_keeps_unknown_costs_last_both_ways(
    inventory: Inventory,
) -> None:
    app = create_app(inventory)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await app.run_action("show('tools')")
            await settle(app, lambda: bool(app.screen.query(DataTable)))
            table = app.screen.query_one(DataTable)
            await settle(app, lambda: table.row_count == 4)
            known = ["HubSpot Marketing Hub", "Marketo Engage"]  # 43,200 and 78,000
            cost = list(table.columns)[1]
            table.post_message(DataTable.HeaderSelected(table, cost, 1, Text("Annual cost")))
            await settle(app, lambda: str(table.columns[cost].label) == "2 Annual cost ▲")
            await settle(app, lambda: "sorted by annual cost" in shown(app, "#count"))
            assert names(table)[:2] == known
            await pilot.press("2")  # the same column by its number: reversed
            await settle(app, lambda: names(table)[:2] == known[::-1])
            assert str(table.columns[cost].label) == "2 Annual cost ▼"
            unknown = [t.name for t in inventory.tools() if t.annual_cost is None]
            assert set(names(table)[2:]) == set(unknown)  # blanks last, reversed or not
            # The sort survives typing a filter and a refresh.
            app.screen.query_one("#filter", Input).value = "m"
            await settle(app, lambda: "matching" in shown(app, "#count"))
            await pilot.press("ctrl+r")
            await settle(app, lambda: "sorted by annual cost (descending)" in shown(app, "#count"))
            assert app.screen.query_one("#filter", Input).value == "m"

    asyncio.run(main())


def test_the_integrations_screen_shows_the_selected_tool_s_neighbours(
    inventory: Inventory,
) -> None:
    from stackmap.tui.findings import IntegrationsScreen

    async def check(app: StackmapApp) -> None:
        await settle(app, lambda: app.snapshot is not None)
        await app.run_action("show('integrations')")
        await settle(app, lambda: isinstance(app.screen, IntegrationsScreen))
        await settle(app, lambda: bool(app.screen.query(DataTable)))
        table = app.screen.query_one(DataTable)
        await settle(app, lambda: table.row_count > 0)
        table.focus()
        row = next(
            i
            for i in range(table.row_count)
            if str(table.get_row_at(i)[1]) == "Salesforce Sales Cloud"
        )
        table.move_cursor(row=row)
        await settle(
            app,
            lambda: "receives from: HubSpot Marketing Hub, Marketo Engage" in shown(app, "#why"),
        )

    run(check, inventory)


def test_apply_writes_the_checked_file_not_whatever_the_field_now_names(
    inventory: Inventory, tmp_path: Path
) -> None:
    from stackmap.tui.findings import ImportScreen

    checked = tmp_path / "checked.csv"
    checked.write_text("Tool,Annual cost\nCanva,$3000\n", encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("Tool,Status\nSalesforce,retired\n", encoding="utf-8")

    async def check(app: StackmapApp) -> None:
        await app.run_action("show('import')")
        await settle(app, lambda: isinstance(app.screen, ImportScreen))
        await settle(app, lambda: bool(app.screen.query("#path")))
        app.screen.query_one("#path", Input).value = str(checked)
        app.screen.query_one("#check", Button).press()
        await settle(app, lambda: "Would write" in shown(app, "#plan"))
        app.screen.query_one("#path", Input).value = str(other)  # typed after the check
        app.screen.query_one("#apply", Button).press()
        await confirm(app, "checked.csv into the catalog: 1 tool added?")
        await settle(app, lambda: "Imported" in shown(app, "#plan"))
        assert "Canva" in {t.name for t in inventory.tools()}
        assert all(t.status != "retired" for t in inventory.tools())

    run(check, inventory)
