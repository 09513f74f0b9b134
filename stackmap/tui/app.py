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
from stackmap.tui.data import AnalysedStack, analyse_catalog
from stackmap.tui.findings import (
    CapabilitiesScreen,
    ExportScreen,
    GapsScreen,
    HistoryScreen,
    ImportScreen,
    IntegrationsScreen,
    LicencesScreen,
    LinksScreen,
    OverlapsScreen,
    RenewalsScreen,
    SpendScreen,
)
from stackmap.tui.keys import SCREENS
from stackmap.tui.modals import HelpScreen
from stackmap.tui.screens import DashboardScreen, DetailScreen, ToolsScreen, WhatIfScreen


class StackmapApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "stackmap"
    # Screens get the class -narrow below 120 columns (the dashboard's figures then wrap).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012
    # Letters when no text field has the focus (hidden from the footer, listed in the help);
    # function keys and Ctrl chords work while typing too. See keys.SCREENS.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", key_display="F1"),
        *(
            Binding(s.function, f"show('{s.name}')", s.label, priority=True)
            for s in SCREENS
            if s.function
        ),
        *(Binding(s.letter, f"show('{s.name}')", s.label, show=False) for s in SCREENS),
        Binding("ctrl+r", "refresh", "Refresh", priority=True),
        Binding("r", "refresh", "Refresh", show=False),
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
        "spend": SpendScreen,
        "licences": LicencesScreen,
        "history": HistoryScreen,
        "links": LinksScreen,
    }

    def __init__(self, inventory: Inventory, today: date | None = None) -> None:
        super().__init__()
        self.inventory = inventory
        self.today = today  # None: the real today; tests and reviews pin a day
        self.snapshot: AnalysedStack | None = None
        self._catalog: Stack | None = None
        self.generation = 0  # moves on at every change: screens shown again reload if it moved

    def take_snapshot(self) -> AnalysedStack:
        """Read the catalog and analyse it (call from a worker)."""
        return analyse_catalog(self.inventory, self.today)

    def catalog(self) -> Stack:
        """The catalog as last read (read now if not yet): called from workers."""
        if self.snapshot is not None:
            return self.snapshot.stack
        if self._catalog is None:
            self._catalog = self.inventory.stack(self.today)
        return self._catalog

    def remember(self, snapshot: AnalysedStack) -> None:
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
        # From a tool's detail, a form or the help: close them, then go.
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if self.screen is not self.get_screen(name):
            self.switch_screen(name)

    def open_tool(self, name: str) -> None:
        """Show one tool's detail screen."""
        self.push_screen(DetailScreen(name))

    def action_help(self) -> None:
        """Show every key, and this screen's own (F1 or ? again closes it)."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen(self.screen))

    def action_refresh(self) -> None:
        self.forget()
        self.generation += 1
        screen = self.screen
        if hasattr(screen, "reload"):
            screen.reload()

    def changed(self) -> AnalysedStack:
        """The one place a write is followed by: read and analyse the catalog again (call from
        the worker that wrote), so every screen shows it; each screen reloads when shown."""
        self.forget()
        snapshot = self.take_snapshot()
        self.call_from_thread(self._changed, snapshot)
        return snapshot

    def _changed(self, snapshot: AnalysedStack) -> None:
        self.remember(snapshot)
        self.generation += 1


def create_app(inventory: Inventory, today: date | None = None) -> StackmapApp:
    """Return the app on a catalog (the CLI's `stackmap tui` and every test use this)."""
    return StackmapApp(inventory, today)
