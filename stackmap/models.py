"""SQLModel tables of the user's inventory.

The values of closed fields (status, disposition, billing period …) are the enumerations of
`stackmap.domain`, stored as short strings, not database enum types, so adding a value is a
code change rather than a schema migration on PostgreSQL.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from stackmap.domain import (
    IntegrationDirection,
    IntegrationMethod,
    IntegrationStatus,
    OwnerKind,
    ToolStatus,
    utcnow,
)

MONEY = sa.Numeric(14, 2)

# Named constraints make migrations reproducible, and SQLite's batch mode needs names to alter them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum_field(default: str | None = None, *, nullable: bool = True) -> Any:
    return Field(default=default, sa_type=sa.String(20), nullable=nullable)


def _json_list() -> Any:
    return Field(default_factory=list, sa_type=sa.JSON, nullable=False)


class Vendor(SQLModel, table=True):
    """A company that sells one or more tools."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    key: str = Field(max_length=200, unique=True)
    website: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)


class Owner(SQLModel, table=True):
    """A person or a team accountable for tools, contracts or integrations."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    key: str = Field(max_length=200, unique=True)
    kind: str = _enum_field(OwnerKind.PERSON, nullable=False)
    email: str | None = Field(default=None, max_length=320)
    team: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Tool(SQLModel, table=True):
    """One product the organisation uses, evaluates or is retiring."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    key: str = Field(max_length=200, unique=True)
    vendor_id: int | None = Field(
        default=None, foreign_key="vendor.id", ondelete="SET NULL", index=True
    )
    description: str | None = Field(default=None, sa_type=sa.Text)
    category: str | None = Field(default=None, max_length=80)
    status: str = _enum_field(ToolStatus.ACTIVE, nullable=False)
    business_units: list[str] = _json_list()
    website: str | None = Field(default=None, max_length=500)
    tags: list[str] = _json_list()
    notes: str | None = Field(default=None, sa_type=sa.Text)
    journey_stages: list[str] = _json_list()
    disposition: str | None = _enum_field()
    decision_note: str | None = Field(default=None, sa_type=sa.Text)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None
    # A person's ratings (1-5), which override the derived business value and technical fit.
    functional_fit: int | None = Field(default=None, ge=1, le=5)
    technical_fit: int | None = Field(default=None, ge=1, le=5)
    business_owner_id: int | None = Field(
        default=None, foreign_key="owner.id", ondelete="SET NULL", index=True
    )
    technical_owner_id: int | None = Field(
        default=None, foreign_key="owner.id", ondelete="SET NULL", index=True
    )
    library_product: str | None = Field(default=None, max_length=200)
    # Columns of an import that match no field land here, so nothing imported is thrown away.
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ToolCapability(SQLModel, table=True):
    """A capability (a reference slug) that a tool provides."""

    __tablename__ = "tool_capability"

    tool_id: int = Field(foreign_key="tool.id", ondelete="CASCADE", primary_key=True)
    capability: str = Field(max_length=80, primary_key=True, index=True)
    # None: given by a person or a file. "library" or "category": inferred by stackmap from the
    # product library or the tool's category, replaced as soon as someone gives a list.
    source: str | None = Field(default=None, max_length=20)


class Contract(SQLModel, table=True):
    """A commercial agreement for a tool; a tool may have several over time."""

    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", ondelete="CASCADE", index=True)
    annual_cost: Decimal | None = Field(default=None, sa_type=MONEY)
    amount: Decimal | None = Field(default=None, sa_type=MONEY)
    currency: str | None = Field(default=None, max_length=3)
    billing_period: str | None = _enum_field()
    start_date: date | None = None
    end_date: date | None = None
    renewal_date: date | None = Field(default=None, index=True)
    notice_days: int | None = None
    auto_renew: bool | None = None
    seats_purchased: int | None = None
    seats_assigned: int | None = None
    seats_active: int | None = None
    pricing_model: str | None = _enum_field()
    cost_centre: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Integration(SQLModel, table=True):
    """Data flowing from one tool to another."""

    __table_args__ = (
        sa.UniqueConstraint(
            "source_tool_id", "target_tool_id", "method", name="uq_integration_route"
        ),
        sa.CheckConstraint("source_tool_id <> target_tool_id", name="not_self"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_tool_id: int = Field(foreign_key="tool.id", ondelete="CASCADE", index=True)
    target_tool_id: int = Field(foreign_key="tool.id", ondelete="CASCADE", index=True)
    direction: str = _enum_field(IntegrationDirection.ONE_WAY, nullable=False)
    method: str = _enum_field(IntegrationMethod.API, nullable=False)
    data_objects: list[str] = _json_list()
    frequency: str | None = _enum_field()
    status: str = _enum_field(IntegrationStatus.ACTIVE, nullable=False)
    owner_id: int | None = Field(default=None, foreign_key="owner.id", ondelete="SET NULL")
    notes: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ToolSpend(SQLModel, table=True):
    """What finance actually paid a supplier for a tool over a period (from invoice lines)."""

    __tablename__ = "tool_spend"
    __table_args__ = (
        sa.UniqueConstraint(
            "tool_id",
            "supplier_key",
            "currency",
            "period_start",
            "period_end",
            name="uq_tool_spend",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tool_id: int = Field(foreign_key="tool.id", ondelete="CASCADE", index=True)
    supplier: str = Field(max_length=300)
    supplier_key: str = Field(max_length=300)
    currency: str | None = Field(default=None, max_length=3)
    amount: Decimal = Field(sa_type=MONEY)
    annual_amount: Decimal | None = Field(default=None, sa_type=MONEY)  # None: not knowable
    annualised_by: str | None = Field(default=None, max_length=200)  # how, in words
    period_start: date
    period_end: date
    invoices: int
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class UntiedSpend(SQLModel, table=True):
    """A martech-looking supplier a spend report paid that no catalog tool could be tied to:
    a possible shadow tool, or a supplier for a person to confirm."""

    __tablename__ = "untied_spend"

    id: int | None = Field(default=None, primary_key=True)
    supplier: str = Field(max_length=300)
    currency: str | None = Field(default=None, max_length=3)
    amount: Decimal = Field(sa_type=MONEY)
    annual_amount: Decimal | None = Field(default=None, sa_type=MONEY)
    period_start: date = Field(index=True)
    period_end: date
    invoices: int
    status: str = Field(max_length=20)  # not_in_catalog, ambiguous or to_confirm
    reason: str = Field(sa_type=sa.Text)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class ImportBatch(SQLModel, table=True):
    """One run of an import: which file, which profile, what it did."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    file_name: str = Field(max_length=500)
    sha256: str = Field(max_length=64, index=True)
    profile: str | None = Field(default=None, max_length=200)
    counts: dict[str, int] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)


class Change(SQLModel, table=True):
    """One recorded change: who, when, to what, and each field's old and new value.

    Rows refer to entities by id without a foreign key so the history outlives deletions.
    """

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=200)
    entity: str = Field(max_length=40)
    entity_id: int = Field(index=True)
    label: str = Field(max_length=300)
    action: str = _enum_field(nullable=False)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    batch_id: int | None = Field(
        default=None, foreign_key="import_batch.id", ondelete="SET NULL", index=True
    )
