"""What a load did, in lines a person reads: shared by the CLI and the terminal UI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: the importers load when a file is read
    from stackmap.importers.spreadsheet import ImportPlan, SheetPlan
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


def sheet_lines(sheet: SheetPlan) -> list[str]:
    """Every column of a sheet: mapped to a field, kept as an extra attribute, or ignored."""
    lines = [
        f"Sheet {sheet.name!r}: {sheet.kind}, header on row {sheet.header_row}, {sheet.rows} rows"
    ]
    mapped = ", ".join(f"{c.header} → {c.field}" for c in sheet.columns if c.role == "mapped")
    lines.append(f"  columns: {mapped}")
    extra = [c.header for c in sheet.columns if c.role == "extra"]
    if extra:
        lines.append(f"  kept as extra attributes: {', '.join(extra)}")
    ignored = [c.header for c in sheet.columns if c.role == "ignored"]
    if ignored:
        lines.append(f"  ignored: {', '.join(ignored)}")
    return lines


def import_lines(plan: ImportPlan, result: LoadResult) -> list[str]:
    """The sheets found, the header mapping, and the diff the import makes (or would make)."""
    lines = []
    for s in plan.sheets:
        lines += sheet_lines(s)
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
