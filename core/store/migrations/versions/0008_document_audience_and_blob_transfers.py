"""documents carry their audience; the replica remembers which document files the server holds

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


def upgrade() -> None:
    # Every document added before this migration was the organization's own: "internal".
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("audience", sa.String(length=16), nullable=False, server_default="internal")
        )
    op.create_table(
        "blob_transfers",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("on_server", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blob_transfers")),
    )


def downgrade() -> None:
    op.drop_table("blob_transfers")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("audience")
