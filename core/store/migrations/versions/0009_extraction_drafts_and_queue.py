"""the replica keeps AI extraction drafts by document hash, model and prompt version, and
the documents waiting for the extraction endpoint

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


def upgrade() -> None:
    op.create_table(
        "extraction_results",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("prompt_version", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("proposals", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint(
            "sha256", "model", "prompt_version", name=op.f("pk_extraction_results")
        ),
    )
    op.create_table(
        "extraction_queue",
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("queued_at", sa.String(length=40), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_extraction_queue")),
    )


def downgrade() -> None:
    op.drop_table("extraction_queue")
    op.drop_table("extraction_results")
