"""The screens: dashboard, tools, tool detail (with decisions), what-if."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from stackmap.analysis import Stack, ToolFacts, WhatIf, what_if
from stackmap.analysis.stack import main_area
from stackmap.domain import Disposition
from stackmap.errors import StackmapError
from stackmap.outcomes import short
from stackmap.text import IN_A_CELL, and_more, first
from stackmap.text import money as written
from stackmap.tui.data import AnalysedStack
from stackmap.tui.modals import ConfirmScreen
from stackmap.views import ToolDetail

if TYPE_CHECKING:
    from stackmap.tui.app import StackmapApp


def money(amount: Decimal | None, currency: str | None) -> str:
    """An amount in a table cell: "USD 12,600", or "—" when unknown."""
    return written(amount, currency, IN_A_CELL)


class Base(Screen[None]):
    """Shared by the screens: keys that leave a text field and enter one, the catalog shown
    as it is when a screen comes back, and failed workers as notifications, never a crash."""

    # A screen opens with the focus on its table or first button, never in a text field, so
    # the screen keys work at once; "/" moves into the field.
    AUTO_FOCUS = "DataTable, Button"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back", key_display="Esc"),
        Binding("slash", "type", "Type", key_display="/"),
    ]
    seen = -1  # the app's generation this screen last read

    @property
    def stackmap(self) -> StackmapApp:
        """The app with its catalog and analysis, typed (Textual types `app` as any App)."""
        return cast("StackmapApp", self.app)

    def action_leave(self) -> None:
        """Esc: out of a text field; else back from a tool or form; else to the dashboard."""
        if isinstance(self.focused, Input):
            targets = self.query(self.AUTO_FOCUS or "DataTable")
            self.set_focus(targets.first() if targets else None)
        elif len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        elif self.app.screen is not self.app.get_screen("dashboard"):
            self.stackmap.action_show("dashboard")

    def action_type(self) -> None:
        fields = self.query(Input)
        if fields:
            fields.first().focus()

    def on_screen_resume(self) -> None:
        # Shown again after a change elsewhere (an edit, a decision, an import): read again.
        generation: int = self.stackmap.generation
        if self.seen != -1 and self.seen != generation:
            self.refresh_data()

    def refresh_data(self) -> None:
        """Show the catalog as it is now (screens that show data override this)."""
        self.seen = self.stackmap.generation
        reload = getattr(self, "reload", None)
        if reload is not None:
            reload()

    def mark_seen(self) -> None:
        self.seen = self.stackmap.generation

    def write_files(self, folder: Path, names: Sequence[str], write: Callable[[], object]) -> None:
        """Call write, first asking when it would replace files already in folder."""
        there = [name for name in names if (folder / name).exists()]
        if not there:
            write()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                write()
            else:
                self.notify("Nothing written.")

        question = f"Replace {', '.join(there)} in {folder}? The files there now are lost."
        self.app.push_screen(ConfirmScreen(question, "Replace"), answer)

    def snapshot(self) -> AnalysedStack:
        """The app's snapshot, taken now if there is none (call from a worker)."""
        snapshot: AnalysedStack | None = self.stackmap.snapshot
        if snapshot is None:
            snapshot = self.stackmap.take_snapshot()
            self.app.call_from_thread(self.stackmap.remember, snapshot)
        return snapshot

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            message = str(error) if isinstance(error, StackmapError) else describe(error)
            self.notify(message, title="stackmap", severity="error")


def describe(error: BaseException) -> str:
    """An unexpected error in words, not as a Python repr: "File exists: 'out/x.xlsx'"."""
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error) or type(error).__name__


class DashboardScreen(Base):
    """The headline numbers and the top items of each finding."""

    def compose(self) -> ComposeResult:
        yield Static("Reading the catalog…", id="status")
        with Grid(id="figures"):
            for key in ("tools", "spend", "at-stake", "waste", "gaps", "renewals"):
                yield Static("", id=f"fig-{key}", classes="figure")
        with Horizontal():
            yield Static("", id="top-overlaps", classes="panel")
            yield Static("", id="top-renewals", classes="panel")
            yield Static("", id="top-gaps", classes="panel")
        yield Footer()

    # Each figure and panel opens the screen with the details behind it.
    TARGETS: ClassVar[dict[str, str]] = {
        "fig-tools": "tools",
        "fig-spend": "tools",
        "fig-at-stake": "overlaps",
        "fig-waste": "tools",
        "fig-gaps": "gaps",
        "fig-renewals": "renewals",
        "top-overlaps": "overlaps",
        "top-renewals": "renewals",
        "top-gaps": "gaps",
    }

    def on_mount(self) -> None:
        self.reload()

    def on_click(self, event: events.Click) -> None:
        target = self.TARGETS.get(getattr(event.widget, "id", None) or "")
        if target:
            self.stackmap.action_show(target)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        self.app.call_from_thread(self.show, self.snapshot())

    def show(self, snapshot: AnalysedStack) -> None:
        self.mark_seen()
        a = snapshot.analysis
        cur = a.currency
        figures = {
            "tools": f"Tools in use\n{a.tools_in_use}",
            "spend": f"Annual spend\n{money(a.spend.total, cur)}",
            "at-stake": f"At stake in overlaps\n{money(a.at_stake, cur)}",
            "waste": f"Unused licences\n{_waste(a.wasted, a.possible_waste, cur)}",
            "gaps": f"Gaps\n{len(a.gaps)}",
            "renewals": f"Renewals due\n{a.renewals_due}",
        }
        for key, value in figures.items():
            self.query_one(f"#fig-{key}", Static).update(Text(value, justify="center"))
        self.query_one("#status", Static).update(
            Text(f"As of {a.as_of} · {a.maturity.name} maturity (technology only)")
        )
        self._panel(
            "#top-overlaps",
            "Overlaps (o)",
            [f"{o.keeper} + {len(o.tools) - 1}: {money(o.at_stake, cur)}" for o in a.overlaps],
        )
        self._panel(
            "#top-renewals",
            "Renewals by decide-by date (n)",
            [
                f"{(r.decide_by or r.renewal_date or '—')!s} {r.tool} ({r.status})"
                for r in a.renewals
            ],
        )
        self._panel("#top-gaps", "Gaps (g)", [g.why for g in a.gaps])

    def _panel(self, selector: str, title: str, lines: list[str]) -> None:
        text = Text(title + "\n", style="bold")
        shown, left_out = first(lines, 8)
        for line in shown:
            text.append("• " + line + "\n", style="")
        if left_out:
            text.append(and_more(left_out) + "\n", style="dim")
        if not lines:
            text.append("none\n", style="dim")
        self.query_one(selector, Static).update(text)


def _waste(known: Decimal, possible: Decimal, currency: str) -> str:
    """Idle seats' cost: what is known, and what it would be where pricing is not recorded."""
    if possible and not known:
        return f"{money(possible, currency)} if per seat"
    if possible:
        return f"{money(known, currency)} (+{possible:,.0f} if per seat)"
    return money(known, currency)


FILTERS = ("area", "vendor", "owner", "status", "decision", "suggested")
PAGE = 200  # rows the table holds at once; [ and ] move through the pages


def parse_filter(text: str) -> tuple[str, dict[str, str]]:
    """Split 'hub owner:"dana lee" status:active' into the name words and the field filters
    (a value with spaces in double quotes)."""
    try:
        tokens = shlex.split(text)
    except ValueError:  # an open quote while typing: read it as if closed
        try:
            tokens = shlex.split(text + '"')
        except ValueError:
            tokens = text.split()
    words, fields = [], {}
    for token in tokens:
        key, _, value = token.partition(":")
        if value and key.casefold() in FILTERS:
            fields[key.casefold()] = value.casefold()
        else:
            words.append(token)
    return " ".join(words).casefold(), fields


def matches(
    tool: ToolFacts, fields: dict[str, str], stack: Stack, suggested: dict[str, str]
) -> bool:
    """Whether a tool passes the field filters (each a prefix or part of the value)."""
    for key, value in fields.items():
        if key == "status" and not tool.status.startswith(value):
            return False
        if key == "decision" and not (tool.disposition or "none").startswith(value):
            return False
        if key == "suggested" and not suggested.get(tool.name, "none").startswith(value):
            return False
        if key == "owner" and value not in " | ".join(tool.owners).casefold():
            return False
        if key == "vendor" and value not in (tool.vendor or "").casefold():
            return False
        if key == "area":
            area = main_area(tool, stack.reference) or "none"
            if not area.startswith(value):
                return False
    return True


@dataclass(frozen=True)
class ToolColumn:
    label: str
    width: int
    key: Callable[[ToolFacts, Stack], Any]  # None sorts last, whichever the direction


def _seats(tool: ToolFacts, stack: Stack) -> str | None:
    cost = stack.costs[tool.id]
    if not cost.seats_purchased:
        return None
    active = "?" if cost.seats_active is None else str(cost.seats_active)
    return f"{active}/{cost.seats_purchased}"


def own_amount(tool: ToolFacts, stack: Stack) -> str:
    """The annual cost as the contracts state it: in their own currency when they all use one
    other than the base; "unknown" when it is not known (never a blank)."""
    cost = stack.costs[tool.id]
    paid = [p.contract for p in cost.paid]
    currencies = {c.currency or stack.base_currency for c in paid}
    if len(currencies) == 1 and paid and all(c.annual_cost is not None for c in paid):
        currency = currencies.pop()
        if currency != stack.base_currency:
            return money(sum((c.annual_cost or Decimal(0) for c in paid), Decimal(0)), currency)
    if cost.annual is None:
        return "unknown"
    return money(cost.annual, stack.base_currency)


# What a budget review reads first comes first, so 80 columns show it without scrolling.
COLUMNS = (
    ToolColumn("Tool", 26, lambda t, s: t.name.casefold()),
    ToolColumn("Annual cost", 14, lambda t, s: s.costs[t.id].annual),
    ToolColumn("Renewal", 10, lambda t, s: s.costs[t.id].renewal_date),
    ToolColumn("Decision", 11, lambda t, s: t.disposition),
    ToolColumn("Status", 10, lambda t, s: t.status),
    ToolColumn("Owner", 18, lambda t, s: " ".join(t.owners).casefold() or None),
    ToolColumn("Vendor", 18, lambda t, s: (t.vendor or "").casefold() or None),
    ToolColumn("Seats", 7, lambda t, s: s.costs[t.id].seats_purchased),
)


def ordered(tools: list[ToolFacts], stack: Stack, column: int, reverse: bool) -> list[ToolFacts]:
    """Sorted by a column, ties by name; unknown values last in either direction."""
    key = COLUMNS[column].key
    keyed = [(key(t, stack), t) for t in tools]
    present = [(k, t) for k, t in keyed if k is not None]
    missing = [t for k, t in keyed if k is None]
    present.sort(key=lambda kt: kt[1].name.casefold())
    present.sort(key=lambda kt: kt[0], reverse=reverse)
    return [t for _, t in present] + missing


class ToolsScreen(Base):
    """Every tool, filtered and sorted over the whole catalog as you type, shown a page at a
    time (only a page of rows ever reaches the widget, so 20,000 tools stay fast)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(i + 1), f"sort({i})", c.label, show=False) for i, c in enumerate(COLUMNS)),
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="["),
        Binding("right_square_bracket", "page(1)", "Next page", key_display="]"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_by, self.reverse, self.page = 0, False, 0
        self.found: list[ToolFacts] = []
        self.stack: Stack | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder='/ to filter: name, area: vendor: owner:"dana lee" status: decision: '
            "suggested:",
            id="filter",
        )
        yield Static("", id="count")
        yield DataTable(id="tools", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for index, column in enumerate(COLUMNS):
            table.add_column(self._label(index), width=column.width + 4, key=str(index))
        self.reload()

    def _label(self, index: int) -> str:
        mark = (" ▼" if self.reverse else " ▲") if index == self.sort_by else ""
        return f"{index + 1} {COLUMNS[index].label}{mark}"

    @on(Input.Changed, "#filter")
    def _filter(self) -> None:
        self.page = 0
        self.reload()

    def action_sort(self, column: int) -> None:
        """Sort by a column (its number, or a click on its header); again to reverse."""
        self.reverse = not self.reverse if column == self.sort_by else False
        self.sort_by = column
        table = self.query_one(DataTable)
        for index, key in enumerate(table.columns):
            table.columns[key].label = Text(self._label(index))
        table.refresh()
        self.page = 0
        self.reload()

    def action_page(self, step: int) -> None:
        last = max(0, (len(self.found) - 1) // PAGE)
        page = min(max(self.page + step, 0), last)
        if page != self.page:
            self.page = page
            self.show_page()

    @on(DataTable.HeaderSelected)
    def _sort(self, event: DataTable.HeaderSelected) -> None:
        self.action_sort(int(str(event.column_key.value)))

    def reload(self) -> None:
        # The filter is read here, so a refresh keeps it, and so are the sort and the page.
        self.load(self.query_one("#filter", Input).value, self.sort_by, self.reverse)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self, query: str, sort_by: int, reverse: bool) -> None:
        # The catalog snapshot is in memory: a keystroke filters and sorts 20,000 tools in a
        # few milliseconds.
        stack = self.stackmap.catalog()
        snapshot: AnalysedStack | None = self.stackmap.snapshot
        suggested = (
            {r.tool: r.suggested for r in snapshot.analysis.recommendations} if snapshot else {}
        )
        wanted, fields = parse_filter(query)
        found = [
            t
            for t in stack.sorted_tools
            if wanted in t.name.casefold() and matches(t, fields, stack, suggested)
        ]
        if sort_by or reverse:
            found = ordered(found, stack, sort_by, reverse)
        self.app.call_from_thread(self.fill, stack, found)

    def fill(self, stack: Stack, found: list[ToolFacts]) -> None:
        self.mark_seen()
        self.stack, self.found = stack, found
        self.page = min(self.page, max(0, (len(found) - 1) // PAGE))
        self.show_page()

    def show_page(self) -> None:
        stack, found = self.stack, self.found
        if stack is None:
            return
        table = self.query_one(DataTable)
        table.clear()
        start = self.page * PAGE
        for tool in found[start : start + PAGE]:
            cost = stack.costs[tool.id]
            cells = (
                tool.name,
                own_amount(tool, stack),
                cost.renewal_date.isoformat() if cost.renewal_date else "—",
                tool.disposition or "—",
                tool.status,
                " / ".join(tool.owners) or "—",
                tool.vendor or "—",
                _seats(tool, stack) or "—",
            )
            table.add_row(*(Text(str(v)) for v in cells), key=tool.name)
        total = len(stack.tools)
        if not found:
            line = f"No tool matches (of {total:,})"
        else:
            end = min(start + PAGE, len(found))
            line = f"{start + 1:,} to {end:,} of {len(found):,} matching · {total:,} tools"
            if len(found) > PAGE:
                pages = (len(found) - 1) // PAGE + 1
                line += f" · page {self.page + 1} of {pages} ([ ] to move)"
        line += f" · sorted by {COLUMNS[self.sort_by].label.lower()}"
        line += " (descending)" if self.reverse else ""
        self.query_one("#count", Static).update(Text(line))

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(DetailScreen(event.row_key.value))


class DetailScreen(Base):
    """One tool: terms, capabilities, integrations, findings with reasons, and its decision."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "edit", "Edit fields"),
        *(
            Binding(str(i + 1), f"decide('{d.value}')", d.value.capitalize(), show=False)
            for i, d in enumerate(Disposition)
        ),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.tool_name = name

    def action_decide(self, disposition: str) -> None:
        """Record a decision (keys 1 to 5, or its button), with the note if one is typed."""
        self.record(disposition, self.query_one("#note", Input).value.strip())

    def action_edit(self) -> None:
        self.app.push_screen(EditScreen(self.tool_name), self._edited)

    def _edited(self, _: None) -> None:
        self.reload()

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Reading…", id="detail-body")
        yield Static("Integrations (Enter opens the other tool)", classes="title")
        yield DataTable(id="links", cursor_type="row", zebra_stripes=True)
        yield Static("", id="suggestion")
        yield Input(
            placeholder="/ to write why (a decision note), then pick the decision: keys 1 to 5",
            id="note",
        )
        with Horizontal(id="decide"):
            for index, choice in enumerate(Disposition, 1):
                yield Button(f"{index} {choice.value.capitalize()}", id=f"decide-{choice.value}")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        detail = self.stackmap.inventory.tool(self.tool_name, today=self.stackmap.today)
        self.app.call_from_thread(self.show, detail)

    def show(self, detail: ToolDetail) -> None:
        s = detail.summary
        text = Text()
        text.append(s.name + "\n", style="bold")
        # What to decide comes first, so it shows on a small terminal; the record follows.
        text.append(
            f"Decision: {s.disposition or 'none recorded'}"
            + (f" — {detail.decision_note}" if detail.decision_note else "")
            + "\n"
        )
        snapshot: AnalysedStack | None = self.stackmap.snapshot
        if snapshot is not None:
            self._suggest(snapshot, s.disposition)
            text.append("Findings\n", style="bold")
            found = [r.why for r in snapshot.analysis.recommendations if r.tool == s.name]
            found += [o.why for o in snapshot.analysis.overlaps if s.name in o.tools]
            found += [r.why for r in snapshot.analysis.renewals if r.tool == s.name]
            found += [u.why for u in snapshot.analysis.underutilized if u.tool == s.name]
            for why in found or ["No finding about this tool."]:
                text.append(f"  • {why}\n")
            text.append("\n")
        lines = [
            f"Vendor: {s.vendor or '—'} · Category: {s.category or '—'} · Status: {s.status}",
            f"Owner: {s.owner or '—'} · Technical owner: {s.technical_owner or '—'}",
            f"Annual cost: {money(s.annual_cost, s.currency)} · Renewal: "
            f"{s.renewal_date.isoformat() if s.renewal_date else '—'} · Notice: "
            f"{s.notice_days if s.notice_days is not None else '—'} days",
            f"Seats: {s.seats_active if s.seats_active is not None else '—'} active of "
            f"{s.seats_purchased if s.seats_purchased is not None else '—'}",
            f"Capabilities: {', '.join(s.capabilities) or 'none recorded'}",
        ]
        for line in lines:
            text.append(line + "\n")
        links = self.query_one("#links", DataTable)
        # Widths set from the rows, not left to the table's deferred auto-sizing, which may
        # not have run when the screen is first drawn (a snapshot then cut the names).
        others = [link.target if link.source == s.name else link.source for link in
                  detail.integrations]  # fmt: skip
        links.clear(columns=True)
        for label, width in (
            ("Direction", len("receives from")),
            ("Other tool", max([len("Other tool"), *map(len, others)])),
            ("Method", max([6, *(len(link.method) for link in detail.integrations)])),
            ("Status", max([6, *(len(link.status) for link in detail.integrations)])),
            (
                "Data",
                max([4, *(len(", ".join(link.data_objects)) for link in detail.integrations)]),
            ),
        ):
            links.add_column(label, width=width)
        for index, link in enumerate(detail.integrations):
            outgoing = link.source == s.name
            other = link.target if outgoing else link.source
            links.add_row(
                *(
                    Text(v)
                    for v in (
                        "sends to" if outgoing else "receives from",
                        other,
                        link.method,
                        link.status,
                        ", ".join(link.data_objects) or "—",
                    )
                ),
                key=f"{index}:{other}",  # two links with one tool need two keys
            )
        text.append("\nHistory\n", style="bold")
        for change in detail.history[:10]:
            what = "; ".join(
                f"{k.replace('_', ' ')}: {short(v[0])} → {short(v[1])}"
                for k, v in list(change.changes.items())[:6]
                if isinstance(v, list) and len(v) == 2
            )
            more = " …" if len(change.changes) > 6 else ""
            text.append(f"  {change.at:%Y-%m-%d} {change.actor}, {change.action}: {what}{more}\n")
        self.query_one("#detail-body", Static).update(text)

    def _suggest(self, snapshot: AnalysedStack, decided: str | None) -> None:
        """Mark the analysis's suggestion on its button, and the recorded decision."""
        rec = next((r for r in snapshot.analysis.recommendations if r.tool == self.tool_name), None)
        for index, choice in enumerate(Disposition, 1):
            button = self.query_one(f"#decide-{choice.value}", Button)
            label = f"{index} {choice.value.capitalize()}"
            if rec is not None and rec.suggested == choice.value:
                label += " (suggested)"
            if decided == choice.value:
                label += " ✓"
            button.label = label
            button.variant = (
                "primary"
                if rec is not None and rec.suggested == choice.value
                else ("success" if decided == choice.value else "default")
            )

    @on(DataTable.RowSelected, "#links")
    def _follow(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(DetailScreen(event.row_key.value.split(":", 1)[1]))

    @on(Button.Pressed)
    def _record(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("decide-"):
            choice = event.button.id.removeprefix("decide-")
            self.record(choice, self.query_one("#note", Input).value.strip())

    @work(thread=True, exclusive=True, exit_on_error=False)
    def record(self, disposition: str, note: str) -> None:
        changes = {"disposition": disposition}
        if note:
            changes["decision_note"] = note
        detail = self.stackmap.inventory.edit_tool(
            self.tool_name,
            changes,
            today=self.stackmap.today,
        )
        # Read and analyse again before showing, so the findings stay and every screen is new.
        self.stackmap.changed()
        self.app.call_from_thread(self.show, detail)
        self.app.call_from_thread(self.notify, f"Recorded: {disposition} for {self.tool_name}")


# Fields a person edits here: (label, field). Values are read as an import reads a cell
# ("$12,600", "31 Mar 2027", "90 days"); an empty field clears the value.
EDITABLE = (
    ("Business owner", "business_owner"),
    ("Technical owner", "technical_owner"),
    ("Vendor", "vendor"),
    ("Status (evaluating, active, sunsetting, retired)", "status"),
    ("Category (slug or name)", "category"),
    ("Notes", "notes"),
    ("Functional fit, your rating 1-5 (overrides the derived value)", "functional_fit"),
    ("Technical fit, your rating 1-5 (overrides the derived fit)", "technical_fit"),
    ("Annual cost ($12,600, EUR 2,100 / month, 12.6k)", "annual_cost"),
    ("Currency", "currency"),
    ("Renewal date (2027-03-31 or 31 Mar 2027)", "renewal_date"),
    ("Notice (90 days, 3 months)", "notice_days"),
    ("Pricing model (per seat, platform, usage)", "pricing_model"),
)


def _says_retired(text: str) -> bool:
    from stackmap.importers.values import parse_status

    try:
        return bool(text) and parse_status(text) == "retired"
    except ValueError:
        return False


class EditScreen(Base):
    """Edit a tool's fields: only what is changed is written, validated by the same rules as
    the CLI; a value the catalog refuses is a notification naming it, and nothing is saved."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.tool_name = name
        self.original: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(f"Edit {self.tool_name}", classes="title")
        with VerticalScroll():
            for label, field in EDITABLE:
                yield Static(label)
                yield Input(id=f"edit-{field}")
        with Horizontal(id="decide"):
            yield Button("Save", id="save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        detail = self.stackmap.inventory.tool(self.tool_name, today=self.stackmap.today)
        self.app.call_from_thread(self.fill, detail)

    def fill(self, detail: ToolDetail) -> None:
        s = detail.summary
        current = detail.contracts[-1] if detail.contracts else None
        values = {
            "business_owner": s.owner,
            "technical_owner": s.technical_owner,
            "vendor": s.vendor,
            "status": s.status,
            "category": s.category,
            "notes": detail.notes,
            "annual_cost": current.annual_cost if current else None,
            "currency": current.currency if current else None,
            "renewal_date": current.renewal_date if current else None,
            "notice_days": current.notice_days if current else None,
            "pricing_model": current.pricing_model if current else None,
            "functional_fit": detail.functional_fit,
            "technical_fit": detail.technical_fit,
        }
        for field, value in values.items():
            text = "" if value is None else str(value)
            self.original[field] = text
            self.query_one(f"#edit-{field}", Input).value = text

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        # What changed, a field emptied included (that clears it).
        changes = {
            field: self.query_one(f"#edit-{field}", Input).value.strip()
            for _, field in EDITABLE
            if self.query_one(f"#edit-{field}", Input).value.strip() != self.original.get(field, "")
        }
        if not changes:
            self.notify("Nothing changed.")
            return
        if _says_retired(changes.get("status", "")):
            # Retiring takes a tool out of every figure: ask first.
            question = (
                f"Retire {self.tool_name}? It leaves spend, renewals, overlaps and the plan; "
                "its record and history are kept."
            )

            def answer(yes: bool | None) -> None:
                if yes:
                    self.save(changes)
                else:
                    self.notify("Not saved.")

            self.app.push_screen(ConfirmScreen(question, "Retire"), answer)
            return
        self.save(changes)

    def action_save(self) -> None:
        self._save()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, changes: dict[str, str]) -> None:
        self.stackmap.inventory.edit_tool_text(self.tool_name, changes, today=self.stackmap.today)
        self.stackmap.changed()
        labels = {field: label.split(" (")[0].split(",")[0] for label, field in EDITABLE}
        saved = ", ".join(labels[f] + (" (cleared)" if not v else "") for f, v in changes.items())
        self.app.call_from_thread(self.notify, f"Saved: {saved}")
        self.app.call_from_thread(self.dismiss, None)


class WhatIfScreen(Base):
    """Retire or consolidate tools and see what is lost, broken and saved, as you type; then
    record the scenario as decisions, or write the review pack for it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+d", "record", "Record as decisions", priority=True),
        Binding("ctrl+e", "export", "Export this scenario", priority=True),
    ]
    result: WhatIf | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ to type the tools to retire, separated by commas", id="retire")
        yield Input(placeholder="Consolidate into (optional)", id="into")
        with VerticalScroll():
            yield Static("Name the tools to retire.", id="whatif-body")
        yield Footer()

    @on(Input.Changed)
    def _changed(self) -> None:
        names = [n.strip() for n in self.query_one("#retire", Input).value.split(",")]
        into = self.query_one("#into", Input).value.strip() or None
        self.run_scenario([n for n in names if n], into)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_scenario(self, names: list[str], into: str | None) -> None:
        if not names:
            return
        snapshot = self.snapshot()
        try:
            result = what_if(snapshot.stack, names, into, graph=snapshot.graph)
        except StackmapError as exc:  # a name still being typed: say so, quietly
            self.app.call_from_thread(self.no_scenario, Text(str(exc), style="dim"))
            return
        self.app.call_from_thread(self.show, result)

    def show_text(self, text: Text) -> None:
        self.query_one("#whatif-body", Static).update(text)

    def no_scenario(self, text: Text) -> None:
        self.result = None  # nothing to record or export until the names are tools
        self.show_text(text)

    def action_record(self) -> None:
        """Record the scenario as decisions: eliminate each retired tool, or consolidate it
        into the tool named, after a question that lists them."""
        result = self.result
        if result is None:
            self.notify("Name the tools to retire first.", severity="warning")
            return
        choice = "consolidate" if result.into else "eliminate"
        into = f" into {result.into}" if result.into else ""
        note = (
            f"What-if: {choice}{into}; saves {money(result.annual_savings, result.currency)} a year"
        )
        question = f"Record {choice}{into} for {', '.join(result.retire)}? Note: {note}."

        def answer(yes: bool | None) -> None:
            if yes:
                self.record(list(result.retire), choice, note)

        self.app.push_screen(ConfirmScreen(question, "Record"), answer)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def record(self, names: list[str], choice: str, note: str) -> None:
        inventory = self.stackmap.inventory
        for name in names:
            inventory.edit_tool(name, {"disposition": choice, "decision_note": note})
        self.stackmap.changed()
        self.app.call_from_thread(self.notify, f"Recorded {choice} for {', '.join(names)}")

    def action_export(self) -> None:
        """Write the workbook and the map of this scenario into stackmap-output/what-if."""
        result = self.result
        if result is None:
            self.notify("Name the tools to retire first.", severity="warning")
            return
        folder = Path("stackmap-output") / "what-if"
        self.write_files(
            folder,
            ("stackmap-review.xlsx", "integration-map.html"),
            lambda: self.export(folder, list(result.retire), result.into),
        )

    @work(thread=True, exclusive=True, exit_on_error=False)
    def export(self, folder: Path, retire: list[str], into: str | None) -> None:
        from stackmap.publish import export_map, export_workbook

        inventory = self.stackmap.inventory
        today = self.stackmap.today
        folder.mkdir(parents=True, exist_ok=True)
        export_workbook(
            inventory, folder / "stackmap-review.xlsx", today=today, retire=retire, into=into
        )
        export_map(
            inventory, folder / "integration-map.html", today=today, retire=retire, into=into
        )
        self.app.call_from_thread(
            self.notify, f"Wrote the workbook and map of this scenario to {folder.resolve()}"
        )

    def show(self, result: WhatIf) -> None:
        self.result = result
        cur = result.currency
        text = Text()
        for sentence in result.why:
            text.append(sentence + "\n")
        text.append(
            f"\nAnnual savings {money(result.annual_savings, cur)} · owed until renewal "
            f"{money(result.committed_until_renewal, cur)} · next 12 months "
            f"{money(result.savings_next_12_months, cur)}\n",
            style="bold",
        )
        for title, items in (
            ("Deadlines", [d.why for d in result.deadlines]),
            ("Capabilities lost", [c.why for c in result.capabilities_lost]),
            ("Integrations that break", [b.why for b in result.integrations_broken]),
            ("Cut off", list(result.tools_cut_off)),
            ("Owners to inform", list(result.owners_to_inform)),
        ):
            text.append(f"\n{title}\n", style="bold")
            for item in items or ["none"]:
                text.append(f"  • {item}\n")
        self.show_text(text)
