"""What a review takes out of the catalog and brings back: the rationalisation workbook, the
integration map and the stack diagram; reviewers' decisions back into the catalog.

Every row of the workbook carries its tool's id and a version stamp (the newest history entry
of the tool and its contracts); the file carries one stamp for the catalog. A decision on a
tool that changed or vanished since the export is reported, not applied blindly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from stackmap.analysis import Analysis, Stack, WhatIf, analyze, map_findings, what_if
from stackmap.errors import InvalidValueError
from stackmap.inventory import Inventory, LoadResult
from stackmap.models import Change, Contract, Tool
from stackmap.store import Outcome, Writer

CHANGE: sa.Table = Change.__table__  # type: ignore[attr-defined]
CONTRACT: sa.Table = Contract.__table__  # type: ignore[attr-defined]
TOOL: sa.Table = Tool.__table__  # type: ignore[attr-defined]

if TYPE_CHECKING:
    # The writers load when something is written: openpyxl and pyvis (which pulls IPython)
    # would otherwise slow every start of stackmap.
    from stackmap.export.diagram import DiagramResult
    from stackmap.export.map import MapResult
    from stackmap.export.workbook import WorkbookSource


def catalog_stamps(inventory: Inventory) -> tuple[dict[int, str], str]:
    """Return each tool's version stamp and the catalog's identifier.

    Every write to a tool or its contracts adds a history entry, so the newest entry's id is a
    version that changes exactly when the tool does. The catalog's identifier names the
    database (hashed) and its newest history entry.
    """
    with Session(inventory.engine) as session:
        owner = dict(session.execute(sa.select(CONTRACT.c.id, CONTRACT.c.tool_id)).all())
        newest: dict[int, int] = {}
        stmt = (
            sa.select(CHANGE.c.entity, CHANGE.c.entity_id, sa.func.max(CHANGE.c.id))
            .where(CHANGE.c.entity.in_(["tool", "contract"]))
            .group_by(CHANGE.c.entity, CHANGE.c.entity_id)
        )
        for entity, entity_id, change_id in session.execute(stmt):
            tool_id = entity_id if entity == "tool" else owner.get(entity_id)
            if tool_id is not None:
                newest[tool_id] = max(newest.get(tool_id, 0), change_id)
        latest = session.execute(sa.select(sa.func.max(CHANGE.c.id))).scalar() or 0
    where = hashlib.sha256(inventory.location.encode()).hexdigest()[:10]
    return {t: f"v{c}" for t, c in newest.items()}, f"{where}:{latest}"


def _snapshot(
    inventory: Inventory,
    today: date | None,
    counted: tuple[str, ...],
    retire: list[str] | None,
    into: str | None,
    all_tools: bool = False,
) -> tuple[Stack, Analysis, WhatIf | None]:
    stack = inventory.stack(today, counted, all_tools=all_tools)
    scenario = what_if(stack, retire, into) if retire else None
    return stack, analyze(stack), scenario


def export_workbook(
    inventory: Inventory,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    retire: list[str] | None = None,
    into: str | None = None,
    all_tools: bool = False,
) -> WorkbookSource:
    """Analyse the catalog and write the rationalisation workbook to path."""
    from stackmap.export.workbook import WorkbookSource, write_workbook

    stack, analysis, scenario = _snapshot(inventory, today, counted, retire, into, all_tools)
    versions, catalog_id = catalog_stamps(inventory)
    source = WorkbookSource(
        stack=stack,
        analysis=analysis,
        versions=versions,
        catalog_id=catalog_id,
        database=inventory.location,
        scenario=scenario,
        generated_at=datetime.now(),
    )
    write_workbook(path, source)
    return source


def export_map(
    inventory: Inventory,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    retire: list[str] | None = None,
    into: str | None = None,
    all_tools: bool = False,
) -> MapResult:
    """Analyse the catalog and write the interactive integration map to path."""
    from stackmap.export.map import write_map

    # Only the findings the map draws: the money and maturity views are not worked out.
    stack = inventory.stack(today, counted, all_tools=all_tools)
    scenario = what_if(stack, retire, into) if retire else None
    return write_map(path, stack, map_findings(stack), scenario)


def export_diagram(
    inventory: Inventory,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    overlay: str = "none",
) -> DiagramResult:
    """Write the stack diagram (HTML, or SVG for a .svg path); overlay: "none",
    "disposition" or "cost"."""
    stack, analysis, _ = _snapshot(inventory, today, counted, None, None)
    from stackmap.export.diagram import write_diagram

    return write_diagram(path, stack, analysis, overlay)


def export_calendar(
    inventory: Inventory,
    path: Path,
    *,
    today: date | None = None,
    counted: tuple[str, ...] = ("active",),
    paid_statuses: tuple[str, ...] | None = None,
) -> int:
    """Write the renewal calendar (.ics): every decide-by and renewal date ahead. Return the
    number of events. No analysis is needed: the dates come from the contract engine."""
    stack = inventory.stack(today, counted, paid_statuses=paid_statuses)
    from stackmap.export.calendar import write_calendar

    return write_calendar(path, stack)


@dataclass(frozen=True)
class DecisionChange:
    row: int
    tool_id: int
    tool: str
    old: dict[str, Any]
    new: dict[str, Any]


@dataclass
class DecisionPlan:
    file: str
    sha256: str
    changes: list[DecisionChange] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # decisions not applied, and why


def plan_decisions(
    inventory: Inventory, path: Path, *, apply_changed: bool = False
) -> DecisionPlan:
    """Read a reviewed workbook and work out what applying its decisions would change.

    Raises InvalidValueError when the file is not a review workbook, comes from another
    catalog, or has unreadable decisions (each named by row and column).
    """
    from stackmap.importers.decisions import read_review

    review = read_review(path)
    if review.problems:
        more = f" (and {len(review.problems) - 1} more)" if len(review.problems) > 1 else ""
        raise InvalidValueError(review.problems[0] + more)
    versions, catalog_id = catalog_stamps(inventory)
    if review.catalog_id.split(":")[0] != catalog_id.split(":")[0]:
        raise InvalidValueError(
            f"{path.name}: made from another catalog; decisions are applied only to the "
            "catalog the workbook was exported from"
        )
    plan = DecisionPlan(review.file, review.sha256)
    with Session(inventory.engine) as session:
        ids = [r.tool_id for r in review.rows]
        current = {
            row.id: row
            for row in session.execute(
                sa.select(
                    TOOL.c.id,
                    TOOL.c.name,
                    TOOL.c.disposition,
                    TOOL.c.decided_by,
                    TOOL.c.decision_note,
                    TOOL.c.functional_fit,
                    TOOL.c.technical_fit,
                ).where(TOOL.c.id.in_(ids or [-1]))
            )
        }
    for row in review.rows:
        tool = current.get(row.tool_id)
        if tool is None:
            plan.skipped.append(
                f"row {row.row}: {row.tool} is no longer in the catalog; not applied"
            )
            continue
        if versions.get(row.tool_id, "") != row.version and not apply_changed:
            plan.skipped.append(
                f"row {row.row}: {tool.name} changed in the catalog since the workbook was made; "
                "not applied (check it, then export again or use --apply-changed)"
            )
            continue
        old = {
            "disposition": tool.disposition,
            "decided_by": tool.decided_by,
            "decision_note": tool.decision_note,
            "functional_fit": tool.functional_fit,
            "technical_fit": tool.technical_fit,
        }
        new = {
            "disposition": row.decision or tool.disposition,
            "decided_by": row.owner or tool.decided_by,
            "decision_note": row.comment or tool.decision_note,
            "functional_fit": row.ratings.get("functional_fit", tool.functional_fit),
            "technical_fit": row.ratings.get("technical_fit", tool.technical_fit),
        }
        if new == old:
            plan.unchanged += 1
            continue
        plan.changes.append(DecisionChange(row.row, row.tool_id, tool.name, old, new))
    return plan


def apply_decisions(
    inventory: Inventory, plan: DecisionPlan, *, dry_run: bool = False
) -> LoadResult:
    """Write a plan's decisions in one transaction, recorded as one batch named after the file."""

    def work(writer: Writer, result: LoadResult) -> None:
        writer.set_decisions([(c.tool_id, c.tool, c.new, c.old) for c in plan.changes])
        result.tools = [
            Outcome(
                c.tool,
                "updated",
                {k: [c.old[k], v] for k, v in c.new.items() if c.old[k] != v},
                c.row,
            )
            for c in plan.changes
        ]
        result.tools += [Outcome("", "unchanged") for _ in range(plan.unchanged)]

    return inventory.in_batch("decisions", plan.file, plan.sha256, None, dry_run, work)
