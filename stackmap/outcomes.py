"""What a load did, in lines a person reads: shared by the CLI and the terminal UI."""

from __future__ import annotations

from typing import Any

from stackmap.importers.spreadsheet import ImportPlan
from stackmap.inventory import LoadResult


def short(value: Any) -> str:
    """A value shortened for one line of a diff."""
    text = (
        "—"
        if value is None
        else ", ".join(map(str, value))
        if isinstance(value, list)
        else str(value)
    )
    return text if len(text) <= 40 else text[:39] + "…"


def import_lines(plan: ImportPlan, result: LoadResult) -> list[str]:
    """The sheets found, the header mapping, and the diff the import makes (or would make)."""
    lines = []
    for s in plan.sheets:
        mapped = ", ".join(f"{h} → {f}" for h, f, how in s.columns if f)
        extra = [h for h, f, how in s.columns if f is None and how != "ignore"]
        lines.append(f"Sheet {s.name!r}: {s.kind}, header on row {s.header_row}, {s.rows} rows")
        lines.append(f"  columns: {mapped}")
        if extra:
            lines.append(f"  kept as extra attributes: {', '.join(extra)}")
    verb = "Would write" if result.dry_run else "Imported"
    counts = result.counts()
    lines.append(
        f"{verb}: {counts['tools_created']} tools created, {counts['tools_updated']} updated, "
        f"{counts['tools_unchanged']} unchanged; {counts['integrations_created']} integrations "
        f"created, {counts['integrations_updated']} updated"
    )
    for outcome in result.tools:
        if outcome.action == "updated":
            changes = "; ".join(
                f"{k}: {short(v[0])} → {short(v[1])}" for k, v in outcome.changes.items()
            )
            lines.append(f"  ~ {outcome.label}: {changes}")
        elif outcome.action == "created" and result.dry_run:
            lines.append(f"  + {outcome.label}")
    for note in plan.notes:
        lines.append(f"  note: {note}")
    for issue in plan.issues:
        lines.append(f"  {issue.severity}: {issue.line(plan.file)}")
    return lines
