"""invitations by email: the outbox carries them, staff ones with a one-time sign-in code

When the server accepts a ``user.invite`` (or attaches an organization whose offline log
invited people), the person gets an email through the notice outbox: a row of kind
``invitation`` whose ``notice_id`` is the invited user and which names no LP (``lp_id`` is
null for invitations and only for them). One invitation per user: a partial unique key.

A staff invitation carries a sign-in code. The sender makes the code when it claims the
row (so a message tried again carries a new one and the old one, never delivered, stops
working) and stores only its SHA-256 here (``code_hash``), with when it expires and when
it was used. Redeeming it happens before the organization is known, so it goes through
one narrow SECURITY DEFINER function, ``dealos_redeem_sign_in_code(code_hash, email)``:
one conditional UPDATE spends an unused, unexpired code whose invitation went to that
address and returns ``(org_id, user_id)``; the caller then checks, under that
organization, that the user is active and staff. Row-level security stays as for every
tenant table.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

REDEEM = "dealos_redeem_sign_in_code(text, text)"


def upgrade() -> None:
    op.alter_column("notice_outbox", "lp_id", nullable=True)
    op.drop_constraint("ck_notice_outbox_kind", "notice_outbox", type_="check")
    op.create_check_constraint(
        "ck_notice_outbox_kind",
        "notice_outbox",
        "notice_kind IN ('capital_call', 'distribution', 'invitation')",
    )
    op.create_check_constraint(
        "ck_notice_outbox_lp", "notice_outbox", "(notice_kind = 'invitation') = (lp_id IS NULL)"
    )
    op.add_column(
        "notice_outbox", sa.Column("code_hash", sa.String(64, collation="C"), nullable=True)
    )
    op.add_column(
        "notice_outbox", sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "notice_outbox", sa.Column("code_used_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_notice_outbox_invitation ON notice_outbox (org_id, notice_id) "
        "WHERE notice_kind = 'invitation'"
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_notice_outbox_code_hash ON notice_outbox (code_hash) "
        "WHERE code_hash IS NOT NULL"
    )
    op.execute(
        """
        CREATE FUNCTION dealos_redeem_sign_in_code(p_code_hash text, p_email text)
        RETURNS TABLE (org_id text, user_id text)
        LANGUAGE sql VOLATILE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            UPDATE public.notice_outbox o SET code_used_at = now()
            WHERE o.code_hash = p_code_hash AND o.notice_kind = 'invitation'
              AND o.code_used_at IS NULL AND o.code_expires_at > now()
              AND lower(o.recipient) = lower(p_email)
            RETURNING o.org_id, o.notice_id
        $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {REDEEM} FROM PUBLIC")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {REDEEM}")
    op.execute("DROP INDEX uq_notice_outbox_code_hash")
    op.execute("DROP INDEX uq_notice_outbox_invitation")
    op.drop_column("notice_outbox", "code_used_at")
    op.drop_column("notice_outbox", "code_expires_at")
    op.drop_column("notice_outbox", "code_hash")
    # 0013's table holds notices only.
    op.execute("DELETE FROM notice_outbox WHERE notice_kind = 'invitation'")
    op.drop_constraint("ck_notice_outbox_lp", "notice_outbox", type_="check")
    op.drop_constraint("ck_notice_outbox_kind", "notice_outbox", type_="check")
    op.create_check_constraint(
        "ck_notice_outbox_kind", "notice_outbox", "notice_kind IN ('capital_call', 'distribution')"
    )
    op.alter_column("notice_outbox", "lp_id", nullable=False)
