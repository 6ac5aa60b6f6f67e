"""the history of an organization being attached, held until it is applied whole

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ORG = "current_setting('dealos.org_id', true)"


def upgrade() -> None:
    op.create_table(
        "attach_history",
        sa.Column("org_id", sa.String(36, collation="C"), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "position", name="pk_attach_history"),
    )
    op.execute("ALTER TABLE attach_history ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE attach_history FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON attach_history "
        f"USING (org_id = {ORG}) WITH CHECK (org_id = {ORG})"
    )


def downgrade() -> None:
    op.drop_table("attach_history")
