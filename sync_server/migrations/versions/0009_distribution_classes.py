"""what a distribution is (core migration 0005's columns): each LP's amount by class,
what is withheld and set off against unpaid calls, whether it is recallable, and the
fund's withholding rate

The tables keep their row-level security; the app role's rights on them are unchanged.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, column, type): all nullable — distributions drafted before have none; text in
# the "C" collation like every other column (migration 0001).
COLUMNS = (
    ("fund_terms", "withholding_rate", sa.String(16, collation="C")),
    ("distributions", "recallable", sa.Boolean()),
    ("distributions", "offsets_unpaid_calls", sa.Boolean()),
    ("distribution_allocations", "return_of_capital", sa.String(40, collation="C")),
    ("distribution_allocations", "gain", sa.String(40, collation="C")),
    ("distribution_allocations", "income", sa.String(40, collation="C")),
    ("distribution_allocations", "withheld", sa.String(40, collation="C")),
    ("distribution_allocations", "call_offset", sa.String(40, collation="C")),
)


def upgrade() -> None:
    for table, column, kind in COLUMNS:
        op.add_column(table, sa.Column(column, kind, nullable=True))


def downgrade() -> None:
    for table, column, _ in reversed(COLUMNS):
        op.drop_column(table, column)
