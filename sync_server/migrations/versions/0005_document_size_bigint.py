"""documents.size_bytes as bigint (core migration 0003's change)

An op may describe a document of up to 10 GiB; a 4-byte integer stopped at 2 GiB and the
push failed in Postgres instead of being judged.

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


def upgrade() -> None:
    op.alter_column("documents", "size_bytes", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    op.alter_column("documents", "size_bytes", type_=sa.Integer(), existing_nullable=False)
