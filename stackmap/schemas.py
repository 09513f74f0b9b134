"""Validated inputs for writing to the inventory: tools, contracts and integrations.

Table models skip validation (SQLModel's `table=True`), so every value from a person or a file
passes through these first. Reference checks (category, capabilities, journey stages) need the
loaded reference model and happen in the application API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Annotated, Any, TypeVar, overload

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from stackmap.domain import (
    BillingPeriod,
    Disposition,
    Frequency,
    IntegrationDirection,
    IntegrationMethod,
    IntegrationStatus,
    PricingModel,
    ToolStatus,
)
from stackmap.errors import InvalidValueError

M = TypeVar("M", bound=BaseModel)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def parse(model: type[M], values: dict[str, Any], where: Callable[[str], str] = str) -> M:
    """Validate values into model; raise InvalidValueError as one line naming the field.

    where(field) says where the bad value came from ("--currency", "tools.csv: row 4,
    column 'Currency'"), so the message points at the cell or option to fix.
    """
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        value = values.get(field)
        shown = f" {str(value)[:60]!r}" if value not in (None, "", []) else ""
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidValueError(
            f"{where(field)}:{shown} {message[:1].lower()}{message[1:]}"
        ) from exc


def validator(model: type[M]) -> Callable[[dict[str, Any]], M]:
    """model.model_validate without its wrapper, for many rows (100,000 links in an import):
    raises pydantic's ValidationError, which parse() words when given the same values."""
    return model.__pydantic_validator__.validate_python


def invalid_field(error: InvalidValueError) -> str | None:
    """Return the field a validation error raised by parse() is about, when it names one."""
    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors() and cause.errors()[0]["loc"]:
        return str(cause.errors()[0]["loc"][0])
    return None


def _clean_list(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    seen: dict[str, None] = {}
    for value in values:
        text = " ".join(str(value).split())
        if text:
            seen.setdefault(text, None)
    return list(seen)


class ToolFields(_Input):
    """Everything a person can say about a tool (all optional but the name)."""

    name: Name
    vendor: Name | None = None
    description: str | None = None
    category: str | None = None
    status: ToolStatus = ToolStatus.ACTIVE
    business_units: list[str] = Field(default_factory=list)
    website: ShortText | None = None
    tags: list[str] = Field(default_factory=list)
    notes: str | None = None
    journey_stages: list[str] = Field(default_factory=list)
    disposition: Disposition | None = None
    decision_note: str | None = None
    # A person's 1-5 ratings; they override the derived business value and technical fit.
    functional_fit: Annotated[int, Field(ge=1, le=5)] | None = None
    technical_fit: Annotated[int, Field(ge=1, le=5)] | None = None
    business_owner: Name | None = None
    business_owner_email: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"),
        ]
        | None
    ) = None
    technical_owner: Name | None = None
    capabilities: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)

    _lists = field_validator(
        "business_units", "tags", "journey_stages", "capabilities", mode="before"
    )(_clean_list)


class ContractFields(_Input):
    """The terms of one contract; annual_cost is derived from amount and period when absent."""

    annual_cost: Money | None = None
    amount: Money | None = None
    currency: str | None = None
    billing_period: BillingPeriod | None = None
    term_months: Annotated[int, Field(ge=1, le=240)] | None = None
    start_date: date | None = None
    end_date: date | None = None
    renewal_date: date | None = None
    notice_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    auto_renew: bool | None = None
    seats_purchased: Count | None = None
    seats_assigned: Count | None = None
    seats_active: Count | None = None
    pricing_model: PricingModel | None = None
    cost_centre: ShortText | None = None
    notes: str | None = None

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, value: Any) -> Any:
        if value is None:
            return None
        code = str(value).strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError("not a three-letter ISO 4217 currency code such as USD or EUR")
        return code

    def annualised(self) -> Decimal | None:
        """Return the yearly cost: as given, or amount scaled by its billing period."""
        if self.annual_cost is not None:
            return self.annual_cost
        if self.amount is None:
            return None
        return annualise(self.amount, self.billing_period, self.term_months)

    def is_empty(self) -> bool:
        """True when no term at all was given (no contract should be recorded)."""
        # The fields' values where the model keeps them, counted in C: asked of every
        # contract an import reads.
        terms: tuple[Any, ...] = _TERMS(self.__dict__)
        return terms.count(None) == len(terms)


# Every term of a contract, read from where the model keeps them (see is_empty).
_TERMS = itemgetter(*ContractFields.model_fields)


def annualise(
    amount: Decimal, period: BillingPeriod | None, term_months: int | None = None
) -> Decimal | None:
    """Return amount as a yearly figure for its billing period; None when it cannot be known.

    A multi-year amount needs its term in months; a one-off amount has no yearly figure.
    """
    factor = _PER_YEAR.get(period)
    if factor is not None:
        return (amount * factor).quantize(_CENT)
    if period is BillingPeriod.MULTI_YEAR and term_months:
        return (amount * _PER_YEAR[BillingPeriod.MONTHLY] / Decimal(term_months)).quantize(_CENT)
    return None


# How many of each billing period make a year (made once: every contract of an import is
# annualised).
_PER_YEAR: dict[BillingPeriod | None, Decimal] = {
    BillingPeriod.MONTHLY: Decimal(12),
    BillingPeriod.QUARTERLY: Decimal(4),
    BillingPeriod.ANNUAL: Decimal(1),
    None: Decimal(1),  # a cost with no period stated is, in every export we know, yearly
}
_CENT = Decimal("0.01")


class IntegrationFields(_Input):
    """One integration between two tools, named by their catalog names."""

    source: Name
    target: Name
    direction: IntegrationDirection = IntegrationDirection.ONE_WAY
    method: IntegrationMethod = IntegrationMethod.API
    data_objects: list[str] = Field(default_factory=list)
    frequency: Frequency | None = None
    status: IntegrationStatus = IntegrationStatus.ACTIVE
    owner: Name | None = None
    notes: str | None = None

    _lists = field_validator("data_objects", mode="before")(_clean_list)


# IntegrationFields' fields but its two ends, in its order: what IntegrationColumns holds
# beside the names.
LINK_TERMS = tuple(
    name for name in IntegrationFields.model_fields if name not in ("source", "target")
)


@dataclass(frozen=True, eq=False)
class IntegrationColumns(Sequence[IntegrationFields]):
    """Many integrations held column by column: what a list of IntegrationFields holds,
    without a model per link. An import's 100,000 links say a few dozen distinct things,
    each validated once (see importers.spreadsheet), and they are written column by column
    (store.integrations). Item i is the IntegrationFields link i is, with the same fields
    given. Values are shared between links (a list of data objects): never change one."""

    source: list[str]
    target: list[str]
    direction: list[IntegrationDirection]
    method: list[IntegrationMethod]
    data_objects: list[list[str]]
    frequency: list[Frequency | None]
    status: list[IntegrationStatus]
    owner: list[str | None]
    notes: list[str | None]
    given: list[frozenset[str]]  # each link's model_fields_set

    @classmethod
    def of(cls, records: Sequence[IntegrationFields]) -> IntegrationColumns:
        """The links of a list of IntegrationFields (or these columns themselves)."""
        if isinstance(records, IntegrationColumns):
            return records
        return cls.of_columns(
            [r.source for r in records],
            [r.target for r in records],
            [[getattr(r, name) for r in records] for name in LINK_TERMS],
            [frozenset(r.model_fields_set) for r in records],
        )

    @classmethod
    def of_columns(
        cls,
        source: list[str],
        target: list[str],
        terms: Sequence[list[Any]],
        given: list[frozenset[str]],
    ) -> IntegrationColumns:
        """Links from their names, their terms' columns in LINK_TERMS' order (none at all
        when there are no links) and the fields each was given."""
        columns: dict[str, Any] = dict(
            zip(LINK_TERMS, terms or [[] for _ in LINK_TERMS], strict=True)
        )
        return cls(source=source, target=target, given=given, **columns)

    def __len__(self) -> int:
        return len(self.source)

    @overload
    def __getitem__(self, index: int) -> IntegrationFields: ...

    @overload
    def __getitem__(self, index: slice) -> list[IntegrationFields]: ...

    def __getitem__(self, index: int | slice) -> IntegrationFields | list[IntegrationFields]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        given = self.given[index]
        return IntegrationFields.model_validate({k: getattr(self, k)[index] for k in given})

    def __iter__(self) -> Iterator[IntegrationFields]:
        return (self[i] for i in range(len(self)))


@dataclass
class ToolRecord:
    """One tool to create or update; only the fields a source actually gave are written."""

    fields: ToolFields
    contract: ContractFields | None = None
    source_row: int | None = None
    # The library product this tool is, when an importer matched it by a fuzzy name.
    product: str | None = None
