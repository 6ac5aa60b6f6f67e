"""four-eyes on money (core migration 0004's columns): a fund's threshold, and who
drafted and approved each call and distribution

The tables keep their row-level security; the app role's rights on them are unchanged.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# (table, column, type): all nullable — rows made before the control existed have none;
# text in the "C" collation like every other column (migration 0001).
COLUMNS = (
    ("funds", "four_eyes_threshold", sa.String(40, collation="C")),
    ("capital_calls", "drafted_by", sa.String(36, collation="C")),
    ("capital_calls", "approved_by", sa.String(36, collation="C")),
    ("distributions", "drafted_by", sa.String(36, collation="C")),
    ("distributions", "approved_by", sa.String(36, collation="C")),
)


def upgrade() -> None:
    for table, column, kind in COLUMNS:
        op.add_column(table, sa.Column(column, kind, nullable=True))


def downgrade() -> None:
    for table, column, _ in reversed(COLUMNS):
        op.drop_column(table, column)
