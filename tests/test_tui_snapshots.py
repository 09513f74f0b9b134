"""Snapshot tests of the screens at 80x24 and 160x45 (pytest-textual-snapshot). Reviewed before
committing: `pytest tests/test_tui_snapshots.py --snapshot-update` rewrites them; look at the
SVGs in tests/__snapshots__/ before accepting a change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from catalogs import arrange_overlap
from test_tui import settle, shown
from textual.pilot import Pilot
from textual.widgets import DataTable

import stackmap.store.base
from stackmap.inventory import Inventory
from stackmap.tui.app import StackmapApp, create_app
from stackmap.tui.modals import HelpScreen

DAY = date(2027, 1, 1)  # a pinned day: renewals and the dashboard do not age
SIZES = {"80x24": (80, 24), "160x45": (160, 45)}


# When the catalog's history says it was written: the detail screen shows it, and a snapshot
# taken with the real clock would fail on any other day. Noon UTC is that day in any time zone
# within eleven hours of UTC.
WRITTEN = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackmapApp:
    monkeypatch.setattr(stackmap.store.base, "utcnow", lambda: WRITTEN)
    inventory = Inventory.open(str(tmp_path / "catalog.db"), actor="tester")
    arrange_overlap(inventory)
    return create_app(inventory, today=DAY)


def table_filled(app: StackmapApp) -> bool:
    """The screen's first table has rows, and every table on it has measured its columns:
    Textual sizes a table's columns for new rows when the app is next idle, and a snapshot
    taken before then (seen on a loaded machine) shows them cut to their headers' width."""
    tables = app.screen.query(DataTable)
    return (
        bool(tables)
        and tables.first().row_count > 0
        and not any(t._require_update_dimensions or t._updated_cells for t in tables)
    )


async def _open(app: StackmapApp, pilot: Pilot[None], key: str, name: str) -> None:
    await pilot.press(key)
    await settle(app, lambda: app.screen is app.get_screen(name))
    await settle(app, lambda: table_filled(app))


async def dashboard(app: StackmapApp, pilot: Pilot[None]) -> None:
    return None


async def tools(app: StackmapApp, pilot: Pilot[None]) -> None:
    await _open(app, pilot, "t", "tools")
    await settle(app, lambda: "matching" in shown(app, "#count"))


async def detail(app: StackmapApp, pilot: Pilot[None]) -> None:
    app.open_tool("Marketo Engage")
    await settle(app, lambda: "Findings" in shown(app, "#detail-body"))
    await settle(app, lambda: app.screen.query_one("#links", DataTable).row_count == 1)


async def overlaps(app: StackmapApp, pilot: Pilot[None]) -> None:
    await _open(app, pilot, "o", "overlaps")


async def renewals(app: StackmapApp, pilot: Pilot[None]) -> None:
    await _open(app, pilot, "n", "renewals")


async def spend(app: StackmapApp, pilot: Pilot[None]) -> None:
    await _open(app, pilot, "s", "spend")


async def whatif(app: StackmapApp, pilot: Pilot[None]) -> None:
    await pilot.press("w", "slash", *"Marketo Engage", "escape")
    await settle(app, lambda: "Annual savings" in shown(app, "#whatif-body"))


async def help_screen(app: StackmapApp, pilot: Pilot[None]) -> None:
    await pilot.press("f1")
    await settle(app, lambda: isinstance(app.screen, HelpScreen))


SCREENS: dict[str, Callable[[StackmapApp, Pilot[None]], Awaitable[None]]] = {
    "dashboard": dashboard,
    "tools": tools,
    "detail": detail,
    "overlaps": overlaps,
    "renewals": renewals,
    "spend": spend,
    "whatif": whatif,
    "help": help_screen,
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(
    app: StackmapApp, snap_compare: Callable[..., bool], screen: str, size: str
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(app, lambda: "USD" in shown(app, "#fig-spend"))
        await SCREENS[screen](app, pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)
