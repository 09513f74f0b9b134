"""The command palette: jump to any screen (with what it is for), or to any tool by name."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from stackmap.tui.keys import SCREENS

SCREEN_NAMES = {s.name: s.label for s in SCREENS}


class StackmapCommands(Provider):
    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = self.app
        for screen in SCREENS:
            score = max(matcher.match(screen.label), matcher.match(screen.about) * 0.5)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(screen.label),
                    partial(app.action_show, screen.name),  # type: ignore[attr-defined]
                    help=f"{screen.about} (key {screen.letter}"
                    + (f", {screen.function.upper()})" if screen.function else ")"),
                )
        snapshot = getattr(app, "snapshot", None)
        if snapshot is None:
            return
        for tool in snapshot.stack.tools:
            score = matcher.match(tool.name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(tool.name),
                    partial(app.open_tool, tool.name),  # type: ignore[attr-defined]
                    help="Open this tool",
                )
