"""notices by email: the outbox the push fills and the sender empties

One row per (notice, LP, recipient), written in the transaction that accepts the
``capital_call.issue`` or ``distribution.issue`` op, so a refused or rolled-back push
queues nothing and the unique key lets no notice be queued twice for one address. The
sender (sync_server/notifications/sender.py) claims a row in a committed transaction
before it talks to the mail server (status ``sending``, an attempt id and a lease), marks
the moment it hands the message over, and records ``sent`` or ``failed`` with the reason.

The sender works for every organization, but row-level security stays as for every
tenant table: it learns which organizations have mail due from one narrow SECURITY
DEFINER function, ``dealos_notice_orgs_due()``, that returns organization ids and nothing
else, and then reads and claims rows in a transaction scoped to each organization.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ORG = "current_setting('dealos.org_id', true)"
STATUSES = "('queued', 'sending', 'sent', 'failed')"


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(36, collation="C"), nullable=nullable)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "notice_outbox",
        _id("org_id"),
        _id("outbox_id"),
        sa.Column("notice_kind", sa.String(16), nullable=False),
        _id("notice_id"),
        _id("op_id"),
        _id("lp_id"),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        _id("attempt_id", nullable=True),
        _at("lease_until", nullable=True),
        _at("handed_over_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("queued_at"),
        _at("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("org_id", "outbox_id", name="pk_notice_outbox"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_notice_outbox_status"),
        sa.CheckConstraint(
            "notice_kind IN ('capital_call', 'distribution')", name="ck_notice_outbox_kind"
        ),
    )
    # One message per notice, LP and address, however the address is capitalized.
    op.execute(
        "CREATE UNIQUE INDEX uq_notice_outbox_recipient "
        "ON notice_outbox (org_id, notice_id, lp_id, lower(recipient))"
    )
    # What the sender looks for: only rows still to send or being sent.
    op.execute(
        "CREATE INDEX ix_notice_outbox_due ON notice_outbox (org_id, next_attempt_at) "
        "WHERE status IN ('queued', 'sending')"
    )
    op.execute("ALTER TABLE notice_outbox ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE notice_outbox FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON notice_outbox "
        f"USING (org_id = {ORG}) WITH CHECK (org_id = {ORG})"
    )
    op.execute(
        """
        CREATE FUNCTION dealos_notice_orgs_due()
        RETURNS TABLE (org_id text)
        LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            SELECT DISTINCT o.org_id FROM public.notice_outbox o
            WHERE o.status IN ('queued', 'sending')
              AND ((o.status = 'queued' AND o.next_attempt_at <= now())
                   OR (o.status = 'sending' AND o.lease_until < now()))
            ORDER BY o.org_id
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION dealos_notice_orgs_due() FROM PUBLIC")


def downgrade() -> None:
    op.execute("DROP FUNCTION dealos_notice_orgs_due()")
    op.drop_table("notice_outbox")
