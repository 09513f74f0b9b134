"""What a load did, in lines a person reads: shared by the CLI and the terminal UI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: the importers load when a file is read
    from stackmap.importers.sheets import SheetPlan
    from stackmap.importers.spend import SpendPlan
    from stackmap.importers.spreadsheet import ImportPlan
    from stackmap.inventory import LoadResult
    from stackmap.reads import ReadCatalog
    from stackmap.review import DecisionPlan


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


# --- the JSON each command writes with --json: one shape, whichever front end asks ---------


def import_json(plan: ImportPlan, result: LoadResult) -> dict[str, Any]:
    """An import of tools: the file, how each sheet was read, what changed, and every issue."""
    return {
        "file": plan.file,
        "sha256": plan.sha256,
        "profile": plan.profile,
        "dry_run": result.dry_run,
        "batch_id": result.batch_id,
        "counts": result.counts(),
        "sheets": [
            {
                "name": s.name,
                "kind": s.kind,
                "header_row": s.header_row,
                "rows": s.rows,
                "columns": [
                    {
                        "header": c.header,
                        "field": c.field,
                        "how": c.how,
                        "role": c.role,
                        "why": c.why,
                    }
                    for c in s.columns
                ],
            }
            for s in plan.sheets
        ],
        "tools": [
            {"name": o.label, "action": o.action, "row": o.source_row, "changes": o.changes}
            for o in result.tools
        ],
        "integrations": [
            {"name": o.label, "action": o.action, "changes": o.changes} for o in result.integrations
        ],
        "issues": [
            {
                "row": i.row,
                "column": i.column,
                "value": i.value,
                "severity": i.severity,
                "reason": i.reason,
            }
            for i in plan.issues
        ],
        "notes": plan.notes,
    }


def spend_json(plan: SpendPlan, result: LoadResult) -> dict[str, Any]:
    """A spend report: the period it covers and, per supplier, the annual spend and its tool."""
    return {
        "file": plan.file,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "months": plan.months,
        "period_source": plan.period_source,
        "dry_run": result.dry_run,
        "counts": result.counts(),
        "suppliers": [
            {
                "supplier": m.spend.supplier,
                "currency": m.spend.currency,
                "invoices": m.spend.invoices,
                "amount": m.spend.amount,
                "annual_amount": m.annual_amount,
                "annualised_by": m.annualised_by,
                "status": m.status,
                "tool": m.tool,
                "reason": m.reason,
            }
            for m in plan.matches
        ],
    }


def decisions_json(plan: DecisionPlan, result: LoadResult) -> dict[str, Any]:
    """A reviewed workbook read back: the decisions changed, unchanged and not applied."""
    return {
        "file": plan.file,
        "dry_run": result.dry_run,
        "batch_id": result.batch_id,
        "changed": [
            {"row": c.row, "tool": c.tool, "old": c.old, "new": c.new} for c in plan.changes
        ],
        "unchanged": plan.unchanged,
        "skipped": plan.skipped,
    }


def about_json(catalog: ReadCatalog) -> dict[str, Any]:
    """What `info` says: the version, where the catalog is, its schema, reference and counts."""
    from stackmap import __version__

    reference = catalog.reference
    return {
        "version": __version__,
        "database": catalog.location,
        "schema_revision": catalog.schema_revision(),
        "reference": [str(p) for p in reference.sources],
        "reference_counts": {
            "areas": len(reference.areas),
            "capabilities": len(reference.capabilities),
            "categories": len(reference.categories),
            "subcategories": len(reference.subcategories),
            "products": len(reference.products),
        },
        "counts": catalog.counts(),
    }
