"""the LPA's hypothetical tax rate an American waterfall's clawback is net of

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fund_terms") as batch:
        batch.add_column(sa.Column("clawback_tax_rate", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fund_terms") as batch:
        batch.drop_column("clawback_tax_rate")
