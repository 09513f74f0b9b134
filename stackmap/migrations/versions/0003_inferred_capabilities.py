"""capabilities say where they came from; spend says how it was annualised (or that it could
not be)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows stay NULL: given by a person or a file, never to be replaced by a guess.
    with op.batch_alter_table("tool_capability", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=True))
    # A single invoice in a short report has no yearly figure stackmap can know: unknown, not 0.
    with op.batch_alter_table("tool_spend", schema=None) as batch_op:
        batch_op.alter_column(
            "annual_amount", existing_type=sa.Numeric(precision=14, scale=2), nullable=True
        )
        batch_op.add_column(sa.Column("annualised_by", sa.String(length=200), nullable=True))
    op.create_table(
        "untied_spend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier", sa.String(length=300), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("annual_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
            name=op.f("fk_untied_spend_batch_id_import_batch"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_untied_spend")),
    )
    with op.batch_alter_table("untied_spend", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_untied_spend_period_start"), ["period_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("untied_spend", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_untied_spend_period_start"))
    op.drop_table("untied_spend")
    with op.batch_alter_table("tool_spend", schema=None) as batch_op:
        batch_op.drop_column("annualised_by")
        batch_op.alter_column(
            "annual_amount", existing_type=sa.Numeric(precision=14, scale=2), nullable=False
        )
    with op.batch_alter_table("tool_capability", schema=None) as batch_op:
        batch_op.drop_column("source")
