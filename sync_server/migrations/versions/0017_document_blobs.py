"""document files: which ones each organization uploaded, and who a document is for

``blobs`` holds one row per organization and SHA-256 the organization uploaded (PUT
/v1/blobs/{sha256}); the bytes are a file under that organization's own folder of the
server's blob directory, so one organization's upload is never another's, even for the
same bytes. Row-level security as for every tenant table.

``documents.audience`` is core migration 0008's column: "internal" for every document
added before it, "lps" for a fund's document shared with the fund's LPs.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ORG = "current_setting('dealos.org_id', true)"


def upgrade() -> None:
    op.add_column(
        "documents",
        sa.Column(
            "audience",
            sa.String(16, collation="C"),
            nullable=False,
            server_default="internal",
        ),
    )
    op.create_table(
        "blobs",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("sha256", sa.String(64, collation="C"), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("uploaded_by", sa.String(36, collation="C"), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "sha256", name="pk_blobs"),
    )
    op.execute("ALTER TABLE blobs ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE blobs FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON blobs "
        f"USING (org_id = {ORG}) WITH CHECK (org_id = {ORG})"
    )


def downgrade() -> None:
    # The files stay in the blob directory; a later upgrade finds them again when each is
    # uploaded anew.
    op.drop_table("blobs")
    op.drop_column("documents", "audience")
