"""Screens of findings from the analysis: capabilities, overlaps, gaps, renewals, integrations,
and the export screen. Each reads the app's last snapshot (taking one in a worker if none)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Static

from stackmap.tui.data import AnalysedStack
from stackmap.tui.modals import ConfirmScreen

if TYPE_CHECKING:
    from stackmap.intake import PlannedImport
    from stackmap.inventory import LoadResult
from stackmap.tui.screens import Base, DetailScreen, money


class FindingsScreen(Base):
    """A table of one kind of finding, its why under the table for the selected row."""

    TITLE_TEXT: ClassVar[str] = ""
    COLUMNS: ClassVar[Sequence[str]] = ()

    def compose(self) -> ComposeResult:
        yield Static(self.TITLE_TEXT, classes="title")
        yield DataTable(id="findings", cursor_type="row", zebra_stripes=True)
        yield Static("", id="why", classes="panel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        self.app.call_from_thread(self.fill, self.snapshot())

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        """(key, cells, why) for each finding; the key is a tool name where one applies."""
        raise NotImplementedError

    def fill(self, snapshot: AnalysedStack) -> None:
        self.mark_seen()
        table = self.query_one(DataTable)
        table.clear()
        self._why: dict[str, str] = {}
        for index, (key, cells, why) in enumerate(self.rows(snapshot)):
            row_key = f"{index}:{key}"
            self._why[row_key] = why
            table.add_row(*(Text(str(c)) for c in cells), key=row_key)
        if not table.row_count:
            self.query_one("#why", Static).update(Text("Nothing to show.", style="dim"))

    @on(DataTable.RowHighlighted)
    def _explain(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.query_one("#why", Static).update(self.explain(event.row_key.value))

    def explain(self, key: str) -> Text:
        """What the panel under the table says about the highlighted row."""
        return Text(self._why.get(key, ""))

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        tool = key.split(":", 1)[1] if key else ""
        if tool and self.stackmap.snapshot is not None:
            names = {t.name for t in self.stackmap.snapshot.stack.tools}
            if tool in names:
                self.app.push_screen(DetailScreen(tool))


class OverlapsScreen(FindingsScreen):
    TITLE_TEXT = "Overlaps: tools doing the same job (Enter opens the keeper)"
    COLUMNS = ("Keep", "At stake", "Group", "Tools")

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        cur = snapshot.analysis.currency
        return [
            (
                o.keeper or o.tools[0],
                [o.keeper or "—", money(o.at_stake, cur), len(o.tools), ", ".join(o.tools)],
                f"{o.why} {o.keeper_why}",
            )
            for o in snapshot.analysis.overlaps
        ]


class GapsScreen(FindingsScreen):
    TITLE_TEXT = "Gaps and single providers"
    COLUMNS = ("Capability", "Area", "Finding", "Provider")

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        names = snapshot.stack.reference.capabilities
        result: list[tuple[str, list[Any], str]] = [
            ("", [names[g.capability].name, g.area, "gap", "—"], g.why)
            for g in snapshot.analysis.gaps
        ]
        result += [
            (
                c.providers[0],
                [names[c.capability].name, c.area, "single provider", c.providers[0]],
                c.why,
            )
            for c in snapshot.analysis.coverage.single_provider
        ]
        return result


class RenewalsScreen(FindingsScreen):
    TITLE_TEXT = "Renewals by decide-by date (overdue first)"
    COLUMNS = ("Decide by", "Tool", "Status", "Renews", "Annual cost", "Owners")

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        cur = snapshot.analysis.currency
        return [
            (
                r.tool,
                [
                    r.decide_by.isoformat() if r.decide_by else "notice unknown",
                    r.tool,
                    r.status,
                    r.renewal_date.isoformat() if r.renewal_date else "unknown",
                    money(r.annual_cost, cur),
                    ", ".join(r.owners) or "nobody",
                ],
                r.why,
            )
            for r in snapshot.analysis.renewals
        ]


class IntegrationsScreen(FindingsScreen):
    TITLE_TEXT = (
        "Integration health: silos, hubs, single points of failure, fragile links "
        "(the selected tool's neighbours below)"
    )
    COLUMNS = ("Finding", "Tool or link", "Detail")

    def explain(self, key: str) -> Text:
        """The finding's why, then who the highlighted tool exchanges data with."""
        tool = key.split(":", 1)[1] if ":" in key else ""
        snapshot: AnalysedStack | None = self.stackmap.snapshot
        ids = {t.name: t.id for t in snapshot.stack.tools} if snapshot else {}
        if snapshot is None or tool not in ids:
            return super().explain(key)
        names = snapshot.stack.by_id
        sends, receives = [], []
        for link in snapshot.graph.links_of.get(ids[tool], []):
            if link.source == ids[tool]:
                sends.append(names[link.target].name)
            else:
                receives.append(names[link.source].name)
        text = Text(self._why.get(key, "") + "\n\n")
        text.append(f"{tool} sends to: ", style="bold")
        text.append((", ".join(sorted(sends)) or "nothing") + "\n")
        text.append(f"{tool} receives from: ", style="bold")
        text.append(", ".join(sorted(receives)) or "nothing")
        return text

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        a = snapshot.analysis
        result: list[tuple[str, list[Any], str]] = []
        result += [
            (p.tool, ["single point of failure", p.tool, f"cuts off {p.cut_off}"], p.why)
            for p in a.single_points_of_failure
        ]
        result += [(h.tool, ["hub", h.tool, f"{h.connected_tools} tools"], h.why) for h in a.hubs]
        result += [(s.tool, ["silo", s.tool, s.owner or "no owner"], s.why) for s in a.silos]
        result += [
            ("", ["fragile link", f"{f.source} → {f.target}", f.method], f.why)
            for f in a.fragile_integrations
        ]
        return result


class CapabilitiesScreen(FindingsScreen):
    TITLE_TEXT = "Capabilities by area: who provides each (Enter opens a single provider)"
    COLUMNS = ("Area", "Capability", "Required", "Providers", "State")

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        reference = snapshot.stack.reference
        areas = {a.slug: a.name for a in reference.areas}
        return [
            (
                c.providers[0] if len(c.providers) == 1 else "",
                [
                    areas[c.area],
                    reference.capabilities[c.capability].name,
                    "yes" if c.required else "",
                    len(c.providers),
                    {"gap": "none", "single": "one", "overlap": "several"}[c.state],
                ],
                c.why + (f" Providers: {', '.join(c.providers)}." if c.providers else ""),
            )
            for c in snapshot.analysis.coverage.capabilities
        ]


class SpendScreen(FindingsScreen):
    TITLE_TEXT = "Spend a year: by area, vendor, business owner and unit (known costs)"
    COLUMNS = ("By", "Name", "Annual spend", "Share")

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        spend = snapshot.analysis.spend
        cur = spend.currency
        reference = snapshot.stack.reference
        areas = {a.slug: a.name for a in reference.areas}
        rests = _rests_on(spend)
        result: list[tuple[str, list[Any], str]] = [
            ("", ["Total", "all tools", money(spend.total, cur), "100%"], rests)
        ]
        for label, figures, names in (
            ("Area", spend.by_area, areas),
            ("Vendor", spend.by_vendor, {}),
            ("Owner", spend.by_owner, {}),
            ("Unit", spend.by_business_unit, {}),
        ):
            for key, amount in sorted(figures.items(), key=lambda kv: -kv[1]):
                share = f"{amount / spend.total:.0%}" if spend.total else "—"
                name = names.get(key, key) or "not recorded"
                result.append(("", [label, name, money(amount, cur), share], rests))
        return result


def _rests_on(spend: Any) -> str:
    """What every spend figure rests on, in words."""
    text = f"Known annual costs of {spend.tools_costed} tools"
    if spend.tools_without_cost:
        text += f"; {len(spend.tools_without_cost)} tools' cost is unknown and not counted"
    if spend.unconverted:
        text += "; amounts with no exchange rate are left out: " + ", ".join(
            f"{c} {a:,.0f}" for c, a in spend.unconverted.items()
        )
    return text + "."


class LicencesScreen(FindingsScreen):
    TITLE_TEXT = "Licences: idle seats and what they cost a year (Enter opens the tool)"
    COLUMNS = ("Tool", "Finding", "Seats used", "Use", "Wasted a year")

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        cur = snapshot.analysis.currency
        return [
            (
                u.tool,
                [
                    u.tool,
                    u.kind,
                    f"{u.seats_active} of {u.seats_purchased}",
                    f"{u.utilisation:.0%}" if u.utilisation is not None else "—",
                    money(u.wasted, cur) if u.wasted is not None else "not per seat or unknown",
                ],
                u.why,
            )
            for u in snapshot.analysis.underutilized
        ]


class HistoryScreen(FindingsScreen):
    TITLE_TEXT = "History: the latest changes to the catalog, newest first"
    COLUMNS = ("When", "Who", "What", "Name", "Action", "Changes")
    LIMIT = 500

    @work(thread=True, exclusive=True, exit_on_error=False)
    def reload(self) -> None:
        snapshot = self.snapshot()
        self.changes = self.stackmap.inventory.history(limit=self.LIMIT)
        self.app.call_from_thread(self.fill, snapshot)

    def rows(self, snapshot: AnalysedStack) -> list[tuple[str, list[Any], str]]:
        from stackmap.outcomes import short

        result: list[tuple[str, list[Any], str]] = []
        for change in self.changes:
            fields = [
                f"{k.replace('_', ' ')}: {short(v[0])} → {short(v[1])}"
                for k, v in change.changes.items()
                if isinstance(v, list) and len(v) == 2
            ]
            summary = "; ".join(fields) or ", ".join(change.changes) or "—"
            result.append(
                (
                    change.label if change.entity == "tool" else "",
                    [
                        f"{change.at:%Y-%m-%d %H:%M}",
                        change.actor,
                        change.entity,
                        change.label,
                        change.action,
                        summary[:60],
                    ],
                    summary,
                )
            )
        return result


class ExportScreen(Base):
    """Write the workbook, the map and the diagram into a folder."""

    def compose(self) -> ComposeResult:
        yield Static("Export for the budget review", classes="title")
        yield Input(value="stackmap-output", placeholder="Folder", id="folder")
        with Horizontal(id="decide"):
            yield Button("Write workbook, map and diagram", id="export", variant="primary")
            yield Button("Open the map in a browser", id="open-map", disabled=True)
        with VerticalScroll():
            yield Static("", id="written")
        yield Footer()

    FILES = (
        ("Workbook", "stackmap-review.xlsx"),
        ("Integration map", "integration-map.html"),
        ("Stack diagram", "stack-diagram.html"),
    )

    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        folder = Path(self.query_one("#folder", Input).value.strip() or ".")
        self.write_files(folder, [name for _, name in self.FILES], lambda: self.export(folder))

    @on(Button.Pressed, "#open-map")
    def _open_map(self) -> None:
        import webbrowser

        if not webbrowser.open(self.map_path.as_uri()):
            self.notify(f"No browser found here; open {self.map_path}", severity="warning")

    @work(thread=True, exclusive=True, exit_on_error=False)
    def export(self, folder: Path) -> None:
        from stackmap.publish import export_diagram, export_map, export_workbook

        inventory = self.stackmap.inventory
        folder.mkdir(parents=True, exist_ok=True)
        writers: tuple[Callable[..., Any], ...] = (export_workbook, export_map, export_diagram)
        steps: list[tuple[str, Path, Callable[..., Any]]] = [
            (label, folder / name, write)
            for (label, name), write in zip(self.FILES, writers, strict=True)
        ]
        lines = []
        for label, path, write in steps:
            write(inventory, path)
            lines.append(f"{label}: {path.resolve()}")
        self.app.call_from_thread(self._done, lines)

    def _done(self, lines: list[str]) -> None:
        self.query_one("#written", Static).update(Text("\n".join(lines)))
        self.map_path = Path(lines[1].split(": ", 1)[1])
        self.query_one("#open-map", Button).disabled = False
        self.notify("Written: " + ", ".join(line.split(": ")[0] for line in lines))


class ImportScreen(Base):
    """Pick a file, see the sheet, the header mapping and the diff, then apply that plan.

    Any kind of file goes through the same entry point as `stackmap import` (a reviewed
    workbook's decisions, a spend report's suppliers); Apply writes the plan that was shown.
    """

    planned: PlannedImport | None = None
    would = ""  # what the check said the import would write

    def compose(self) -> ComposeResult:
        yield Static("Import a spreadsheet (xlsx, csv…)", classes="title")
        yield Input(placeholder="/ to type the path to the file", id="path")
        yield Checkbox(
            "A finance spend report (invoice lines): add up each supplier's spend", id="spend"
        )
        with Horizontal(id="decide"):
            yield Button("Check (dry run)", id="check", variant="primary")
            yield Button("Apply", id="apply", disabled=True)
        with VerticalScroll():
            yield Static("", id="plan")
        yield Footer()

    @on(Button.Pressed, "#check")
    def _check(self) -> None:
        self.query_one("#apply", Button).disabled = True
        self.planned = None
        self.check(
            Path(self.query_one("#path", Input).value.strip()),
            self.query_one("#spend", Checkbox).value,
        )

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        planned = self.planned
        if planned is None:
            return
        question = (
            f"Write {planned.plan.file} into the catalog: {self.would or 'no changes'}? "
            "This is what the check showed; the file is read again and refused if it changed."
        )

        def answer(yes: bool | None) -> None:
            if yes and self.planned is planned:
                self.query_one("#apply", Button).disabled = True
                self.apply(planned)

        self.app.push_screen(ConfirmScreen(question, "Apply"), answer)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self, path: Path, spend: bool = False) -> None:
        """Plan the file (whatever kind it is, as the CLI would) and show its dry run."""
        from stackmap.intake import ImportRequest, apply_file, plan_file

        inventory = self.stackmap.inventory
        planned = plan_file(inventory, ImportRequest(path, spend=spend))
        result = apply_file(inventory, planned, dry_run=True)
        self.planned = planned
        self.would = _counts(result)
        self.app.call_from_thread(self._show, _lines(planned, result), True)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def apply(self, planned: PlannedImport) -> None:
        """Write the plan that was checked (refused if the file changed since)."""
        from stackmap.intake import apply_file

        result = apply_file(self.stackmap.inventory, planned)
        self.planned = None
        self.stackmap.changed()  # every screen shows the new catalog
        self.app.call_from_thread(self._show, _lines(planned, result), False)

    def _show(self, lines: list[str], dry_run: bool) -> None:
        self.query_one("#plan", Static).update(Text("\n".join(lines)))
        self.query_one("#apply", Button).disabled = not dry_run
        if not dry_run:
            self.notify(next((line for line in lines if line.startswith("Imported")), "Imported"))


def _counts(result: LoadResult) -> str:
    """ "1 tool added, 3 tools updated, 2 integrations unchanged" """
    verbs = {"created": "added", "updated": "updated", "unchanged": "unchanged"}
    parts = []
    for key, count in result.counts().items():
        kind, _, action = key.rpartition("_")
        if count:
            noun = kind[:-1] if count == 1 and kind.endswith("s") else kind
            parts.append(f"{count} {noun} {verbs.get(action, action)}")
    return ", ".join(parts)


def _lines(planned: PlannedImport, result: LoadResult) -> list[str]:
    """What an import did or would do, in the lines the CLI prints."""
    from stackmap.importers.spreadsheet import ImportPlan
    from stackmap.outcomes import import_lines

    if isinstance(planned.plan, ImportPlan):
        return import_lines(planned.plan, result)
    verb = "Would write" if result.dry_run else "Imported"
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.counts().items() if v)
    lines = [f"{planned.plan.file}: {planned.kind.value}", f"{verb}: {counts or 'no changes'}"]
    return lines + [f"  {i.severity}: {i.line(planned.plan.file)}" for i in planned.issues]


class LinksScreen(Base):
    """Every integration in the catalog, filtered as you type (a tool's name, a method, a
    status), a page at a time; Enter opens the tool it starts from."""

    PAGE = 500
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="["),
        Binding("right_square_bracket", "page(1)", "Next page", key_display="]"),
    ]
    COLUMNS = ("From", "To", "Method", "Status", "Direction", "Data", "Frequency", "Owner")

    def __init__(self) -> None:
        super().__init__()
        self.page = 0
        self.rows: list[tuple[str, ...]] = []
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="/ to filter: a tool's name, a method (file, manual…), a status",
            id="filter",
        )
        yield Static("", id="count")
        yield DataTable(id="links", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self.COLUMNS)
        self.reload()

    @on(Input.Changed, "#filter")
    def _filter(self) -> None:
        self.page = 0
        self.reload()

    def reload(self) -> None:
        self.load(self.query_one("#filter", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self, query: str) -> None:
        stack = self.snapshot().stack
        names = stack.by_id
        words = query.casefold().split()
        rows = []
        for link in stack.links:
            row = (
                names[link.source].name,
                names[link.target].name,
                link.method,
                link.status,
                link.direction.replace("_", " "),
                ", ".join(link.data_objects) or "—",
                link.frequency or "—",
                link.owner or "—",
            )
            text = " ".join(row).casefold()
            if all(word in text for word in words):
                rows.append(row)
        rows.sort(key=lambda r: (r[0].casefold(), r[1].casefold()))
        self.app.call_from_thread(self.fill, rows, len(stack.links))

    def fill(self, rows: list[tuple[str, ...]], total: int) -> None:
        self.mark_seen()
        self.rows, self.total = rows, total
        self.page = min(self.page, max(0, (len(rows) - 1) // self.PAGE))
        self.show_page()

    def action_page(self, step: int) -> None:
        last = max(0, (len(self.rows) - 1) // self.PAGE)
        page = min(max(self.page + step, 0), last)
        if page != self.page:
            self.page = page
            self.show_page()

    def show_page(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        start = self.page * self.PAGE
        for index, row in enumerate(self.rows[start : start + self.PAGE], start):
            table.add_row(*(Text(cell) for cell in row), key=f"{index}:{row[0]}")
        if not self.rows:
            line = f"No integration matches (of {self.total:,})"
        else:
            end = min(start + self.PAGE, len(self.rows))
            line = (
                f"{start + 1:,} to {end:,} of {len(self.rows):,} matching · "
                f"{self.total:,} integrations"
            )
            if len(self.rows) > self.PAGE:
                line += f" · page {self.page + 1} ([ ] to move)"
        self.query_one("#count", Static).update(Text(line))

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.app.push_screen(DetailScreen(event.row_key.value.split(":", 1)[1]))
