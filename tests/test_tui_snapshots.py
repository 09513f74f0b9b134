"""Snapshot tests of the main screens (pytest-textual-snapshot). Reviewed before committing:
`pytest tests/test_tui_snapshots.py --snapshot-update` rewrites them; look at the SVGs in
tests/__snapshots__/ before accepting a change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot

from stackmap.inventory import Inventory
from stackmap.tui.app import StackmapApp, create_app
from tests.catalogs import arrange_overlap
from tests.test_tui import names, settle, shown

DAY = date(2027, 1, 1)  # a pinned day: renewals and the dashboard do not age
SIZE = (150, 40)


@pytest.fixture
def app(tmp_path: Path) -> StackmapApp:
    inventory = Inventory.open(str(tmp_path / "catalog.db"), actor="tester")
    arrange_overlap(inventory)
    return create_app(inventory, today=DAY)


def _after(steps: Callable[[StackmapApp], object]) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, StackmapApp)
        await settle(app, lambda: "USD" in shown(app, "#fig-spend"))
        await steps(app)  # type: ignore[misc]
        await pilot.pause()

    return run_before


def test_dashboard_snapshot(app: StackmapApp, snap_compare: Callable[..., bool]) -> None:
    async def nothing(app: StackmapApp) -> None:
        return None

    assert snap_compare(app, terminal_size=SIZE, run_before=_after(nothing))


def test_tools_snapshot(app: StackmapApp, snap_compare: Callable[..., bool]) -> None:
    from textual.widgets import DataTable

    async def tools(app: StackmapApp) -> None:
        await app.run_action("show('tools')")
        await settle(app, lambda: bool(app.screen.query(DataTable)))
        await settle(app, lambda: len(names(app.screen.query_one(DataTable))) == 3)
        app.screen.query_one(DataTable).focus()

    assert snap_compare(app, terminal_size=SIZE, run_before=_after(tools))


def test_tool_detail_snapshot(app: StackmapApp, snap_compare: Callable[..., bool]) -> None:
    async def detail(app: StackmapApp) -> None:
        from textual.widgets import DataTable

        app.open_tool("Marketo Engage")
        await settle(app, lambda: "Findings" in shown(app, "#detail-body"))
        await settle(app, lambda: app.screen.query_one("#links", DataTable).row_count == 1)

    assert snap_compare(app, terminal_size=SIZE, run_before=_after(detail))
