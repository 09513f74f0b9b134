"""The screens: dashboard, tools, tool detail (with decisions), what-if."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

from stackmap.analysis import Stack, ToolFacts, WhatIf, what_if
from stackmap.analysis.stack import main_area
from stackmap.errors import StackmapError
from stackmap.models import Disposition
from stackmap.outcomes import short
from stackmap.tui.data import Snapshot
from stackmap.views import ToolDetail

PAGE = 100  # rows a table shows (two screens full); the filter narrows the query


def money(amount: Decimal | None, currency: str | None) -> str:
    return "—" if amount is None else f"{currency or ''} {amount:,.0f}".strip()


class Base(Screen[None]):
    """Shared by the screens: failed workers become notifications, never a crash."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            message = str(error) if isinstance(error, StackmapError) else repr(error)
            self.notify(message, title="stackmap", severity="error")


class DashboardScreen(Base):
    """The headline numbers and the top items of each finding."""

    def compose(self) -> ComposeResult:
        yield Static("Reading the catalog…", id="status")
        with Horizontal(id="figures"):
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
            self.app.action_show(target)  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        snapshot = self.app.take_snapshot()  # type: ignore[attr-defined]
        self.app.call_from_thread(self.show, snapshot)

    def show(self, snapshot: Snapshot) -> None:
        self.app.remember(snapshot)  # type: ignore[attr-defined]
        a = snapshot.analysis
        cur = a.currency
        figures = {
            "tools": f"Tools in use\n{a.tools_in_use}",
            "spend": f"Annual spend\n{money(a.spend.total, cur)}",
            "at-stake": f"At stake in overlaps\n{money(a.at_stake, cur)}",
            "waste": f"Unused licences\n{money(a.wasted, cur)}",
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
            "Overlaps (t: tools, w: what-if)",
            [f"{o.keeper} + {len(o.tools) - 1}: {money(o.at_stake, cur)}" for o in a.overlaps],
        )
        self._panel(
            "#top-renewals",
            "Renewals by decide-by date",
            [
                f"{(r.decide_by or r.renewal_date or '—')!s} {r.tool} ({r.status})"
                for r in a.renewals
            ],
        )
        self._panel("#top-gaps", "Gaps", [g.why for g in a.gaps])

    def _panel(self, selector: str, title: str, lines: list[str]) -> None:
        text = Text(title + "\n", style="bold")
        for line in lines[:8]:
            text.append("• " + line + "\n", style="")
        if len(lines) > 8:
            text.append(f"… and {len(lines) - 8} more\n", style="dim")
        if not lines:
            text.append("none\n", style="dim")
        self.query_one(selector, Static).update(text)


FILTERS = ("area", "owner", "status", "decision")


def sort_key(cell: object) -> tuple[int, float, str]:
    """Sort cells as people expect: amounts and counts by value, blanks last, text by name."""
    text = str(cell).strip()
    if text in ("", "—"):
        return (2, 0.0, "")
    digits = text.split()[-1].replace(",", "").split("/")[0]
    try:
        return (0, float(digits), "")
    except ValueError:
        return (1, 0.0, text.casefold())


def parse_filter(text: str) -> tuple[str, dict[str, str]]:
    """Split "hub owner:dana status:active" into the name words and the field filters."""
    words, fields = [], {}
    for token in text.split():
        key, _, value = token.partition(":")
        if value and key.casefold() in FILTERS:
            fields[key.casefold()] = value.casefold()
        else:
            words.append(token)
    return " ".join(words).casefold(), fields


def matches(tool: ToolFacts, fields: dict[str, str], stack: Stack) -> bool:
    """Whether a tool passes the field filters (each a prefix or part of the value)."""
    for key, value in fields.items():
        if key == "status" and not tool.status.startswith(value):
            return False
        if key == "decision" and not (tool.disposition or "").startswith(value):
            return False
        if key == "owner" and value not in " ".join(tool.owners).casefold():
            return False
        if key == "area":
            area = main_area(tool, stack.reference) or "none"
            if not area.startswith(value):
                return False
    return True


class ToolsScreen(Base):
    """Every tool, filtered as you type (in the query, so 20,000 tools stay fast)."""

    # Fixed widths: the table then never measures every cell again after a keystroke.
    COLUMNS = (
        ("Tool", 34),
        ("Vendor", 22),
        ("Status", 11),
        ("Owner", 20),
        ("Annual cost", 14),
        ("Seats", 9),
        ("Renewal", 11),
        ("Decision", 12),
    )

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="Filter: name, area: owner: status: decision: (e.g. hub owner:dana)",
            id="filter",
        )
        yield Static("", id="count")
        yield DataTable(id="tools", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width)
        self.reload()

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self.reload(event.value)

    def on_screen_resume(self) -> None:
        # Back from a tool's detail (a decision may have changed it): show the catalog as is.
        if self.query("#filter"):
            self.reload(self.query_one("#filter", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self, query: str = "") -> None:
        # The catalog snapshot is in memory: a keystroke filters 20,000 names in a few
        # milliseconds, and only one page of rows ever reaches the widget.
        stack = self.app.catalog()  # type: ignore[attr-defined]
        wanted, fields = parse_filter(query)
        rows: list[ToolFacts] = []
        for tool in stack.sorted_tools:
            if wanted in tool.name.casefold() and matches(tool, fields, stack):
                rows.append(tool)
                if len(rows) > PAGE:
                    break
        self.app.call_from_thread(self.fill, stack, rows)

    def fill(self, stack: Stack, rows: list[ToolFacts]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for tool in rows[:PAGE]:
            cost = stack.costs[tool.id]
            seats = (
                f"{cost.seats_active or 0}/{cost.seats_purchased}" if cost.seats_purchased else "—"
            )
            table.add_row(
                *(
                    Text(str(v))
                    for v in (
                        tool.name,
                        tool.vendor or "—",
                        tool.status,
                        tool.business_owner or tool.technical_owner or "—",
                        money(cost.annual, stack.base_currency),
                        seats,
                        cost.renewal_date.isoformat() if cost.renewal_date else "—",
                        tool.disposition or "—",
                    )
                ),
                key=tool.name,
            )
        more = f" (the first {PAGE}: type to narrow)" if len(rows) > PAGE else ""
        self.query_one("#count", Static).update(Text(f"{min(len(rows), PAGE)} tools{more}"))

    @on(DataTable.HeaderSelected)
    def _sort(self, event: DataTable.HeaderSelected) -> None:
        # Click a header (or Enter on it) to sort by it; again to reverse.
        reverse = self._sorted == (event.column_key, False)
        self._sorted = (event.column_key, reverse)
        event.data_table.sort(event.column_key, key=sort_key, reverse=reverse)

    _sorted: tuple[object, bool] = (None, False)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(DetailScreen(event.row_key.value))


class DetailScreen(Base):
    """One tool: terms, capabilities, integrations, findings with reasons, and its decision."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f", "edit", "Edit fields"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.tool_name = name

    def action_edit(self) -> None:
        self.app.push_screen(EditScreen(self.tool_name), self._edited)

    def _edited(self, _: None) -> None:
        self.reload()

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Reading…", id="detail-body")
        yield Static("Integrations (Enter opens the other tool)", classes="title")
        yield DataTable(id="links", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="Why (decision note), then pick the decision below", id="note")
        with Horizontal(id="decide"):
            for choice in Disposition:
                yield Button(choice.value.capitalize(), id=f"decide-{choice.value}")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        detail = self.app.inventory.tool(self.tool_name, today=self.app.today)  # type: ignore[attr-defined]
        self.app.call_from_thread(self.show, detail)

    def show(self, detail: ToolDetail) -> None:
        s = detail.summary
        text = Text()
        text.append(s.name + "\n", style="bold")
        lines = [
            f"Vendor: {s.vendor or '—'} · Category: {s.category or '—'} · Status: {s.status}",
            f"Owner: {s.owner or '—'} · Technical owner: {s.technical_owner or '—'}",
            f"Annual cost: {money(s.annual_cost, s.currency)} · Renewal: "
            f"{s.renewal_date.isoformat() if s.renewal_date else '—'} · Notice: "
            f"{s.notice_days if s.notice_days is not None else '—'} days",
            f"Seats: {s.seats_active if s.seats_active is not None else '—'} active of "
            f"{s.seats_purchased if s.seats_purchased is not None else '—'}",
            f"Capabilities: {', '.join(s.capabilities) or 'none recorded'}",
            f"Decision: {s.disposition or 'none recorded'}"
            + (f" — {detail.decision_note}" if detail.decision_note else ""),
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
        snapshot: Snapshot | None = self.app.snapshot  # type: ignore[attr-defined]
        if snapshot is not None:
            text.append("\nFindings\n", style="bold")
            found = [r.why for r in snapshot.analysis.recommendations if r.tool == s.name]
            found += [o.why for o in snapshot.analysis.overlaps if s.name in o.tools]
            found += [r.why for r in snapshot.analysis.renewals if r.tool == s.name]
            found += [u.why for u in snapshot.analysis.underutilized if u.tool == s.name]
            for why in found or ["No finding about this tool."]:
                text.append(f"  • {why}\n")
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
        detail = self.app.inventory.edit_tool(  # type: ignore[attr-defined]
            self.tool_name,
            changes,
            today=self.app.today,  # type: ignore[attr-defined]
        )
        self.app.forget()  # type: ignore[attr-defined]  # the catalog changed: read it again
        self.app.call_from_thread(self.show, detail)
        self.app.call_from_thread(self.notify, f"Recorded: {disposition} for {self.tool_name}")


# Fields a person edits here: (label, field, whether it is a contract term).
EDITABLE = (
    ("Business owner", "business_owner", False),
    ("Technical owner", "technical_owner", False),
    ("Status (evaluating, active, sunsetting, retired)", "status", False),
    ("Category (slug or name)", "category", False),
    ("Notes", "notes", False),
    ("Functional fit, your rating 1-5 (overrides the derived value)", "functional_fit", False),
    ("Technical fit, your rating 1-5 (overrides the derived fit)", "technical_fit", False),
    ("Annual cost", "annual_cost", True),
    ("Currency", "currency", True),
    ("Renewal date (YYYY-MM-DD)", "renewal_date", True),
    ("Notice (days)", "notice_days", True),
    ("Pricing model (per_seat, platform, usage)", "pricing_model", True),
)


class EditScreen(Base):
    """Edit a tool's fields: only what is changed is written, validated by the same rules as
    the CLI; a value the catalog refuses is a notification naming it, and nothing is saved."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.tool_name = name
        self.original: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static(f"Edit {self.tool_name}", classes="title")
        with VerticalScroll():
            for label, field, _ in EDITABLE:
                yield Static(label)
                yield Input(id=f"edit-{field}")
        with Horizontal(id="decide"):
            yield Button("Save", id="save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        detail = self.app.inventory.tool(self.tool_name, today=self.app.today)  # type: ignore[attr-defined]
        self.app.call_from_thread(self.fill, detail)

    def fill(self, detail: ToolDetail) -> None:
        s = detail.summary
        current = detail.contracts[-1] if detail.contracts else None
        values = {
            "business_owner": s.owner,
            "technical_owner": s.technical_owner,
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
        changes: dict[str, str] = {}
        terms: dict[str, str] = {}
        for _, field, contract in EDITABLE:
            value = self.query_one(f"#edit-{field}", Input).value.strip()
            if value != self.original.get(field, "") and value:
                (terms if contract else changes)[field] = value
        if not changes and not terms:
            self.notify("Nothing changed.")
            return
        self.save(changes, terms)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, changes: dict[str, str], terms: dict[str, str]) -> None:
        self.app.inventory.edit_tool(self.tool_name, changes, terms or None)  # type: ignore[attr-defined]
        self.app.forget()  # type: ignore[attr-defined]
        self.app.call_from_thread(self.notify, f"Saved {', '.join([*changes, *terms])}")
        self.app.call_from_thread(self.dismiss, None)


class WhatIfScreen(Base):
    """Retire or consolidate tools and see what is lost, broken and saved, as you type."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Tools to retire, separated by commas", id="retire")
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
        snapshot: Snapshot | None = self.app.snapshot  # type: ignore[attr-defined]
        if snapshot is None:
            snapshot = self.app.take_snapshot()  # type: ignore[attr-defined]
            self.app.remember(snapshot)  # type: ignore[attr-defined]
        try:
            result = what_if(snapshot.stack, names, into, graph=snapshot.graph)
        except StackmapError as exc:  # a name still being typed: say so, quietly
            self.app.call_from_thread(self.show_text, Text(str(exc), style="dim"))
            return
        self.app.call_from_thread(self.show, result)

    def show_text(self, text: Text) -> None:
        self.query_one("#whatif-body", Static).update(text)

    def show(self, result: WhatIf) -> None:
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
