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


def downgrade() -> None:
    with op.batch_alter_table("tool_spend", schema=None) as batch_op:
        batch_op.drop_column("annualised_by")
        batch_op.alter_column(
            "annual_amount", existing_type=sa.Numeric(precision=14, scale=2), nullable=False
        )
    with op.batch_alter_table("tool_capability", schema=None) as batch_op:
        batch_op.drop_column("source")
