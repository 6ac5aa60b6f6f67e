"""LPA terms carry the day they take effect; a fund records its final close

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fund_terms") as batch:
        batch.add_column(sa.Column("effective_date", sa.String(length=10), nullable=True))
    with op.batch_alter_table("funds") as batch:
        batch.add_column(sa.Column("final_close_date", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("funds") as batch:
        batch.drop_column("final_close_date")
    with op.batch_alter_table("fund_terms") as batch:
        batch.drop_column("effective_date")
