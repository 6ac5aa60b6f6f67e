"""four-eyes on money: a fund's threshold, and who drafted and approved each call and
distribution

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, column, type): all nullable — rows made before the control existed have none.
COLUMNS = (
    ("funds", "four_eyes_threshold", sa.String(length=40)),
    ("capital_calls", "drafted_by", sa.String(length=36)),
    ("capital_calls", "approved_by", sa.String(length=36)),
    ("distributions", "drafted_by", sa.String(length=36)),
    ("distributions", "approved_by", sa.String(length=36)),
)


def upgrade() -> None:
    for table, column, kind in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(column, kind, nullable=True))


def downgrade() -> None:
    for table, column, _ in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
