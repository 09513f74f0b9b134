"""`stackmap demo`: build a catalog from the bundled sample files and report what it holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from stackmap import db
from stackmap.inventory import Inventory, LoadResult
from stackmap.reference import Reference, load_reference
from stackmap.views import ToolSummary, jsonable

DEFAULT_OUTPUT = Path("stackmap-output")


# The files a team would bring, in the order they would import them: the SaaS-management
# export first (what is paid for), then the team's own audit (what it is and who owns it).
SAMPLE_FILES = ("saas-management-export.csv", "team-audit.xlsx")


def default_samples_dir() -> Path:
    """Return the bundled sample files (wheel copy, else the repo's imports/)."""
    packaged = Path(str(files("stackmap"))) / "_samples"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "imports"


@dataclass
class DemoReport:
    """What the demo loaded and the first things a marketing-ops lead would ask about it."""

    database: str
    loads: dict[str, dict[str, int]]
    tools: int
    active_tools: int
    spend: dict[str, Decimal]
    renewals: list[dict[str, Any]] = field(default_factory=list)
    shared_capabilities: list[dict[str, Any]] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    unconnected: list[str] = field(default_factory=list)
    underused: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return jsonable(self.__dict__)  # type: ignore[no-any-return]

    def lines(self) -> list[str]:
        """Return the report as sentences for the terminal."""
        spend = ", ".join(f"{cur} {amount:,.0f}" for cur, amount in sorted(self.spend.items()))
        out = [
            f"Catalog: {self.database}",
            *(
                f"Loaded {name}: "
                + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items() if v)
                for name, counts in self.loads.items()
            ),
            "",
            f"{self.tools} tools, {self.active_tools} active; annual spend {spend or 'unknown'}.",
        ]
        if self.renewals:
            out.append(f"\nRenewals in the next 90 days ({len(self.renewals)}), by decide-by date:")
            out += [
                f"  {r['tool']}: renews {r['renewal_date']}, give notice by {r['decide_by']}"
                f"{' (notice deadline passed)' if r['overdue'] else ''}, {r['annual_cost']}"
                for r in self.renewals
            ]
        if self.shared_capabilities:
            out.append("\nCapabilities served by more than one active tool (possible overlap):")
            out += [
                f"  {c['capability']}: {', '.join(c['tools'])}"
                for c in self.shared_capabilities[:10]
            ]
            if len(self.shared_capabilities) > 10:
                out.append(f"  … and {len(self.shared_capabilities) - 10} more")
        if self.uncovered:
            out.append(
                "\nExpected capabilities no active tool provides (gaps): "
                + ", ".join(self.uncovered)
            )
        if self.unconnected:
            out.append(
                "\nActive tools with no recorded integration (possible silos): "
                + ", ".join(self.unconnected)
            )
        if self.underused:
            out.append("\nLicences under half used:")
            out += [
                f"  {u['tool']}: {u['seats_active']} of {u['seats_purchased']} seats active"
                for u in self.underused
            ]
        return out


def run_demo(
    output: Path,
    *,
    database: str | None = None,
    reference_dirs: Sequence[Path] = (),
    actor: str | None = None,
    samples: Path | None = None,
    today: date | None = None,
) -> DemoReport:
    """Load the sample tools and integrations into a fresh demo catalog and summarise it.

    Without a database URL the catalog is a new SQLite file in the output folder, so the demo
    never touches the user's own catalog.
    """
    samples = samples or default_samples_dir()
    output.mkdir(parents=True, exist_ok=True)
    if database is None:
        path = output / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        database = str(path)
    reference = load_reference(reference_dirs)
    inventory = Inventory(
        db.open_database(db.resolve_url(database)), reference, actor or "stackmap demo"
    )
    try:
        loads: dict[str, LoadResult] = {}
        for name in SAMPLE_FILES:
            plan = inventory.plan_import(samples / name)
            loads[name] = inventory.apply_import(plan)
        summaries = inventory.tools()
        return _report(inventory.location, loads, summaries, reference, today or date.today())
    finally:
        inventory.close()


def _report(
    location: str,
    loads: dict[str, LoadResult],
    tools: list[ToolSummary],
    ref: Reference,
    today: date,
) -> DemoReport:
    active = [t for t in tools if t.status == "active"]
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for t in active:
        if t.annual_cost is not None:
            spend[t.currency or "?"] += t.annual_cost
    renewals: list[dict[str, Any]] = []
    for t in active:
        if t.renewal_date and today <= t.renewal_date <= today + timedelta(days=90):
            decide_by = t.renewal_date - timedelta(days=t.notice_days or 0)
            renewals.append(
                {
                    "tool": t.name,
                    "renewal_date": t.renewal_date,
                    "decide_by": decide_by,
                    "overdue": decide_by < today,
                    "annual_cost": f"{t.currency or ''} {t.annual_cost or 0:,.0f}".strip(),
                }
            )
    renewals.sort(key=lambda r: r["decide_by"])
    providers: dict[str, list[str]] = defaultdict(list)
    for t in active:
        for c in t.capabilities:
            providers[c].append(t.name)
    shared = sorted(
        (
            {"capability": ref.capabilities[c].name if c in ref.capabilities else c, "tools": names}
            for c, names in providers.items()
            if len(names) > 1
        ),
        key=lambda c: (-len(c["tools"]), c["capability"]),
    )
    uncovered = [ref.capabilities[c].name for c in ref.required_capabilities if c not in providers]
    underused = [
        {"tool": t.name, "seats_active": t.seats_active, "seats_purchased": t.seats_purchased}
        for t in active
        if t.seats_purchased
        and t.seats_active is not None
        and t.seats_active < t.seats_purchased / 2
    ]
    return DemoReport(
        database=location,
        loads={name: result.counts() for name, result in loads.items()},
        tools=len(tools),
        active_tools=len(active),
        spend=dict(spend),
        renewals=renewals,
        shared_capabilities=shared,
        uncovered=uncovered,
        unconnected=[t.name for t in active if t.integrations == 0],
        underused=underused,
    )
