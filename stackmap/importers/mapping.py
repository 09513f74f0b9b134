"""Turn a sheet's data rows into typed cells keyed by catalog field, with every issue noted.

A cell that cannot be read leaves its field unknown, keeps the text as written (an extra
attribute "<header> (as written)") and is reported with row, column, value and reason: the row
still lands. Only a row with no name is refused. In strict mode (for pipelines) an unreadable
cell is an error that refuses its row. A cell that says "TBD" stays blank with a warning; total
and subtotal rows are skipped and said so. Amounts, currencies, billing periods and terms are
combined per row after every cell is read, so the order of the columns does not matter.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest
from typing import Any, Literal

from stackmap.domain import BillingPeriod
from stackmap.errors import InvalidValueError
from stackmap.importers.files import Sheet
from stackmap.importers.headers import Column, HeaderMap
from stackmap.importers.records import SourceRow
from stackmap.importers.values import (
    UNKNOWN,
    Money,
    numeric_date_order,
    parse_bool,
    parse_count,
    parse_date,
    parse_days,
    parse_direction,
    parse_disposition,
    parse_frequency,
    parse_integration_status,
    parse_list,
    parse_method,
    parse_money,
    parse_period,
    parse_pricing,
    parse_status,
    term_months,
    text_of,
)
from stackmap.progress import SILENT, Progress
from stackmap.record import record

DATE_FIELDS = ("start_date", "end_date", "renewal_date", "date")
# A total row names itself with a total word alone, or followed by a separator and what it
# totals ("Total", "Grand total:", "Subtotal — CRM & Sales", "Total (USD)", "Total for Ads");
# "Total Expert" and "Sum Up" are products.
_TOTAL = re.compile(
    r"^(grand\s+)?(sub\s*-?\s*)?(totals?|sum)\s*($|[-\u2014\u2013:(|/]|for\b|of\b)", re.IGNORECASE
)
# Every name _TOTAL could match, and every blank one: a key cell this does not match is
# neither a total nor empty (most rows; see map_rows).
_MAYBE_NOT_A_ROW = re.compile(r"\s*(?:grand|sub|totals?|sum|$)", re.IGNORECASE)
AS_WRITTEN = " (as written)"


# "error" refuses the row (and the file, unless told to skip); "unreadable" leaves one field
# unknown with its text kept; "rejected" is a row with no name, left out; "warning" and
# "skipped" (headings, totals) are for the person to know.
Severity = Literal["error", "unreadable", "rejected", "warning", "skipped"]


@dataclass(frozen=True)
class Issue:
    """Something about one cell or row that the person importing should know."""

    row: int  # as the spreadsheet shows it; 0 for the whole file
    column: str
    value: str
    reason: str
    severity: Severity
    sheet: str = ""  # named in messages when the workbook has several sheets

    def line(self, file: str) -> str:
        place = f"{file} [{self.sheet}]" if self.sheet else file
        if not self.row:  # about the whole report, not one row
            return f"{place}: {self.reason}"
        where = f"row {self.row}" + (f", column {self.column!r}" if self.column else "")
        shown = f" {self.value[:60]!r}" if self.value else ""
        return f"{place}: {where}:{shown} {self.reason}"


class _Absent:
    """A cell that gives its row no value (empty, or read as nothing)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass
class RowBlock:
    """Rows read column by column (see map_rows' columns): each one's number and, by field
    or extra column, its cells' typed values (ABSENT: the row gives none). Values are
    shared between rows: a list (of data objects) is never to be changed in place."""

    numbers: list[int] = field(default_factory=list)
    cells: dict[str, list[Any]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # the header of each field
    label: str = ""  # the sheet, as issues name it


@dataclass
class MappedSheet:
    """A sheet read through its header map: typed rows and the issues found on the way;
    with map_rows' columns, the plain rows are in block instead of rows."""

    sheet: str
    header: HeaderMap
    rows: list[SourceRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    block: RowBlock = field(default_factory=RowBlock)

    @property
    def count(self) -> int:
        """How many rows were read (row by row and in the block)."""
        return len(self.rows) + len(self.block.numbers)


def refuse_errors(issues: Sequence[Issue], file: str) -> None:
    """Raise one line naming the first cell that could not be read (and how many more)."""
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        more = len(errors) - 1
        raise InvalidValueError(
            errors[0].line(file)
            + (f" (and {more} more; --rejects FILE lists them)" if more else "")
        )


def _months(value: Any) -> int | None:
    text = text_of(value).casefold()
    if not text:
        return None
    years = term_months(text)
    if years:
        return years
    match = re.match(r"^(\d+)\s*(m|mo|mos|months?)?$", text)
    if not match:
        raise ValueError("not a term in months or years")
    return int(match.group(1))


def _text(value: Any) -> str | None:
    return text_of(value) or None


# Parsers by field for everything that is not money or a date.
PARSERS: dict[str, Callable[[Any], Any]] = {
    "status": parse_status,
    "disposition": parse_disposition,
    "business_units": parse_list,
    "tags": parse_list,
    "journey_stages": parse_list,
    "capabilities": parse_list,
    "integrations": parse_list,
    "data_objects": parse_list,
    "billing_period": parse_period,
    "term_months": _months,
    "notice_days": parse_days,
    "auto_renew": parse_bool,
    "seats_purchased": parse_count,
    "seats_assigned": parse_count,
    "seats_active": parse_count,
    "pricing_model": parse_pricing,
    "direction": parse_direction,
    "method": parse_method,
    "frequency": parse_frequency,
    "currency": lambda v: text_of(v).upper() or None,
}
STATUS_PARSERS = {"integrations": parse_integration_status}


def date_order(sheet: Sheet, header: HeaderMap, file: str) -> bool | None:
    """Return True (day first), False (month first) or None from the sheet's own dates.

    Raises ValueError when one sheet holds dates that force both readings.
    """
    seen: dict[str, tuple[int, str]] = {}
    columns = [c for c in header.columns if c.field in DATE_FIELDS]
    for offset, row in enumerate(sheet.rows[header.data_start :]):
        for column in columns:
            value = row[column.index] if column.index < len(row) else None
            order = numeric_date_order(value)
            if order and order not in seen:
                seen[order] = (header.data_start + offset + 1, text_of(value))
    if len(seen) == 2:
        (r1, v1), (r2, v2) = seen["dayfirst"], seen["monthfirst"]
        raise ValueError(
            f"{file}: dates mix day-first (row {r1}: {v1!r}) and month-first "
            f"(row {r2}: {v2!r}) order"
        )
    if "dayfirst" in seen:
        return True
    if "monthfirst" in seen:
        return False
    return None


# Amounts and counts merged across rows are counted once: spreading them would double them.
_COUNTED_ONCE = frozenset(
    {"annual_cost", "amount", "seats_purchased", "seats_assigned", "seats_active"}
)


def spread_merged(sheet: Sheet, header: HeaderMap, label: str) -> list[Issue]:
    """Give every row of a merged data range the value its first cell holds, as the merge
    shows it to a reader ("Adobe" merged beside three Adobe products) — except amounts and
    counts, which stay on the first row. Each merged range is reported."""
    issues = []
    fields = {c.index: c for c in header.columns}
    for first, left, last, _right in sheet.merged:
        if last <= first or first < header.data_start or first >= len(sheet.rows):
            continue  # one row (a heading or a grouped header), or above the data
        top = sheet.rows[first]
        value = top[left] if left < len(top) else None
        if not _present(value):
            continue
        column = fields.get(left)
        name = column.header if column else ""
        rows = f"rows {first + 1}-{last + 1}"
        if column is not None and column.field in _COUNTED_ONCE:
            issues.append(
                Issue(
                    first + 1,
                    name,
                    text_of(value),
                    f"merged over {rows}; counted once, on row {first + 1}",
                    "warning",
                    label,
                )
            )
            continue
        for index in range(first + 1, min(last, len(sheet.rows) - 1) + 1):
            row = sheet.rows[index]
            if len(row) <= left:
                row.extend([None] * (left + 1 - len(row)))
            if not _present(row[left]):
                row[left] = value
        issues.append(
            Issue(
                first + 1,
                name,
                text_of(value),
                f"merged over {rows}; read on each of those rows",
                "warning",
                label,
            )
        )
    return issues


def map_rows(
    sheet: Sheet,
    header: HeaderMap,
    *,
    dayfirst: bool | None = None,
    default_currency: str | None = None,
    label: str = "",
    strict: bool = False,
    progress: Progress = SILENT,
    columns: bool = False,
) -> MappedSheet:
    """Return the typed rows of a sheet below its header, skipping blank and total rows.

    label names the sheet in issues (empty when the file has only one sheet). strict makes an
    unreadable cell an error that refuses its row instead of an unknown kept as written.
    columns: the plain rows (every cell read as a value, nothing to report) are given in
    the block, column by column, and only the others as rows: a register's 100,000 links
    need no dict each (a sheet with amounts has terms to combine row by row: all rows).
    """
    mapped = MappedSheet(sheet.name, header)
    if sheet.merged:
        mapped.issues += spread_merged(sheet, header, label)
    plan, names = _column_plan(header, dayfirst, default_currency)
    key_field = {"tools": "name", "integrations": "source", "spend": "supplier"}[header.kind]
    key_column = header.field_column(key_field)
    assert key_column is not None
    width = max([c.index for c in header.columns] + [key_column.index]) + 1
    # Only a money or currency column gives a row terms to combine (an integration register
    # has none: 100,000 rows spared the work).
    terms = any(key in _TERMS for key, *_ in plan)
    padding = [None] * width
    key_index, merged_rows = key_column.index, sheet.merged_rows
    start = header.data_start
    data = sheet.rows[start:]
    by_rows = not (columns and not terms and data)
    offsets: Sequence[int] = range(len(data))
    if not by_rows:
        try:
            offsets = _read_block(mapped.block, plan, sheet, start, key_index, key_field)
        except TypeError:  # a value that cannot be a key (no reader gives one): row by row
            mapped.block, by_rows = RowBlock(), True
        else:
            mapped.block.headers, mapped.block.label = names, label
            progress.advance(len(data))
    for offset in offsets:
        raw = data[offset]
        number = start + offset + 1
        if by_rows and offset % 1000 == 999:
            progress.advance(1000)
        # Readers drop a row's trailing empty cells, so its last cell nearly always says
        # whether it has any content; white space alone needs the full look.
        last = raw[-1] if raw else None
        if (last is None or last == "" or (last.__class__ is str and last.isspace())) and not any(
            _present(c) for c in raw
        ):
            continue
        if len(raw) < width:  # short rows: missing cells are empty
            raw = [*raw, *padding[len(raw) :]]
        key = raw[key_index]
        if (
            key.__class__ is not str
            or _MAYBE_NOT_A_ROW.match(key)
            or (merged_rows and number - 1 in merged_rows)
        ):
            skipped = _not_a_row(sheet, header, key_column, raw, number, label)
            if skipped is not None:
                mapped.issues.append(skipped)
                continue
        cells, rejected = _read_cells(plan, sheet, raw, number, strict, label, mapped.issues)
        if not cells.get(key_field):
            mapped.issues.append(
                Issue(
                    number,
                    key_column.header,
                    "",
                    "no name; row skipped",
                    "error" if strict else "rejected",
                    label,
                )
            )
            continue
        if rejected:
            continue
        if terms:
            conflict = combine_terms(cells, default_currency)
            if conflict:
                mapped.issues.append(
                    Issue(number, conflict[0], conflict[1], conflict[2], "warning", label)
                )
        mapped.rows.append(SourceRow(number, cells, names, label))
    return mapped


_TEXT_OR_NOTHING = frozenset({str, type(None)})


def _read_block(
    block: RowBlock,
    plan: _ColumnPlan,
    sheet: Sheet,
    start: int,
    key_index: int,
    key_field: str,
) -> list[int]:
    """Read a sheet's plain rows column by column into block (see map_rows' columns), each
    distinct value of a column parsed once; return the offsets (from start) of the rows to
    read one by one: a key that may be blank, a heading or a total, a merged row, a cell to
    report (unreadable, unknown, a formula with no result) or a value that is more than one
    (amounts, billing terms), and no name."""
    data = sheet.rows[start:]
    count = len(data)
    # Cells as columns, short rows padded (the reader drops trailing empty cells).
    columns = list(zip_longest(*data))
    nothing = (None,) * count
    odd: set[int] = set()
    names = columns[key_index] if key_index < len(columns) else nothing
    doubtful = {k for k in set(names) if k.__class__ is not str or _MAYBE_NOT_A_ROW.match(k)}
    if doubtful:
        odd.update(i for i, k in enumerate(names) if k in doubtful)
    odd.update(r - start for r in sheet.merged_rows if 0 <= r - start < count)
    read: dict[str, list[Any]] = {}
    for key, index, column, parser, memo in plan:
        values = columns[index] if index < len(columns) else nothing
        # Keyed as _read_cells keys the column's memo: a value that is not text, with its
        # type (see _parse_once); most columns hold only text and empty cells.
        keys: Sequence[Any] = values
        if not set(map(type, values)) <= _TEXT_OR_NOTHING:
            keys = [v if v.__class__ is str else _memo_key(v) for v in values]
            firsts = dict(zip(keys, values, strict=True))  # each key with a value it stands for
        else:
            firsts = dict.fromkeys(values)
            for value in firsts:
                firsts[value] = value
        known: dict[Any, Any] = {}
        for key_of, value in firsts.items():
            if value is None or value == "" or (value.__class__ is str and value.isspace()):
                known[key_of] = ABSENT
                continue
            try:
                known[key_of] = memo[key_of]
            except KeyError:
                known[key_of] = _parse_once(parser, memo, value, key_of)
        parsed = list(map(known.__getitem__, keys))
        distinct = list(known.values())
        if any(p.__class__ in _NOT_PLAIN for p in distinct):
            odd.update(i for i, p in enumerate(parsed) if p.__class__ in _NOT_PLAIN)
        if any(p is None or (p.__class__ is list and not p) for p in distinct):
            parsed = [ABSENT if p is None or (p.__class__ is list and not p) else p for p in parsed]
        if key == key_field and any(p is ABSENT or not p for p in distinct):
            odd.update(i for i, p in enumerate(parsed) if p is ABSENT or not p)
        if sheet.uncached:
            odd.update(
                row - start
                for row, at in sheet.uncached
                if at == column.index and 0 <= row - start < count and parsed[row - start] is ABSENT
            )
        read[key] = parsed
    if not odd:
        block.numbers = list(range(start + 1, start + count + 1))
        block.cells = read
        return []
    plain = [i for i in range(count) if i not in odd]
    block.numbers = [start + 1 + i for i in plain]
    block.cells = {key: list(map(parsed.__getitem__, plain)) for key, parsed in read.items()}
    return sorted(odd)


# What reading one column needs: the key its value lands on, its index in the row, the
# column, its parser, and a memo of the values already parsed (a sheet repeats its
# currencies, dates and statuses).
_ColumnPlan = list[tuple[str, int, Column, Callable[[Any], Any], dict[Any, Any]]]


def _column_plan(
    header: HeaderMap, dayfirst: bool | None, default_currency: str | None
) -> tuple[_ColumnPlan, dict[str, str]]:
    """Everything that depends only on the column, worked out once, not once per cell; and
    the header each field came from (shared by every row of the sheet)."""
    status_parser = STATUS_PARSERS.get(header.kind, parse_status)
    plan: _ColumnPlan = []
    names: dict[str, str] = {}
    for column in header.columns:
        if column.how == "ignore":
            continue
        key = column.field or column.header
        parser = _parser_for(column, dayfirst, status_parser, default_currency)
        plan.append((key, column.index, column, parser, {}))
        names[key] = column.header
        if column.field in ("annual_cost", "amount"):
            for sub in ("annual_cost", "amount", "billing_period", "currency"):
                names.setdefault(sub, column.header)
        if column.field == "billing_period":
            names.setdefault("term_months", column.header)
    return plan, names


def _not_a_row(
    sheet: Sheet, header: HeaderMap, key_column: Column, raw: list[Any], number: int, label: str
) -> Issue | None:
    """Why a line below the header is not a record (a section heading, a total), or None."""
    if number - 1 in sheet.merged_rows:
        filled = [c for c in raw if _present(c)]
        if len(filled) == 1:
            return Issue(
                number, "", text_of(filled[0]), "section heading skipped", "skipped", label
            )
    key_text = text_of(raw[key_column.index])
    if _TOTAL.match(key_text) or (not key_text and _looks_like_total(raw, header)):
        return Issue(number, key_column.header, key_text, "total row skipped", "skipped", label)
    return None


def _read_cells(
    plan: _ColumnPlan,
    sheet: Sheet,
    raw: list[Any],
    number: int,
    strict: bool,
    label: str,
    issues: list[Issue],
) -> tuple[dict[str, Any], bool]:
    """One row's cells as typed values by field, and whether strict mode refuses the row.

    A value that cannot be read never costs its row: it stays unknown, its text is kept
    (`<header> (as written)`), and an issue says where and why.
    """
    cells: dict[str, Any] = {}
    rejected = False
    # The hot loop of an import (rows x columns): the memo lookup and the emptiness test are
    # inlined, and only cells that miss the memo go through the column's parser.
    for key, index, column, parser, memo in plan:
        value = raw[index]
        if value is None or value == "" or (value.__class__ is str and value.isspace()):
            if sheet.uncached and (number - 1, column.index) in sheet.uncached:
                issues.append(
                    Issue(
                        number,
                        column.header,
                        "",
                        "a formula with no saved result; left blank (open and save the file in "
                        "Excel, or type the value)",
                        "warning",
                        label,
                    )
                )
            continue
        key_of = value if value.__class__ is str else _memo_key(value)
        try:
            parsed = memo[key_of]
        except (KeyError, TypeError):
            parsed = _parse_once(parser, memo, value, key_of)
        if parsed.__class__ not in _SPECIAL:  # a plain value: most cells
            if parsed is not None:
                cells[key] = parsed
        elif parsed.__class__ is _MoneyCell:
            cells[parsed.key] = parsed
        elif parsed.__class__ is _Failure:
            written = text_of(value)
            if strict:
                issues.append(Issue(number, column.header, written, parsed.message, "error", label))
                rejected = True
            else:
                cells[column.header + AS_WRITTEN] = written
                issues.append(
                    Issue(
                        number,
                        column.header,
                        written,
                        f"{parsed.message}; left unknown, kept as written",
                        "unreadable",
                        label,
                    )
                )
        elif parsed is UNKNOWN:
            cells[column.header + AS_WRITTEN] = text_of(value)
            issues.append(
                Issue(
                    number, column.header, text_of(value), "not known; left blank", "warning", label
                )
            )
        elif parsed.__class__ is dict:
            for sub, sub_value in parsed.items():
                cells.setdefault(sub, sub_value)
        elif parsed.__class__ is list and parsed:
            cells[key] = list(parsed)  # rows never share one list
    return cells, rejected


@record
class _MoneyCell:
    """An amount as one column gave it, to be combined with the row's other terms."""

    key: str  # "_money:<field>", one per money field
    field: str  # annual_cost or amount
    header: str
    amount: Decimal
    currency: str | None  # said by the cell or its header; None when neither did
    period: BillingPeriod | None  # said by the cell ("/month") or its header ("Monthly cost")


# The fields whose columns give a row contract terms to combine (see combine_terms).
_TERMS = frozenset({"annual_cost", "amount", "currency"})


def combine_terms(
    cells: dict[str, Any], default_currency: str | None
) -> tuple[str, str, str] | None:
    """Turn a row's money cells, currency, billing period and term into contract terms.

    Runs after every cell of the row is read, so "Amount" before "Billing period" (the
    template's order) reads the same as the other way round. Returns (column, value, reason)
    when the row contradicts itself, after resolving it the way the cells most directly say.
    """
    conflict = None
    billed = cells.get("billing_period")
    currency = cells.get("currency")
    for kind in ("annual_cost", "amount"):
        money = cells.pop(f"_money:{kind}", None)
        if money is None:
            continue
        if money.currency and currency and money.currency != currency:
            conflict = (
                money.header,
                f"{money.amount} {money.currency}",
                f"the amount says {money.currency} but the currency column says {currency}; "
                f"read as {money.currency}",
            )
        currency = money.currency or currency
        if kind == "annual_cost" and money.period in (None, BillingPeriod.ANNUAL):
            # A yearly figure; a billing period beside it says how it is paid, not its size.
            cells["annual_cost"] = money.amount
            continue
        period = money.period or billed
        if money.period and billed and money.period is not billed:
            conflict = (
                money.header,
                f"{money.amount} {money.period.value}",
                f"the amount says {money.period.value} but the billing period says "
                f"{billed.value}; read as {money.period.value}",
            )
        cells["amount"] = money.amount
        cells["billing_period"] = period or BillingPeriod.ANNUAL
    if currency is None and default_currency and ("amount" in cells or "annual_cost" in cells):
        currency = default_currency
    if currency is not None:
        cells["currency"] = currency
    return conflict


@record
class _Failure:
    """A cell value its column's parser refused, remembered with the reason."""

    message: str


# What a parser gives that is more than a plain value (see _read_cells).
_SPECIAL = frozenset({_MoneyCell, _Failure, type(UNKNOWN), dict, list})

# What a parser gives that makes a row more than its values: to combine (amounts, billing
# terms) or to report (unreadable, unknown).
_NOT_PLAIN = frozenset({_MoneyCell, _Failure, type(UNKNOWN), dict})


def _memo_key(value: Any) -> Any:
    """What a value that is not text is remembered by in a column's memo (see _parse_once):
    with its type, since Python holds 1, 1.0 and TRUE equal, and a zero with its sign."""
    if value.__class__ is float and value == 0:
        return (float, str(value))
    return (value.__class__, value)


def _parse_once(parser: Callable[[Any], Any], memo: dict[Any, Any], value: Any, key: Any) -> Any:
    """Parse a value not seen before in this column and remember the result (or the failure)
    by key: a text as it is, any other value by _memo_key, so that a TRUE cell is not read
    as the number 1 above it.

    Columns repeat themselves ("Annual", "30 days", "Yes", the same renewal date) and the
    parsers are pure, so a 20,000-row sheet parses a few hundred distinct values per column.
    Unhashable values are parsed every time.
    """
    try:
        result = parser(value)
    except ValueError as exc:
        result = _Failure(str(exc))
    with contextlib.suppress(TypeError):
        memo[key] = result
    return result


def _present(value: Any) -> bool:
    """True for a cell with content (readers give "" for empty cells)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value) and not value.isspace()
    return True


def _parser_for(
    column: Column,
    dayfirst: bool | None,
    status_parser: Callable[[Any], Any],
    default_currency: str | None = None,
) -> Callable[[Any], Any]:
    """Return the function that reads this column's cells."""
    field = column.field
    if field is None:
        return lambda v: v.isoformat() if hasattr(v, "isoformat") else text_of(v)
    if field in ("annual_cost", "amount"):
        return lambda v: _money(column, v, default_currency)
    if field in DATE_FIELDS:
        return lambda v: parse_date(v, dayfirst)
    if field == "status":
        return status_parser
    if field == "billing_period":
        return _billing

    return PARSERS.get(field, _text)


def _billing(value: Any) -> dict[str, Any] | None:
    period = parse_period(value)
    if period is None:
        return None
    months = term_months(value) if period is BillingPeriod.MULTI_YEAR else None
    return {"billing_period": period, **({"term_months": months} if months else {})}


def _money(column: Column, value: Any, default_currency: str | None) -> Any:
    money = parse_money(value, column.currency)
    if money is None or money is UNKNOWN:
        return money
    assert isinstance(money, Money) and column.field is not None
    if money.currency is None and default_currency:
        # The cell names no currency: the one the sheet is in decides how "1.200" reads
        # (1,200 in EUR), but the currency itself is settled with the row's other cells.
        in_default = parse_money(value, default_currency)
        assert isinstance(in_default, Money)
        money = Money(in_default.amount, None, money.period)
    if money.amount < 0:
        raise ValueError("a negative amount")
    return _MoneyCell(
        f"_money:{column.field}",
        column.field,
        column.header,
        money.amount,
        money.currency,
        money.period or column.period,
    )


def _looks_like_total(raw: list[Any], header: HeaderMap) -> bool:
    """A row with no name but amounts, under a header that has money columns."""
    money = [c.index for c in header.columns if c.field in ("annual_cost", "amount")]
    texts = [text_of(c) for c in raw]
    numbers = [
        i
        for i, c in enumerate(raw)
        if isinstance(c, int | float | Decimal) and not isinstance(c, bool)
    ]
    return bool(money) and any(i in money for i in numbers) and sum(1 for t in texts if t) <= 3
