"""Plan an import of a spreadsheet people keep: find the sheets and headers, read the values,
match names, merge duplicates, and say everything that was done or doubted (no database)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, pairwise
from operator import itemgetter
from pathlib import Path
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from stackmap.domain import IntegrationMethod, name_key
from stackmap.errors import InvalidValueError
from stackmap.importers.evidence import weigh
from stackmap.importers.files import Sheet, read_sheets, sha256_of, sheet_names
from stackmap.importers.headers import HeaderMap, detect_header, headers_seen
from stackmap.importers.mapping import (
    ABSENT,
    AS_WRITTEN,
    Issue,
    MappedSheet,
    RowBlock,
    date_order,
    map_rows,
)
from stackmap.importers.matching import ProductMatcher, load_batch_matching, similar_names
from stackmap.importers.profiles import Profile
from stackmap.importers.records import SourceRow, tool_records
from stackmap.importers.scope import outside_marketing
from stackmap.importers.values import CURRENCIES, text_of
from stackmap.progress import SILENT, Progress
from stackmap.reference import Reference
from stackmap.schemas import (
    LINK_TERMS,
    IntegrationColumns,
    IntegrationFields,
    Name,
    ToolRecord,
    invalid_field,
    parse,
    validator,
)


@dataclass(frozen=True)
class ExistingTool:
    """A tool already in the catalog, as the importer needs to know it."""

    name: str
    product: str | None


@dataclass(frozen=True)
class ColumnPlan:
    """What one column of a sheet became: a field, an extra attribute, or ignored, and why."""

    header: str
    field: str | None  # None: kept as an extra attribute (or ignored)
    how: str  # profile, exact, synonym, partial, fuzzy, extra or ignore
    why: str = ""  # when the column's values overruled its header, or another column won

    @property
    def role(self) -> str:
        """mapped, extra or ignored."""
        return "ignored" if self.how == "ignore" else "mapped" if self.field else "extra"


@dataclass
class SheetPlan:
    """What was found on one sheet."""

    name: str
    kind: str
    header_row: int  # 1-based, as the spreadsheet shows it
    columns: list[ColumnPlan]
    rows: int


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
    # A file still being read is a large one (see files.read_ahead): its names will be matched
    # in one batch, and what that needs loads while the reader works.
    sheets = read_sheets(path, meanwhile=load_batch_matching)
    plan = ImportPlan(path.name, sha256_of(path), profile.name if profile else None)
    wanted_sheet = sheet or (profile.sheet if profile else None)
    currency = currency or (profile.currency if profile else None)
    if dayfirst is None and profile is not None:
        dayfirst = profile.dayfirst
    chosen = _choose_sheets(path, sheets, wanted_sheet, profile)
    mapped: dict[str, MappedSheet] = {}
    for kind, (found, header) in chosen.items():
        header, why = weigh(found.rows, header, lambda text: _known_category(reference, text))
        for column, reason in why.items():
            plan.notes.append(
                f"{found.name}: {column!r}: {reason}"
                if len(sheets) > 1
                else f"{column!r}: {reason}"
            )
        order = _date_order(found, header, path.name, dayfirst)
        label = found.name if len(sheets) > 1 else ""
        sheet_currency = currency or _stated_currency(plan, found, header)
        progress.stage(f"Reading the {kind} on {found.name!r}", len(found.rows))
        result = map_rows(
            found,
            header,
            dayfirst=order,
            default_currency=sheet_currency,
            label=label,
            strict=strict,
            progress=progress,
            columns=kind == "integrations",
        )
        mapped[kind] = result
        plan.issues += result.issues
        plan.notes += [f"{found.name}: {note}" if label else note for note in found.notes]
        plan.sheets.append(
            SheetPlan(
                found.name,
                kind,
                header.header_rows[-1] + 1,
                [
                    ColumnPlan(c.header, c.field, c.how, why.get(c.header, ""))
                    for c in header.columns
                ],
                result.count,
            )
        )
    progress.stage("Matching names to products and tools")
    matcher = ProductMatcher(reference)
    if "tools" in mapped:
        _plan_tools(plan, mapped["tools"].rows, matcher, existing, currency, strict)
    links = _Links.of(_links_from_tool_rows(mapped["tools"].rows) if "tools" in mapped else [])
    if "integrations" in mapped:
        register = mapped["integrations"]
        read = _Links.of(_integration_rows(plan, register.rows))
        links = links + (read + _Links.of_block(register.block)).by_row()
    plan.integrations = _resolve_links(plan, links, matcher, existing, strict)
    return plan


def _known_category(reference: Reference, text: str) -> bool:
    """True for a category the taxonomy knows (by slug, name or a team's usual word)."""
    return reference.subcategory_slug(text) is not None


def _choose_sheets(
    path: Path, sheets: list[Sheet], wanted: str | None, profile: Profile | None
) -> dict[str, tuple[Sheet, HeaderMap]]:
    if wanted is not None:
        named = [s for s in sheets if name_key(s.name) == name_key(wanted)]
        if not named:
            raise InvalidValueError(
                f"{path.name}: no sheet named {wanted!r}; sheets: {sheet_names(sheets)}"
            )
        sheets = named
    if not any(s.rows for s in sheets):
        raise InvalidValueError(
            f"{path.name}: the workbook has no data (sheets: {sheet_names(sheets)})"
        )
    columns = profile.columns if profile else None
    found: dict[str, tuple[int, Sheet, HeaderMap]] = {}
    for candidate in sorted(sheets, key=lambda s: not s.visible):
        headers = {
            kind: detect_header(
                candidate.rows,
                kind,
                merged_rows=candidate.merged_rows,
                profile=columns,
                # A sheet the person named, or the only one, may be a bare list of names.
                min_fields=1 if len(sheets) == 1 else 2,
            )
            for kind in ("tools", "integrations")
        }
        scores = {k: len({c.field for c in h.columns if c.field}) for k, h in headers.items() if h}
        if not scores:
            continue
        kind = max(scores, key=lambda k: (scores[k], k == "tools"))
        header = headers[kind]
        assert header is not None
        if kind not in found or scores[kind] > found[kind][0]:
            found[kind] = (scores[kind], candidate, header)
    if not found:
        raise InvalidValueError(
            f"{path.name}: no sheet has a column naming the tool (e.g. Tool, Application, "
            f"Product) or integration ends (From, To); sheets: {sheet_names(sheets)}"
            + headers_seen(sheets)
        )
    return {kind: (s, h) for kind, (_, s, h) in found.items()}


_CURRENCY_NOTE = re.compile(
    r"\b(?:amounts?|figures?|costs?|prices?|values?|spend|numbers?)\b[^.\n]*?\bin\s+"
    r"(?P<code>[A-Z]{3})\b",
)


def _stated_currency(plan: ImportPlan, sheet: Sheet, header: HeaderMap) -> str | None:
    """Return the currency a note above the header states ("amounts in USD unless stated")."""
    for index in range(header.header_rows[0]):
        for cell in sheet.rows[index]:
            match = _CURRENCY_NOTE.search(str(cell or ""))
            if match and match.group("code") in CURRENCIES:
                code = match.group("code")
                plan.notes.append(
                    f"amounts that name no currency are read as {code}, as row {index + 1} says"
                )
                return code
    return None


def _date_order(sheet: Sheet, header: HeaderMap, file: str, dayfirst: bool | None) -> bool | None:
    try:
        inferred = date_order(sheet, header, file)
    except ValueError as exc:
        if dayfirst is not None:
            return dayfirst
        raise InvalidValueError(f"{exc}; say --dayfirst or --monthfirst") from None
    return dayfirst if dayfirst is not None else inferred


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


# Row number, sheet label, integration values (never changed), and the header each field was
# read from.
Link = tuple[int, str, Mapping[str, Any], Mapping[str, str]]


@dataclass
class _Links:
    """Links column by column, in the order they are weighed: each one's row and sheet (for
    its issues) and the header each of its fields was read from, its ends as written, and
    its terms in LINK_TERMS' order (ABSENT: not given)."""

    numbers: list[int]
    sheets: list[str]
    headers: list[Mapping[str, str]]
    source: list[Any]
    target: list[Any]
    terms: list[list[Any]]

    @classmethod
    def of(cls, links: Sequence[Link]) -> _Links:
        values = [link[2] for link in links]
        return cls(
            [link[0] for link in links],
            [link[1] for link in links],
            [link[3] for link in links],
            [v.get("source", ABSENT) for v in values],
            [v.get("target", ABSENT) for v in values],
            [[v.get(term, ABSENT) for v in values] for term in LINK_TERMS],
        )

    @classmethod
    def of_block(cls, block: RowBlock) -> _Links:
        """The links of rows read column by column (extra columns are no link's)."""
        count = len(block.numbers)
        absent = [ABSENT] * count
        return cls(
            block.numbers,
            [block.label] * count,
            [block.headers] * count,
            block.cells.get("source", absent),
            block.cells.get("target", absent),
            [block.cells.get(term, absent) for term in LINK_TERMS],
        )

    def __len__(self) -> int:
        return len(self.numbers)

    def __add__(self, other: _Links) -> _Links:
        if not other.numbers:
            return self
        if not self.numbers:
            return other
        return _Links(
            self.numbers + other.numbers,
            self.sheets + other.sheets,
            self.headers + other.headers,
            self.source + other.source,
            self.target + other.target,
            [a + b for a, b in zip(self.terms, other.terms, strict=True)],
        )

    def by_row(self) -> _Links:
        """These links in the order of their rows (of one sheet)."""
        numbers = self.numbers
        if all(a < b for a, b in pairwise(numbers)):
            return self
        order = sorted(range(len(numbers)), key=numbers.__getitem__)

        def take(column: list[Any]) -> list[Any]:
            return list(map(column.__getitem__, order))

        return _Links(
            take(numbers),
            take(self.sheets),
            take(self.headers),
            take(self.source),
            take(self.target),
            [take(column) for column in self.terms],
        )

    def values(self, index: int) -> dict[str, Any]:
        """One link's values by field, as a row gives them."""
        found = {"source": self.source[index], "target": self.target[index]}
        found.update((t, c[index]) for t, c in zip(LINK_TERMS, self.terms, strict=True))
        return {k: v for k, v in found.items() if v is not ABSENT}


def _links_from_tool_rows(rows: list[SourceRow]) -> list[Link]:
    links: list[Link] = []
    for row in rows:
        for target in row.cells.get("integrations") or []:
            values = {"source": row.cells["name"], "target": target, "method": "unknown"}
            links.append((row.number, row.sheet, values, row.columns))
    return links


def _integration_rows(plan: ImportPlan, rows: list[SourceRow]) -> list[Link]:
    """Return the rows of an integrations sheet as links; they are validated once resolved.

    A word the link's columns do not know ("Tag" as a method) leaves that field unknown and is
    kept, as written, in the link's notes.
    """
    fields = frozenset(IntegrationFields.model_fields)
    links = []
    for row in rows:
        if fields.issuperset(row.cells):  # most rows: every cell a link's field, read
            # As they are: _resolve_links makes each link's values anew, with its ends named.
            links.append((row.number, row.sheet, row.cells, row.columns))
            continue
        values = {k: v for k, v in row.cells.items() if k in fields}
        written = [
            f"{k.removesuffix(AS_WRITTEN)}: {v}"
            for k, v in row.cells.items()
            if k.endswith(AS_WRITTEN)
        ]
        if written:
            method = row.columns.get("method")
            if method is not None and method + AS_WRITTEN in row.cells:
                values["method"] = IntegrationMethod.UNKNOWN  # not the schema's default guess
            notes = [str(values["notes"])] if values.get("notes") else []
            values["notes"] = "; ".join([*notes, f"as written — {'; '.join(written)}"])
        links.append((row.number, row.sheet, values, row.columns))
    return links


def _where(number: int, field: str) -> str:
    return f"row {number}, {field}"


def _link_refusing(plan: ImportPlan, link: Link, strict: bool) -> IntegrationFields | None:
    """Validate a link some value of which the schema refuses (an owner's name longer than a
    name can be): that field is left unknown and its text kept in the link's notes, so the
    link still lands (strict: it is refused). None when the link cannot land."""
    number, sheet, values, columns = link
    values = dict(values)
    while True:
        try:
            return parse(IntegrationFields, values, partial(_where, number))
        except InvalidValueError as exc:
            field = invalid_field(exc)
            if strict or field in (None, "source", "target", "notes") or field not in values:
                plan.issues.append(Issue(number, "", "", str(exc), "error", sheet))
                return None
            header = columns.get(field, field)
            written = text_of(values.pop(field))
            if field == "method":
                values["method"] = IntegrationMethod.UNKNOWN  # not the schema's default guess
            kept = f"as written — {header}: {written}"
            values["notes"] = f"{values['notes']}; {kept}" if values.get("notes") else kept
            cause = exc.__cause__
            said = cause.errors()[0]["msg"] if isinstance(cause, ValidationError) else str(exc)
            reason = said.removeprefix("Value error, ")
            reason = reason[:1].lower() + reason[1:]
            plan.issues.append(
                Issue(
                    number,
                    header,
                    written,
                    f"{reason}; left unknown, kept as written",
                    "unreadable",
                    sheet,
                )
            )


def _end_resolver(
    plan: ImportPlan, matcher: ProductMatcher, existing: Sequence[ExistingTool]
) -> Callable[[str], tuple[str, str] | None]:
    """What each way of writing a link's end names: the tool's (name, key), in the catalog
    or planned from this file, or None for no such tool; each resolved once."""
    by_key: dict[str, str] = {}
    by_product: dict[str, list[str]] = {}
    for tool in existing:
        by_key[name_key(tool.name)] = tool.name
        if tool.product:
            by_product.setdefault(tool.product, []).append(tool.name)
    for record in plan.tools:
        product = record.product or getattr(
            matcher.reference.product(record.fields.name), "name", None
        )
        # A record that updates a catalog tool of the same product lands on that tool's name.
        same = list(dict.fromkeys(by_product.get(product, []))) if product else []
        landing = by_key.get(name_key(record.fields.name)) or (
            same[0] if len(same) == 1 else record.fields.name
        )
        by_key.setdefault(name_key(record.fields.name), landing)
        if product and not same:
            by_product.setdefault(product, []).append(landing)

    def _resolve_end(written: str) -> str | None:
        key = name_key(written)
        if key in by_key:
            return by_key[key]
        match = matcher.match(written)
        if match is not None and match.how != "possible":
            names = list(dict.fromkeys(by_product.get(match.target, [])))
            if len(names) == 1:
                return names[0]
        close = similar_names([written], list(by_key.values()), agreeing=True)
        return close[0][1] if close else None

    # Each way of writing a name is resolved once, to the tool's name and its key (None: no
    # such tool): 100,000 links name 20,000 tools, and a name not in the catalog costs a
    # fuzzy search.
    ends: dict[str, tuple[str, str] | None] = {}

    def end(written: str) -> tuple[str, str] | None:
        if written in ends:
            return ends[written]
        name = _resolve_end(written)
        found = ends[written] = (name, name_key(name)) if name is not None else None
        return found

    return end


def _resolve_links(
    plan: ImportPlan,
    links: _Links,
    matcher: ProductMatcher,
    existing: Sequence[ExistingTool],
    strict: bool = False,
) -> IntegrationColumns:
    """Name each end by the tool it means (in the catalog or in this file), or report it.

    Links are kept in their order, the first of several saying the same link (the same
    route and method; "connected apps" either way round) is kept, a link from a tool to
    itself is dropped, and each is validated as IntegrationFields would validate it."""
    ends = _end_resolver(plan, matcher, existing)
    written_sources = [None if v is ABSENT else str(v) for v in links.source]
    written_targets = [None if v is ABSENT else str(v) for v in links.target]
    named = {
        w: ends(w) for w in dict.fromkeys(chain(written_sources, written_targets)) if w is not None
    }
    # None: the end names no tool, or no tool known.
    sources = [named[w] if w is not None else None for w in written_sources]
    targets = [named[w] if w is not None else None for w in written_targets]
    methods = links.terms[LINK_TERMS.index("method")]
    # Issues by the index of their link: a link whose terms the schema refuses is reported
    # after the links before it that name no known tool, as one pass would have.
    told: list[tuple[int, Issue]] = []
    kept: list[int] = []
    seen: set[tuple[str, ...]] = set()
    for index, (source, target, written) in enumerate(zip(sources, targets, methods, strict=True)):
        if source is None or target is None:
            written = (written_sources[index], written_targets[index])
            told.append((index, _no_end(links, index, written, (source, target))))
            continue
        if source[0] == target[0]:
            continue
        method = "" if written is ABSENT else str(written)
        # "Connected apps" has no direction: A lists B and B lists A is one link.
        if method == "unknown":
            key = (*sorted((source[1], target[1])), method)
        else:
            key = (source[1], target[1], method)
        if key not in seen:
            seen.add(key)
            kept.append(index)
    result = _validated_links(plan, links, kept, sources, targets, told, strict)
    plan.issues += [issue for _, issue in sorted(told, key=itemgetter(0))]
    # A "connected apps" cell only says two tools are linked; a row saying how (either way
    # round) describes the same link better.
    if IntegrationMethod.UNKNOWN not in set(result.method):
        return result  # nothing to drop: most files never say "connected apps"
    keys: dict[str, str] = {}

    def key_of(name: str) -> str:
        key = keys.get(name)
        if key is None:
            key = keys[name] = name_key(name)
        return key

    pairs = [
        frozenset((key_of(s), key_of(t))) for s, t in zip(result.source, result.target, strict=True)
    ]
    described = {
        pair
        for pair, method in zip(pairs, result.method, strict=True)
        if method != IntegrationMethod.UNKNOWN
    }
    if not described:
        return result
    return _taken(
        result,
        [
            i
            for i, (pair, method) in enumerate(zip(pairs, result.method, strict=True))
            if method != IntegrationMethod.UNKNOWN or pair not in described
        ],
    )


def _no_end(
    links: _Links,
    index: int,
    written: tuple[str | None, str | None],
    found: tuple[tuple[str, str] | None, tuple[str, str] | None],
) -> Issue:
    """Why a link cannot land: an end names no tool (an empty cell), or no tool known."""
    number, sheet = links.numbers[index], links.sheets[index]
    for end, name in zip(("source", "target"), written, strict=True):
        if name is None:
            column = links.headers[index].get(end, end)
            return Issue(number, column, "", "names no tool; link skipped", "warning", sheet)
    return Issue(
        number,
        "",
        ", ".join(str(w) for w, f in zip(written, found, strict=True) if f is None),
        "no such tool in the catalog or this file; link skipped",
        "warning",
        sheet,
    )


_NAME: TypeAdapter[str] = TypeAdapter(Name)


def _validated_links(
    plan: ImportPlan,
    links: _Links,
    landing: list[int],
    sources: list[tuple[str, str] | None],
    targets: list[tuple[str, str] | None],
    told: list[tuple[int, Issue]],
    strict: bool,
) -> IntegrationColumns:
    """The landing links (by index), named by the tools their ends resolved to, validated
    as IntegrationFields would validate each: its terms once per distinct set of them (a
    register's 100,000 links say a few dozen), its names once per tool. A link some value
    of which the schema refuses goes through _link_refusing, its issues told by index."""
    validate = validator(IntegrationFields)
    # Each link's terms, in LINK_TERMS' order; a list (of data objects) as a tuple.
    columns = list(links.terms)
    at = LINK_TERMS.index("data_objects")
    columns[at] = [tuple(v) if v.__class__ is list else v for v in columns[at]]
    signatures = list(zip(*columns, strict=True)) if len(links) else []
    valid: dict[tuple[Any, ...], tuple[tuple[Any, ...], frozenset[str]] | None] = {}
    for signature in dict.fromkeys(signatures[i] for i in landing):
        terms = {
            term: list(value) if value.__class__ is tuple else value
            for term, value in zip(LINK_TERMS, signature, strict=True)
            if value is not ABSENT
        }
        try:
            fields = validate({"source": "-", "target": "-", **terms})
        except ValidationError:
            valid[signature] = None
            continue
        valid[signature] = (
            tuple(getattr(fields, term) for term in LINK_TERMS),
            frozenset(fields.model_fields_set),
        )
    # A name the schema would change or refuse (never one of a tool's names) sends its
    # links through one by one, like links whose terms it refuses.
    named = {end[0] for end in chain(sources, targets) if end is not None}
    odd = {name for name in named if not _valid_name(name)}
    found = [valid[signatures[i]] for i in landing]
    complete = [f for f in found if f is not None]
    if len(complete) == len(found) and not odd:  # most files: every link at once
        ends = cast(list[tuple[str, str]], sources), cast(list[tuple[str, str]], targets)
        return IntegrationColumns.of_columns(
            [ends[0][i][0] for i in landing],
            [ends[1][i][0] for i in landing],
            [list(column) for column in zip(*[f[0] for f in complete], strict=True)],
            [f[1] for f in complete],
        )
    rows: list[tuple[Any, ...]] = []
    for index, terms_found in zip(landing, found, strict=True):
        source, target = sources[index], targets[index]
        assert source is not None and target is not None
        if terms_found is not None and source[0] not in odd and target[0] not in odd:
            rows.append((source[0], target[0], *terms_found[0], terms_found[1]))
            continue
        number, sheet, headers = links.numbers[index], links.sheets[index], links.headers[index]
        named_values = {**links.values(index), "source": source[0], "target": target[0]}
        try:
            link: IntegrationFields | None = validate(named_values)
        except ValidationError:
            scratch = ImportPlan(plan.file, plan.sha256, plan.profile)
            link = _link_refusing(scratch, (number, sheet, named_values, headers), strict)
            told += [(index, issue) for issue in scratch.issues]
        if link is not None:
            rows.append(
                (
                    link.source,
                    link.target,
                    *(getattr(link, term) for term in LINK_TERMS),
                    frozenset(link.model_fields_set),
                )
            )
    if not rows:
        return IntegrationColumns.of_columns([], [], [], [])
    columns = [list(column) for column in zip(*rows, strict=True)]
    return IntegrationColumns.of_columns(columns[0], columns[1], columns[2:-1], columns[-1])


def _valid_name(name: str) -> bool:
    """Whether the schema takes this name as it is."""
    try:
        return _NAME.validate_python(name) == name
    except ValidationError:
        return False


def _taken(links: IntegrationColumns, chosen: list[int]) -> IntegrationColumns:
    """These links (by index) of many."""

    def take(column: list[Any]) -> list[Any]:
        return list(map(column.__getitem__, chosen))

    return IntegrationColumns.of_columns(
        take(links.source),
        take(links.target),
        [take(getattr(links, term)) for term in LINK_TERMS],
        take(links.given),
    )
