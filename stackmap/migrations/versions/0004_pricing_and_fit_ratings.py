"""contracts say how they are priced (per seat, platform, usage); tools carry a person's
functional and technical fit ratings (1-5)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing contracts stay NULL: their pricing model is unknown, never assumed per seat.
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pricing_model", sa.String(length=20), nullable=True))
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.add_column(sa.Column("functional_fit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("technical_fit", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tool", schema=None) as batch_op:
        batch_op.drop_column("technical_fit")
        batch_op.drop_column("functional_fit")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_column("pricing_model")
