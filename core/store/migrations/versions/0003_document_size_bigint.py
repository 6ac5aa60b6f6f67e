"""documents.size_bytes as a 64-bit integer

SQLite stores any integer in up to 8 bytes whatever the declared type; the declaration
follows the schema (and the server's migration 0005, where it mattered).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("size_bytes", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("size_bytes", type_=sa.Integer(), existing_nullable=False)
