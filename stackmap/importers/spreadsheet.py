"""Plan an import of a spreadsheet people keep: find the sheets and headers, read the values,
match names, merge duplicates, and say everything that was done or doubted (no database)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackmap.domain import name_key
from stackmap.errors import InvalidValueError
from stackmap.importers.files import read_sheets, sha256_of
from stackmap.importers.links import (
    ExistingTool,
    LinkTable,
    integration_rows,
    links_from_tool_rows,
    resolve_links,
)
from stackmap.importers.mapping import (
    AS_WRITTEN,
    Issue,
    MappedSheet,
)
from stackmap.importers.matching import ProductMatcher, load_batch_matching, similar_names
from stackmap.importers.profiles import Profile
from stackmap.importers.records import SourceRow, tool_records
from stackmap.importers.scope import outside_marketing
from stackmap.importers.sheets import (
    EarlyWork,
    Reading,
    SheetPlan,
    SheetRead,
    choose_sheets,
    read_sheet,
)
from stackmap.importers.values import text_of
from stackmap.progress import SILENT, Progress
from stackmap.reference import Reference
from stackmap.schemas import (
    IntegrationFields,
    ToolRecord,
    invalid_field,
)


@dataclass
class ImportPlan:
    """Everything an import would write, and what a person should know about it."""

    file: str
    sha256: str
    profile: str | None
    sheets: list[SheetPlan] = field(default_factory=list)
    tools: list[ToolRecord] = field(default_factory=list)
    integrations: Sequence[IntegrationFields] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


def plan_import(
    path: Path,
    reference: Reference,
    existing: Sequence[ExistingTool] = (),
    *,
    sheet: str | None = None,
    profile: Profile | None = None,
    dayfirst: bool | None = None,
    currency: str | None = None,
    strict: bool = False,
    progress: Progress = SILENT,
) -> ImportPlan:
    """Read a workbook or CSV and return the records it holds, with every issue found.

    A value that cannot be read leaves its field unknown and its text kept (strict: refuses
    the row instead). Raises InvalidValueError (naming the file) when nothing in it can be
    imported.
    """
    progress.stage(f"Reading {path.name}")
    currency = currency or (profile.currency if profile else None)
    if dayfirst is None and profile is not None:
        dayfirst = profile.dayfirst
    reading = Reading(
        file=path.name,
        reference=reference,
        profile=profile,
        sheet=sheet or (profile.sheet if profile else None),
        dayfirst=dayfirst,
        currency=currency,
        strict=strict,
    )
    matcher = ProductMatcher(reference)

    def plan_tools(read: SheetRead) -> ImportPlan | None:
        if read.kind != "tools":
            return None
        planned = ImportPlan(path.name, "", None)
        _plan_tools(planned, read.mapped.rows, matcher, existing, currency, strict)
        return planned

    # A file still being read is a large one (see files.read_ahead): its names will be matched
    # in one batch, and what that needs loads while the reader works; then each sheet read
    # before the others is read into rows, and its tools planned, while they are.
    early = EarlyWork(reading, plan_tools)
    sheets = read_sheets(path, meanwhile=load_batch_matching, arrived=early)
    plan = ImportPlan(path.name, sha256_of(path), profile.name if profile else None)
    chosen = choose_sheets(path, sheets, reading, early.detected)
    mapped: dict[str, MappedSheet] = {}
    planned: ImportPlan | None = None
    for kind, (found, header) in chosen.items():
        done = early.taken(kind, found, header)
        if done is None:
            read = read_sheet(kind, found, header, reading, len(sheets) > 1, progress)
        else:
            read, result = done
            planned = result if kind == "tools" else planned
            progress.stage(f"Reading the {kind} on {found.name!r}", len(found.rows))
            progress.advance(len(found.rows))
        mapped[kind] = read.mapped
        plan.issues += read.mapped.issues
        plan.notes += read.notes
        plan.sheets.append(read.plan)
    progress.stage("Matching names to products and tools")
    if "tools" in mapped:
        if planned is None:
            _plan_tools(plan, mapped["tools"].rows, matcher, existing, currency, strict)
        else:
            plan.tools += planned.tools
            plan.issues += planned.issues
            plan.notes += planned.notes
    links = LinkTable.of(links_from_tool_rows(mapped["tools"].rows) if "tools" in mapped else [])
    if "integrations" in mapped:
        register = mapped["integrations"]
        one_by_one = LinkTable.of(integration_rows(register.rows))
        links = links + (one_by_one + LinkTable.of_block(register.block)).by_row()
    plan.integrations = resolve_links(plan.issues, plan.tools, links, matcher, existing, strict)
    return plan


def _plan_tools(
    plan: ImportPlan,
    rows: list[SourceRow],
    matcher: ProductMatcher,
    existing: Sequence[ExistingTool],
    currency: str | None,
    strict: bool,
) -> None:
    groups: dict[str, list[SourceRow]] = {}
    products: dict[str, str] = {}
    in_catalog = {name_key(t.name) for t in existing}
    no_currency: list[SourceRow] = []
    matches = matcher.match_many([str(row.cells["name"]) for row in rows])
    # Rows are merged only by exact name, alias or library identity, never by a fuzzy score:
    # two rows whose names merely resemble one product stay two tools.
    fuzzy_rows: dict[str, set[str]] = {}
    for row, match in zip(rows, matches, strict=True):
        if match is not None and match.how != "possible":
            key = f"product:{match.target}" if match.how != "fuzzy" else name_key(row.cells["name"])
            fuzzy_rows.setdefault(match.target, set()).add(key)
    for row, match in zip(rows, matches, strict=True):
        name = str(row.cells["name"])
        identity = name_key(name)
        if match is not None and match.how == "fuzzy" and len(fuzzy_rows[match.target]) > 1:
            plan.notes.append(
                f"row {row.number}: {name!r} resembles {match.target} ({match.score:.0f}% alike), "
                "as another row does; not assumed — add it as an alias if it is"
            )
        elif match is not None and match.how == "fuzzy":
            products[identity] = match.target
            plan.notes.append(
                f"row {row.number}: {name!r} read as {match.target} ({match.score:.0f}% alike)"
            )
        elif match is not None and match.how != "possible":
            identity = f"product:{match.target}"
            products[identity] = match.target
        elif match is not None:
            plan.notes.append(
                f"row {row.number}: {name!r} may be {match.target} ({match.score:.0f}% alike); "
                "not assumed — add it as an alias if it is"
            )
        groups.setdefault(identity, []).append(row)
    for identity, group in groups.items():
        row = group[0] if len(group) == 1 else _merge(plan, group)
        cells = dict(row.cells)
        cells.pop("integrations", None)
        _to_reference_terms(plan, row, cells, matcher.reference)
        email = cells.get("business_owner_email")
        if email and not cells.get("business_owner"):
            cells["business_owner"] = _name_from_email(str(email))
        record = _record(plan, SourceRow(row.number, cells, row.columns, row.sheet), strict)
        if record is None:
            continue
        record.product = products.get(identity)
        _scope_from_words(plan, row, record, matcher.reference, in_catalog)
        contract = record.contract
        if (
            contract is not None
            and contract.currency is None
            and (contract.amount is not None or contract.annual_cost is not None)
        ):
            if currency:
                contract.currency = currency
            else:
                no_currency.append(row)
        plan.tools.append(record)
    if no_currency:
        first = no_currency[0]
        rows_text = ", ".join(str(r.number) for r in no_currency[:8])
        more = ", …" if len(no_currency) > 8 else ""
        column = first.columns.get("annual_cost") or first.columns.get("amount", "")
        plan.issues.append(
            Issue(
                first.number,
                column,
                "",
                f"{len(no_currency)} amount(s) name no currency (rows {rows_text}{more}); "
                "stored without one; say --currency",
                "warning",
                first.sheet,
            )
        )
    known = [t.name for t in existing]
    for name, other, score in similar_names([r.fields.name for r in plan.tools], known):
        plan.notes.append(
            f"{name!r} looks like {other!r}, already in the catalog ({score:.0f}% alike); "
            "imported as a separate tool — rename one if they are the same"
        )


def _record(plan: ImportPlan, row: SourceRow, strict: bool) -> ToolRecord | None:
    """Validate a row into a record; a field the schema refuses is left unknown and its text
    kept, so the row still lands (strict: the row is refused). None when the row cannot land."""
    cells = dict(row.cells)
    while True:
        try:
            return tool_records([SourceRow(row.number, cells, row.columns, row.sheet)], plan.file)[
                0
            ]
        except InvalidValueError as exc:
            field = invalid_field(exc)
            reason = str(exc).split(": ", 2)[-1]
            if strict or field is None or field == "name" or field not in cells:
                plan.issues.append(Issue(row.number, "", "", reason, "error", row.sheet))
                return None
            header = row.columns.get(field, field)
            written = cells.pop(field)
            cells[header + AS_WRITTEN] = text_of(written)
            plan.issues.append(
                Issue(
                    row.number,
                    header,
                    text_of(written),
                    f"{reason.split(': ', 1)[-1]}; left unknown, kept as written",
                    "unreadable",
                    row.sheet,
                )
            )


def _scope_from_words(
    plan: ImportPlan, row: SourceRow, record: ToolRecord, reference: Reference, known: set[str]
) -> None:
    """Give a new tool with no category and no library product the category outside
    marketing its name or description names ("payroll", "applicant tracking"), and say so."""
    fields = record.fields
    if (
        fields.category is not None
        or record.product is not None
        or reference.product(fields.name) is not None
        or name_key(fields.name) in known
    ):
        return
    found = outside_marketing(fields.name, fields.description)
    if found is None:
        return
    slug, words = found
    fields.category = slug
    fields.__pydantic_fields_set__.add("category")
    plan.notes.append(
        f"row {row.number}: {fields.name!r} says {words!r}: filed under "
        f"{reference.subcategories[slug].name}, outside marketing; set its category if wrong"
    )


def _to_reference_terms(
    plan: ImportPlan, row: SourceRow, cells: dict[str, Any], reference: Reference
) -> None:
    """Translate a team's own category, capability and stage words into the reference model's.

    A category the taxonomy does not know stays with the tool as written (an extra attribute)
    and the product library's category is used instead; unknown capabilities are reported.
    """
    category = cells.get("category")
    if category:
        slug = reference.subcategory_slug(str(category))
        if slug is None:
            column = row.columns.get("category", "category")
            cells.pop("category")
            cells[f"{column} (as written)"] = category
            plan.issues.append(
                Issue(
                    row.number,
                    column,
                    str(category),
                    "not a landscape category; kept as written",
                    "warning",
                    row.sheet,
                )
            )
        else:
            cells["category"] = slug
    for key in ("capabilities", "journey_stages"):
        values = cells.get(key)
        if not values:  # most rows name neither
            continue
        if key == "capabilities":
            known = [reference.capability_slug(v) for v in values]
        else:
            known = [_stage(reference, v) for v in values]
        for value, slug in zip(values, known, strict=True):
            if slug is None:
                plan.issues.append(
                    Issue(
                        row.number,
                        row.columns.get(key, key),
                        str(value),
                        f"not a known {key.replace('_', ' ')[:-1]}; skipped",
                        "warning",
                        row.sheet,
                    )
                )
        cells[key] = [s for s in known if s]


def _name_from_email(email: str) -> str:
    """Return a person's name from an address like priya.natarajan@example.com."""
    local = email.split("@")[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w and not w.isdigit()]
    return " ".join(w.capitalize() for w in words) or email


def _stage(reference: Reference, text: str) -> str | None:
    for stage in reference.journey:
        if name_key(text) in (name_key(stage.slug), name_key(stage.name)):
            return stage.slug
    return None


def _merge(plan: ImportPlan, group: list[SourceRow]) -> SourceRow:
    """Merge rows naming one tool: later non-blank cells fill in and win, and say so."""
    cells: dict[str, Any] = {}
    columns: dict[str, str] = {}
    for row in group:
        for key, value in row.cells.items():
            if key in cells and key != "name" and cells[key] != value:
                plan.notes.append(
                    f"row {row.number}: {row.columns.get(key, key)!r} {value!r} replaces "
                    f"{cells[key]!r} from an earlier row of {cells['name']!r}"
                )
            if key not in cells or key != "name":
                cells[key] = value
            columns.setdefault(key, row.columns.get(key, key))
    numbers = ", ".join(str(r.number) for r in group)
    plan.notes.append(f"rows {numbers} name the same tool ({cells['name']!r}) and were merged")
    return SourceRow(group[0].number, cells, columns, group[0].sheet)
