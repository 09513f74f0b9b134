"""Rows keyed by catalog field names → validated tool records.

Errors name the file, the row and the column, in one line, so a person can fix the cell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from stackmap.errors import InvalidValueError
from stackmap.record import record
from stackmap.schemas import ContractFields, ToolFields, ToolRecord, parse, validator

M = TypeVar("M", bound=BaseModel)
# Sets: every cell of every row is looked up here (260,000 cells in a 20,000-tool workbook).
TOOL_FIELDS = frozenset(ToolFields.model_fields)
CONTRACT_FIELDS = frozenset(f for f in ContractFields.model_fields if f != "notes")
# Catalog field names people see in sheets, where they differ from the schema's.
CONTRACT_ALIASES = {"contract_notes": "notes"}


@record  # made once per row of a file: 120,000 of them in a 20,000-tool workbook
class SourceRow:
    """One row of a source file: its number as the user sees it and its cells by field name."""

    number: int
    cells: Mapping[str, Any]
    columns: Mapping[str, str]  # field name -> the column header as written in the file
    sheet: str = ""  # the sheet's name, when the file has several


def _validate(model: type[M], values: dict[str, Any], row: SourceRow, file: str) -> M:
    try:
        return _VALIDATORS[model](values)  # type: ignore[return-value]
    except ValidationError:  # worded by parse, naming the file, the row and the column
        return parse(
            model,
            values,
            lambda field: f"{file}: row {row.number}, column {row.columns.get(field, field)!r}",
        )


# Without pydantic's per-call wrapper: a 20,000-tool workbook validates 40,000 of these.
_VALIDATORS: dict[type[BaseModel], Callable[[dict[str, Any]], BaseModel]] = {
    ToolFields: validator(ToolFields),
    ContractFields: validator(ContractFields),
}


def tool_records(rows: Iterable[SourceRow], file: str) -> list[ToolRecord]:
    """Return one ToolRecord per row; blank cells are not given (they change nothing)."""
    records = []
    for row in rows:
        tool: dict[str, Any] = {}
        contract: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for field, value in row.cells.items():
            if value is None or (not value and isinstance(value, str | list)):
                continue  # blank: "" or []; 0 and False are values
            if field in TOOL_FIELDS:
                tool[field] = value
            elif field in CONTRACT_FIELDS:
                contract[field] = value
            elif field in CONTRACT_ALIASES:
                contract[CONTRACT_ALIASES[field]] = value
            else:
                extra[row.columns.get(field, field)] = value
        if "name" not in tool:
            raise InvalidValueError(f"{file}: row {row.number}: no tool name")
        if extra:
            tool["extra"] = extra
        records.append(
            ToolRecord(
                fields=_validate(ToolFields, tool, row, file),
                contract=_validate(ContractFields, contract, row, file) if contract else None,
                source_row=row.number,
            )
        )
    return records
