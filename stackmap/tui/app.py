"""The Textual app: the factory the CLI and the tests use, the screens, the bindings.

Screens own their handlers; every catalog read, analysis and write runs in a thread worker
that calls the application API and hands the result back to the UI thread, so the interface
never blocks. User data is always rendered as plain Text: a tool named "[red]x" shows as typed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from stackmap.analysis import Stack
from stackmap.inventory import Inventory
from stackmap.tui.commands import StackmapCommands
from stackmap.tui.data import Snapshot, take_snapshot
from stackmap.tui.findings import (
    CapabilitiesScreen,
    ExportScreen,
    GapsScreen,
    ImportScreen,
    IntegrationsScreen,
    OverlapsScreen,
    RenewalsScreen,
)
from stackmap.tui.screens import DashboardScreen, DetailScreen, ToolsScreen, WhatIfScreen


class StackmapApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "stackmap"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "show('dashboard')", "Dashboard"),
        Binding("t", "show('tools')", "Tools"),
        Binding("c", "show('capabilities')", "Capabilities"),
        Binding("o", "show('overlaps')", "Overlaps"),
        Binding("g", "show('gaps')", "Gaps"),
        Binding("n", "show('renewals')", "Renewals"),
        Binding("i", "show('integrations')", "Integrations"),
        Binding("w", "show('whatif')", "What-if"),
        Binding("m", "show('import')", "Import"),
        Binding("e", "show('export')", "Export"),
        Binding("r", "refresh", "Refresh"),
        Binding("question_mark", "help", "Keys"),
    ]
    COMMANDS = App.COMMANDS | {StackmapCommands}
    SCREENS: ClassVar[dict[str, Callable[[], Screen[Any]]]] = {
        "dashboard": DashboardScreen,
        "tools": ToolsScreen,
        "capabilities": CapabilitiesScreen,
        "overlaps": OverlapsScreen,
        "gaps": GapsScreen,
        "renewals": RenewalsScreen,
        "integrations": IntegrationsScreen,
        "whatif": WhatIfScreen,
        "import": ImportScreen,
        "export": ExportScreen,
    }

    def __init__(self, inventory: Inventory, today: date | None = None) -> None:
        super().__init__()
        self.inventory = inventory
        self.today = today  # None: the real today; tests and reviews pin a day
        self.snapshot: Snapshot | None = None
        self._catalog: Stack | None = None

    def take_snapshot(self) -> Snapshot:
        """Read the catalog and analyse it (call from a worker)."""
        return take_snapshot(self.inventory, self.today)

    def catalog(self) -> Stack:
        """The catalog as last read (read now if not yet): called from workers."""
        if self.snapshot is not None:
            return self.snapshot.stack
        if self._catalog is None:
            self._catalog = self.inventory.stack(self.today)
        return self._catalog

    def remember(self, snapshot: Snapshot) -> None:
        """Keep a snapshot and its analysis for every screen.

        A 20,000-tool snapshot is millions of long-lived objects; freezing them takes them out
        of the garbage collector's full passes, which would otherwise stall a keystroke for a
        tenth of a second now and then.
        """
        self.snapshot = snapshot
        gc.freeze()

    def forget(self) -> None:
        """Drop what was read: the next screen reads the catalog again."""
        self.snapshot = None
        self._catalog = None
        gc.unfreeze()

    def on_mount(self) -> None:
        self.push_screen("dashboard")

    def action_show(self, name: str) -> None:
        if self.screen is not self.get_screen(name):
            self.switch_screen(name)

    def open_tool(self, name: str) -> None:
        """Show one tool's detail screen."""
        self.push_screen(DetailScreen(name))

    def action_help(self) -> None:
        """Show the keys of the current screen (Textual's keys panel)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_refresh(self) -> None:
        self.forget()
        screen = self.screen
        if hasattr(screen, "reload"):
            screen.reload()


def create_app(inventory: Inventory, today: date | None = None) -> StackmapApp:
    """Return the app on a catalog (the CLI's `stackmap tui` and every test use this)."""
    return StackmapApp(inventory, today)
