"""desktop sign-in by emailed approval: an LP's computer waits while its owner approves

The desktop asks for a sign-in for an email address and polls; the server mails the
address (only if it is an external user's) a link to a portal page whose button approves
the request; the next poll collects a session, once. One row per request and organization
the address is an external user in, holding only hashes: of the poll secret (which the
desktop holds) and of the approval token (which the email holds). A request lives 15
minutes and gives at most one session.

Approving and collecting happen before the organization is known, so they go through
narrow SECURITY DEFINER functions, each keyed by what only its holder has:

- ``dealos_desktop_sign_in(request_id)``: what the approval page shows (the device's name,
  when it asked, until when, and whether it is still open) — nothing about the person;
- ``dealos_decide_desktop_sign_in(request_id, approve_hash, approve)``: approves or
  denies an open request whose emailed token the caller holds; ``(org_id, user_id)``;
- ``dealos_collect_desktop_sign_in(request_id, poll_hash)``: for the poller, under a lock
  on the request's rows: ``gone`` (denied, collected, expired), ``approved`` with the
  ``(org_id, user_id)`` to open a session for (and every row of the request is spent), or
  ``pending``; no row at all when the poll hash matches nothing.

Row-level security as for every tenant table.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ORG = "current_setting('dealos.org_id', true)"
FUNCTIONS = {
    "dealos_desktop_sign_in(text)": """
        CREATE FUNCTION dealos_desktop_sign_in(p_request_id text)
        RETURNS TABLE (device_name text, created_at timestamptz, expires_at timestamptz,
                       open boolean)
        LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            SELECT min(d.device_name), min(d.created_at), min(d.expires_at),
                   bool_and(d.approved_at IS NULL AND d.denied_at IS NULL
                            AND d.collected_at IS NULL) AND min(d.expires_at) > now()
            FROM public.desktop_sign_ins d
            WHERE d.request_id = p_request_id
            HAVING count(*) > 0
        $$
    """,
    "dealos_decide_desktop_sign_in(text, text, boolean)": """
        CREATE FUNCTION dealos_decide_desktop_sign_in(
            p_request_id text, p_approve_hash text, p_approve boolean
        )
        RETURNS TABLE (org_id text, user_id text)
        LANGUAGE sql VOLATILE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            UPDATE public.desktop_sign_ins d
            SET approved_at = CASE WHEN p_approve THEN now() END,
                denied_at = CASE WHEN p_approve THEN NULL ELSE now() END
            WHERE d.request_id = p_request_id AND d.approve_hash = p_approve_hash
              AND d.approved_at IS NULL AND d.denied_at IS NULL AND d.collected_at IS NULL
              AND d.expires_at > now()
            RETURNING d.org_id, d.user_id
        $$
    """,
    "dealos_collect_desktop_sign_in(text, text)": """
        CREATE FUNCTION dealos_collect_desktop_sign_in(p_request_id text, p_poll_hash text)
        RETURNS TABLE (state text, org_id text, user_id text)
        LANGUAGE plpgsql VOLATILE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
        DECLARE
            chosen record;
        BEGIN
            -- Concurrent polls of one request take turns: exactly one collects.
            PERFORM 1 FROM public.desktop_sign_ins d
            WHERE d.request_id = p_request_id AND d.poll_hash = p_poll_hash
            ORDER BY d.org_id
            FOR UPDATE;
            IF NOT FOUND THEN
                RETURN;
            END IF;
            IF EXISTS (
                SELECT 1 FROM public.desktop_sign_ins d
                WHERE d.request_id = p_request_id AND d.poll_hash = p_poll_hash
                  AND (d.denied_at IS NOT NULL OR d.collected_at IS NOT NULL
                       OR d.expires_at <= now())
            ) THEN
                RETURN QUERY SELECT 'gone'::text, NULL::text, NULL::text;
                RETURN;
            END IF;
            SELECT d.org_id, d.user_id INTO chosen FROM public.desktop_sign_ins d
            WHERE d.request_id = p_request_id AND d.poll_hash = p_poll_hash
              AND d.approved_at IS NOT NULL
            ORDER BY d.approved_at, d.org_id
            LIMIT 1;
            IF NOT FOUND THEN
                RETURN QUERY SELECT 'pending'::text, NULL::text, NULL::text;
                RETURN;
            END IF;
            UPDATE public.desktop_sign_ins d SET collected_at = now()
            WHERE d.request_id = p_request_id AND d.poll_hash = p_poll_hash;
            RETURN QUERY SELECT 'approved'::text, chosen.org_id::text, chosen.user_id::text;
        END
        $$
    """,
}


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(36, collation="C"), nullable=nullable)


def _hash(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(64, collation="C"), nullable=False)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "desktop_sign_ins",
        _id("org_id"),
        _id("request_id"),
        _id("user_id"),
        _hash("poll_hash"),
        _hash("approve_hash"),
        sa.Column("device_name", sa.String(200), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("approved_at", nullable=True),
        _at("denied_at", nullable=True),
        _at("collected_at", nullable=True),
        sa.PrimaryKeyConstraint("org_id", "request_id", name="pk_desktop_sign_ins"),
    )
    # The functions find a request by its id before the organization is known.
    op.create_index("ix_desktop_sign_ins_request", "desktop_sign_ins", ["request_id"])
    op.execute("ALTER TABLE desktop_sign_ins ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE desktop_sign_ins FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON desktop_sign_ins "
        f"USING (org_id = {ORG}) WITH CHECK (org_id = {ORG})"
    )
    for signature, create in FUNCTIONS.items():
        op.execute(create)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def downgrade() -> None:
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {signature}")
    op.drop_table("desktop_sign_ins")
