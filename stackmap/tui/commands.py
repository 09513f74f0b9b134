"""The command palette: jump to any screen, or to any tool by name."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

SCREEN_NAMES = {
    "dashboard": "Dashboard",
    "tools": "Tools",
    "capabilities": "Capabilities",
    "overlaps": "Overlaps",
    "gaps": "Gaps",
    "renewals": "Renewals",
    "integrations": "Integrations",
    "whatif": "What-if",
    "import": "Import",
    "export": "Export",
}


class StackmapCommands(Provider):
    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = self.app
        for name, label in SCREEN_NAMES.items():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(app.action_show, name))  # type: ignore[attr-defined]
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
