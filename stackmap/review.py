"""What a review brings back: reviewers' decisions from the rationalisation workbook into the
catalog (the workbook and the other exports are written by stackmap.publish).

Every row of the workbook carries its tool's id and a version stamp (the newest history entry
of the tool and its contracts); the file carries one stamp for the catalog. A decision on a
tool that changed or vanished since the export is reported, not applied blindly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from stackmap.errors import InvalidValueError
from stackmap.inventory import Inventory, LoadResult
from stackmap.models import Tool
from stackmap.store import Outcome, Writer

TOOL: sa.Table = Tool.__table__  # type: ignore[attr-defined]


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
    versions, catalog_id = inventory.stamps()
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
