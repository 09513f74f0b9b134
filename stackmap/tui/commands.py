"""The command palette: jump to any screen (with what it is for), or to any tool by name."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import Hit, Hits, Provider

from stackmap.tui.keys import SCREENS

if TYPE_CHECKING:
    from stackmap.tui.app import StackmapApp

SCREEN_NAMES = {s.name: s.label for s in SCREENS}


class StackmapCommands(Provider):
    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = cast("StackmapApp", self.app)  # Textual types it as any App
        for screen in SCREENS:
            score = max(matcher.match(screen.label), matcher.match(screen.about) * 0.5)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(screen.label),
                    partial(app.action_show, screen.name),
                    help=f"{screen.about} (key {screen.letter}"
                    + (f", {screen.function.upper()})" if screen.function else ")"),
                )
        snapshot = app.snapshot
        if snapshot is None:
            return
        for tool in snapshot.stack.tools:
            score = matcher.match(tool.name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(tool.name),
                    partial(app.open_tool, tool.name),
                    help="Open this tool",
                )
