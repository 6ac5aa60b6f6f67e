"""what a distribution is: each LP's amount by class (return of capital, gain, income),
what is withheld and set off against unpaid calls, whether it is recallable, and the
fund's withholding rate

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, column, type): all nullable — distributions drafted before have none.
COLUMNS = (
    ("fund_terms", "withholding_rate", sa.String(length=16)),
    ("distributions", "recallable", sa.Boolean()),
    ("distributions", "offsets_unpaid_calls", sa.Boolean()),
    ("distribution_allocations", "return_of_capital", sa.String(length=40)),
    ("distribution_allocations", "gain", sa.String(length=40)),
    ("distribution_allocations", "income", sa.String(length=40)),
    ("distribution_allocations", "withheld", sa.String(length=40)),
    ("distribution_allocations", "call_offset", sa.String(length=40)),
)


def upgrade() -> None:
    for table, column, kind in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, kind, nullable=True))


def downgrade() -> None:
    for table, column, _ in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
