"""Read models the application API returns: plain read-only dataclasses, free of the ORM."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from stackmap.record import record, written


def jsonable(value: Any) -> Any:
    """Return value in a form json.dumps accepts: dates as ISO text, money as a number."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@record
class ContractView:
    """One contract's terms."""

    id: int
    annual_cost: Decimal | None
    amount: Decimal | None
    currency: str | None
    billing_period: str | None
    start_date: date | None
    end_date: date | None
    renewal_date: date | None
    notice_days: int | None
    auto_renew: bool | None
    seats_purchased: int | None
    seats_assigned: int | None
    seats_active: int | None
    cost_centre: str | None
    notes: str | None
    pricing_model: str | None = None  # per_seat, platform, usage; None: not recorded

    @property
    def decide_by(self) -> date | None:
        """The last day to give notice before the renewal (renewal date minus notice period).

        None when the renewal date is unknown, or the notice period is and the contract may
        renew itself: a blank notice is unknown, never 0 days.
        """
        if self.renewal_date is None:
            return None
        if self.notice_days is None:
            return self.renewal_date if self.auto_renew is False else None
        return self.renewal_date - timedelta(days=self.notice_days)


# Where stackmap took a tool's capabilities from, when no person or file gave them.
INFERRED_FROM = {"library": "the product library", "category": "its category"}


@written
class ToolSummary:
    """A tool as listed: identity, ownership, current cost and terms, capability and link counts.

    Its fields are the documented JSON object of `stackmap tools --json`, in that order, so
    the listing is written by orjson straight from these records (a dict per tool built in
    Python first cost as much again as reading the catalog)."""

    name: str
    vendor: str | None
    category: str | None
    status: str
    owner: str | None
    technical_owner: str | None
    annual_cost: Decimal | None
    currency: str | None
    renewal_date: date | None
    notice_days: int | None
    seats_purchased: int | None
    seats_active: int | None
    capabilities: tuple[str, ...]
    integrations: int
    disposition: str | None
    business_units: tuple[str, ...] = ()
    # "library" or "category" when stackmap inferred the capabilities; None when given.
    capabilities_inferred: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the documented JSON object for `stackmap tools --json`."""
        return {f: jsonable(getattr(self, f)) for f in _SUMMARY_FIELDS}


_SUMMARY_FIELDS = tuple(f.name for f in fields(ToolSummary))


@dataclass(frozen=True)
class IntegrationView:
    """An integration with both ends named."""

    id: int
    source: str
    target: str
    direction: str
    method: str
    data_objects: tuple[str, ...]
    frequency: str | None
    status: str
    owner: str | None
    notes: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("id")
        return {k: jsonable(v) for k, v in data.items()}


@dataclass(frozen=True)
class ChangeView:
    """One entry of the history."""

    at: datetime
    actor: str
    entity: str
    label: str
    action: str
    changes: dict[str, Any]
    batch_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {k: jsonable(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class SpendView:
    """What finance paid a supplier for a tool over a period, and its yearly equivalent."""

    supplier: str
    currency: str | None
    amount: Decimal
    annual_amount: Decimal | None  # None: the report cannot say (one invoice, cadence unknown)
    period_start: date
    period_end: date
    invoices: int
    annualised_by: str | None = None  # "actual: 12 months", "run rate: …", "an annual charge"

    def to_json(self) -> dict[str, Any]:
        return {k: jsonable(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class ToolDetail:
    """Everything the catalog knows about one tool."""

    summary: ToolSummary
    description: str | None
    website: str | None
    tags: tuple[str, ...]
    notes: str | None
    journey_stages: tuple[str, ...]
    decision_note: str | None
    decided_by: str | None
    decided_at: datetime | None
    library_product: str | None
    extra: dict[str, Any]
    contracts: tuple[ContractView, ...]
    integrations: tuple[IntegrationView, ...]
    history: tuple[ChangeView, ...] = field(default=())
    spend: tuple[SpendView, ...] = field(default=())
    functional_fit: int | None = None  # a person's 1-5 ratings
    technical_fit: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = self.summary.to_json()
        for key in (
            "description",
            "website",
            "notes",
            "decision_note",
            "decided_by",
            "functional_fit",
            "technical_fit",
        ):
            data[key] = getattr(self, key)
        data["tags"] = list(self.tags)
        data["journey_stages"] = list(self.journey_stages)
        data["decided_at"] = jsonable(self.decided_at)
        data["library_product"] = self.library_product
        data["extra"] = jsonable(self.extra)
        data["contracts"] = [
            {
                **{k: jsonable(v) for k, v in asdict(c).items() if k != "id"},
                "decide_by": jsonable(c.decide_by),
            }
            for c in self.contracts
        ]
        data["integrations"] = [i.to_json() for i in self.integrations]
        data["history"] = [h.to_json() for h in self.history]
        data["spend"] = [s.to_json() for s in self.spend]
        return data


_CONTRACT_VIEW_FIELDS = tuple(f.name for f in fields(ContractView))


def contract_view(contract: Any) -> ContractView:
    """Return the view of a Contract object or a contract row."""
    assert contract.id is not None
    return ContractView(**{name: getattr(contract, name) for name in _CONTRACT_VIEW_FIELDS})
