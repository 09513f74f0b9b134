"""Every screen and the keys that open it, in one place: the app's bindings, the command
palette, the help screen and the tests that press every key all read this table.

A letter opens a screen when no text field has the focus; the function key works while you
type too (a letter typed into a filter is a letter).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScreenKey:
    name: str  # the app's screen name
    label: str
    letter: str
    function: str | None  # a function key that works while typing, for the main screens
    about: str


SCREENS: tuple[ScreenKey, ...] = (
    ScreenKey("dashboard", "Dashboard", "d", "f2", "headline figures and the top findings"),
    ScreenKey("tools", "Tools", "t", "f3", "every tool: filter, sort, open one to decide"),
    ScreenKey("overlaps", "Overlaps", "o", "f4", "tools doing the same job, money at stake"),
    ScreenKey("renewals", "Renewals", "n", "f5", "renewals by the date to decide by"),
    ScreenKey("whatif", "What-if", "w", "f6", "retire or consolidate tools, see the effect"),
    ScreenKey("import", "Import", "m", "f7", "check a spreadsheet, then apply what was shown"),
    ScreenKey("export", "Export", "e", "f8", "the budget-review workbook, map and diagram"),
    ScreenKey("spend", "Spend", "s", "f9", "spend by area, vendor, owner and unit"),
    ScreenKey("licences", "Licences", "l", None, "under-used seats and what they waste"),
    ScreenKey("capabilities", "Capabilities", "c", None, "who provides each capability"),
    ScreenKey("gaps", "Gaps", "g", None, "required capabilities no tool provides"),
    ScreenKey("integrations", "Integrations", "i", None, "silos, hubs, weak points, fragile links"),
    ScreenKey("links", "All integrations", "a", None, "every link: from, to, method, status, data"),
    ScreenKey("history", "History", "h", None, "every change to the catalog, newest first"),
)

# Keys every screen has, for the help screen (the bindings themselves are on the app).
GENERAL: tuple[tuple[str, str], ...] = (
    ("F1 or ?", "this help"),
    ("Ctrl+P", "command palette: any screen, any tool by name"),
    ("/", "move into the screen's text field (filter, path, tools to retire)"),
    ("Esc", "leave a text field; else back (to the dashboard from a main screen)"),
    ("Tab / Shift+Tab", "next / previous field or table"),
    ("Ctrl+R or r", "read the catalog again"),
    ("Ctrl+Q", "quit"),
)

FILTER_HELP = (
    "Tools filter: words match the name; field filters narrow it: area:, vendor:, owner: "
    "(business or technical), status:, decision: (what a person decided), suggested: (the "
    "analysis's suggestion). A value is a prefix or part of the field; quote a value with "
    'spaces: owner:"dana lee". Example: crm status:active owner:"dana lee"'
)
