"""The links an import plans: read from an integrations sheet or a tools sheet's "connected
apps", their ends named by the tools they mean (in the catalog or planned from the same
file), the same link said twice kept once, and each validated as IntegrationFields would
validate it, column by column (a register holds 100,000 links).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain, pairwise
from operator import eq, itemgetter
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from stackmap.domain import IntegrationMethod, name_key
from stackmap.errors import InvalidValueError
from stackmap.importers.mapping import ABSENT, AS_WRITTEN, Issue, RowBlock
from stackmap.importers.matching import ProductMatcher, similar_names
from stackmap.importers.records import SourceRow
from stackmap.importers.values import text_of
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


# Row number, sheet label, integration values (never changed), and the header each field was
# read from.
Link = tuple[int, str, Mapping[str, Any], Mapping[str, str]]


@dataclass
class LinkTable:
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
    def of(cls, links: Sequence[Link]) -> LinkTable:
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
    def of_block(cls, block: RowBlock) -> LinkTable:
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

    def __add__(self, other: LinkTable) -> LinkTable:
        if not other.numbers:
            return self
        if not self.numbers:
            return other
        return LinkTable(
            self.numbers + other.numbers,
            self.sheets + other.sheets,
            self.headers + other.headers,
            self.source + other.source,
            self.target + other.target,
            [a + b for a, b in zip(self.terms, other.terms, strict=True)],
        )

    def by_row(self) -> LinkTable:
        """These links in the order of their rows (of one sheet)."""
        numbers = self.numbers
        if all(a < b for a, b in pairwise(numbers)):
            return self
        order = sorted(range(len(numbers)), key=numbers.__getitem__)

        def take(column: list[Any]) -> list[Any]:
            return list(map(column.__getitem__, order))

        return LinkTable(
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


def links_from_tool_rows(rows: list[SourceRow]) -> list[Link]:
    links: list[Link] = []
    for row in rows:
        for target in row.cells.get("integrations") or []:
            values = {"source": row.cells["name"], "target": target, "method": "unknown"}
            links.append((row.number, row.sheet, values, row.columns))
    return links


def integration_rows(rows: list[SourceRow]) -> list[Link]:
    """Return the rows of an integrations sheet as links; they are validated once resolved.

    A word the link's columns do not know ("Tag" as a method) leaves that field unknown and is
    kept, as written, in the link's notes.
    """
    fields = frozenset(IntegrationFields.model_fields)
    links = []
    for row in rows:
        if fields.issuperset(row.cells):  # most rows: every cell a link's field, read
            # As they are: resolve_links makes each link's values anew, with its ends named.
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


def link_refusing(issues: list[Issue], link: Link, strict: bool) -> IntegrationFields | None:
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
                issues.append(Issue(number, "", "", str(exc), "error", sheet))
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
            issues.append(
                Issue(
                    number,
                    header,
                    written,
                    f"{reason}; left unknown, kept as written",
                    "unreadable",
                    sheet,
                )
            )


def end_resolver(
    tools: Sequence[ToolRecord], matcher: ProductMatcher, existing: Sequence[ExistingTool]
) -> Callable[[str], tuple[str, str] | None]:
    """What each way of writing a link's end names: the tool's (name, key), in the catalog
    or planned from this file, or None for no such tool; each resolved once."""
    by_key: dict[str, str] = {}
    by_product: dict[str, list[str]] = {}
    for tool in existing:
        by_key[name_key(tool.name)] = tool.name
        if tool.product:
            by_product.setdefault(tool.product, []).append(tool.name)
    for record in tools:
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


def resolve_links(
    issues: list[Issue],
    tools: Sequence[ToolRecord],
    links: LinkTable,
    matcher: ProductMatcher,
    existing: Sequence[ExistingTool],
    strict: bool = False,
) -> IntegrationColumns:
    """Name each end by the tool it means (in the catalog, or among the tools planned from
    this file), or report it in issues.

    Links are kept in their order, the first of several saying the same link (the same
    route and method; "connected apps" either way round) is kept, a link from a tool to
    itself is dropped, and each is validated as IntegrationFields would validate it."""
    ends = end_resolver(tools, matcher, existing)
    written_sources = _texts(links.source, None)
    written_targets = _texts(links.target, None)
    named = {
        w: ends(w) for w in dict.fromkeys(chain(written_sources, written_targets)) if w is not None
    }
    named[None] = None
    # None: the end names no tool, or no tool known.
    sources = list(map(named.__getitem__, written_sources))
    targets = list(map(named.__getitem__, written_targets))
    methods = links.terms[LINK_TERMS.index("method")]
    # Issues by the index of their link: a link whose terms the schema refuses is reported
    # after the links before it that name no known tool, as one pass would have.
    told: list[tuple[int, Issue]] = []
    kept = _first_of_each_route(sources, targets, methods)
    if kept is None:
        kept = _kept_one_by_one(links, sources, targets, methods, told)
    result = _validated_links(links, kept, sources, targets, told, strict)
    issues += [issue for _, issue in sorted(told, key=itemgetter(0))]
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


def _first_of_each_route(
    sources: list[tuple[str, str] | None],
    targets: list[tuple[str, str] | None],
    methods: list[Any],
) -> Sequence[int] | None:
    """The index of the first link of each route (source, target, method), in order, found
    in C: for most files, where every end names a known tool, no link goes from a tool to
    itself and none says "connected apps". None for any other file (see _kept_one_by_one)."""
    if None in sources or None in targets:
        return None
    froms, tos = cast(list[tuple[str, str]], sources), cast(list[tuple[str, str]], targets)
    texts = _texts(methods, "")
    if "unknown" in texts:
        return None
    # One tool's names have one key, and two tools never share one: equal keys at both
    # ends are a link from a tool to itself.
    source_keys, target_keys = list(map(itemgetter(1), froms)), list(map(itemgetter(1), tos))
    if any(map(eq, source_keys, target_keys)):
        return None
    routes = list(zip(source_keys, target_keys, texts, strict=True))
    if len(set(routes)) == len(routes):  # no route twice: every link
        return range(len(routes))
    # Built from the last link back, each route ends up holding its first link's index.
    first = dict(zip(reversed(routes), range(len(routes) - 1, -1, -1), strict=True))
    return sorted(first.values())


def _kept_one_by_one(
    links: LinkTable,
    sources: list[tuple[str, str] | None],
    targets: list[tuple[str, str] | None],
    methods: list[Any],
    told: list[tuple[int, Issue]],
) -> list[int]:
    """The links to keep, by index, weighed one by one: an end naming no known tool is told
    (by index), a link from a tool to itself dropped, and of several saying the same link
    (the same route and method; "connected apps" either way round) the first kept."""
    kept: list[int] = []
    seen: set[tuple[str, ...]] = set()
    for index, (source, target, written) in enumerate(zip(sources, targets, methods, strict=True)):
        if source is None or target is None:
            written = _written_end(links.source[index]), _written_end(links.target[index])
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
    return kept


def _written_end(value: Any) -> str | None:
    return None if value is ABSENT else str(value)


def _texts(column: list[Any], absent: str | None) -> list[Any]:
    """Each value of a column as text, `absent` where it was not given: in C when the
    column holds only text (and gaps), a value's text being itself."""
    kinds = set(map(type, column))
    if kinds <= {str, _ABSENT_TYPE}:
        if _ABSENT_TYPE not in kinds:
            return list(column)
        # Text is keyed by itself only: 1 and TRUE, equal in Python, are not text.
        texts: dict[Any, Any] = dict(zip(column, column, strict=True))
        texts[ABSENT] = absent
        return list(map(texts.__getitem__, column))
    return [absent if value is ABSENT else str(value) for value in column]


_ABSENT_TYPE = type(ABSENT)


def _no_end(
    links: LinkTable,
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
    links: LinkTable,
    landing: Sequence[int],
    sources: list[tuple[str, str] | None],
    targets: list[tuple[str, str] | None],
    told: list[tuple[int, Issue]],
    strict: bool,
) -> IntegrationColumns:
    """The landing links (by index), named by the tools their ends resolved to, validated
    as IntegrationFields would validate each: its terms once per distinct set of them (a
    register's 100,000 links say a few dozen), its names once per tool. A link some value
    of which the schema refuses goes through link_refusing, its issues told by index."""
    validate = validator(IntegrationFields)
    # Each link's terms, in LINK_TERMS' order; a list (of data objects) as a tuple.
    columns = list(links.terms)
    at = LINK_TERMS.index("data_objects")
    # A register's lists are shared (parsed once per distinct text): each made a tuple once,
    # by identity (every one alive in the column meanwhile).
    lists = dict(zip(map(id, columns[at]), columns[at], strict=True))
    tupled = {k: tuple(v) if v.__class__ is list else v for k, v in lists.items()}
    columns[at] = list(map(tupled.__getitem__, map(id, columns[at])))
    signatures = list(zip(*columns, strict=True)) if len(links) else []
    valid: dict[tuple[Any, ...], tuple[tuple[Any, ...], frozenset[str]] | None] = {}
    for signature in dict.fromkeys(map(signatures.__getitem__, landing)):
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
    named = set(map(itemgetter(0), filter(None, chain(sources, targets))))
    odd = {name for name in named if not _valid_name(name)}
    found = list(map(valid.__getitem__, map(signatures.__getitem__, landing)))
    if None not in found and not odd:  # most files: every link at once
        complete = cast(list[tuple[tuple[Any, ...], frozenset[str]]], found)
        ends = cast(list[tuple[str, str]], sources), cast(list[tuple[str, str]], targets)
        return IntegrationColumns.of_columns(
            list(map(itemgetter(0), map(ends[0].__getitem__, landing))),
            list(map(itemgetter(0), map(ends[1].__getitem__, landing))),
            [list(column) for column in zip(*map(itemgetter(0), complete), strict=True)],
            list(map(itemgetter(1), complete)),
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
            refused: list[Issue] = []
            link = link_refusing(refused, (number, sheet, named_values, headers), strict)
            told += [(index, issue) for issue in refused]
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
