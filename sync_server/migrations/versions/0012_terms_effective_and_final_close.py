"""LPA terms' effective date and a fund's final close (core migration 0007's columns)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "fund_terms", sa.Column("effective_date", sa.String(10, collation="C"), nullable=True)
    )
    op.add_column(
        "funds", sa.Column("final_close_date", sa.String(10, collation="C"), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("funds", "final_close_date")
    op.drop_column("fund_terms", "effective_date")
