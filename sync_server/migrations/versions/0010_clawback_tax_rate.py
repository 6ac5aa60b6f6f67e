"""the LPA's hypothetical clawback tax rate (core migration 0006's column)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "fund_terms", sa.Column("clawback_tax_rate", sa.String(16, collation="C"), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("fund_terms", "clawback_tax_rate")
