"""a document file the server does not have is asked for again after a growing wait, not
on every sync

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
    with op.batch_alter_table("blob_transfers") as batch:
        batch.add_column(sa.Column("next_try_at", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blob_transfers") as batch:
        batch.drop_column("next_try_at")
