"""sign-in lookups through SECURITY DEFINER functions; every policy scopes by organization

Until now three row-level policies opened a table by a setting the session chose itself
(``dealos.token_hash``, ``dealos.lookup_email``): a connection scoped to one organization
that also set a magic link's token hash could insert, revive, re-point and delete that
link in another organization. They are dropped; every policy left admits the rows of the
organization named by ``dealos.org_id`` and nothing else.

What must happen before the organization is known goes through one narrow function each,
owned by the tables' owner (which bypasses row-level security: a superuser or BYPASSRLS,
checked before migrating), with a fixed ``search_path``, EXECUTE revoked from PUBLIC (the
server grants it to its own role) and returning at most the row its key names:

- ``dealos_session_for_token(token_hash)``: the live session of a bearer token;
- ``dealos_accounts_for_email(email)``: the active users with a login email, one
  ``(org_id, user_id)`` per organization, nothing else of the row;
- ``dealos_redeem_magic_link(token_hash)``: spends an unused, unexpired link and says
  whose it was (the caller then checks the user may sign in that way);
- ``dealos_open_invitation(code_hash, email)``: locks an unexpired attach code and says
  whether it is open for that founder email, open for another, or already used (and for
  which organization). The email is compared inside; it never leaves the table;
- ``dealos_spend_invitation(code_hash, org_id)``: marks the code used by the organization
  the transaction is scoped to.

``org_invitations`` gets row-level security like the tenant tables (its organization is
``attached_org_id``, known once the code is used), and no grant to anyone but its owner:
the server reaches it only through the two functions above, so the invited addresses are
not readable by the server's role at all. (A SHA-256 of an email would not hide it from
anyone able to guess addresses.)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ORG = "current_setting('dealos.org_id', true)"

FUNCTIONS = {
    "dealos_session_for_token(text)": """
        CREATE FUNCTION dealos_session_for_token(p_token_hash text)
        RETURNS TABLE (session_id text, org_id text, user_id text, device_id text, method text)
        LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            SELECT s.session_id, s.org_id, s.user_id, s.device_id, s.method
            FROM public.sessions s
            WHERE s.token_hash = p_token_hash
              AND s.revoked_at IS NULL AND s.expires_at > now()
            LIMIT 1
        $$
    """,
    "dealos_accounts_for_email(text)": """
        CREATE FUNCTION dealos_accounts_for_email(p_email text)
        RETURNS TABLE (org_id text, user_id text)
        LANGUAGE sql STABLE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            SELECT u.org_id, u.user_id FROM public.users u
            WHERE u.email = p_email AND u.active
            ORDER BY u.org_id
        $$
    """,
    "dealos_redeem_magic_link(text)": """
        CREATE FUNCTION dealos_redeem_magic_link(p_token_hash text)
        RETURNS TABLE (org_id text, user_id text)
        LANGUAGE sql VOLATILE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            UPDATE public.magic_links m SET used_at = now()
            WHERE m.token_hash = p_token_hash
              AND m.used_at IS NULL AND m.expires_at > now()
            RETURNING m.org_id, m.user_id
        $$
    """,
    "dealos_open_invitation(text, text)": """
        CREATE FUNCTION dealos_open_invitation(p_code_hash text, p_email text)
        RETURNS TABLE (status text, org_id text)
        LANGUAGE sql VOLATILE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            SELECT CASE WHEN i.used_at IS NOT NULL THEN 'used'
                        WHEN i.email = p_email THEN 'open'
                        ELSE 'other_email' END,
                   i.attached_org_id
            FROM public.org_invitations i
            WHERE i.code_hash = p_code_hash AND i.expires_at > now()
            FOR UPDATE
        $$
    """,
    "dealos_spend_invitation(text, text)": """
        CREATE FUNCTION dealos_spend_invitation(p_code_hash text, p_org_id text)
        RETURNS boolean
        LANGUAGE sql VOLATILE
        SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
        AS $$
            WITH spent AS (
                UPDATE public.org_invitations SET used_at = now(), attached_org_id = p_org_id
                WHERE code_hash = p_code_hash AND used_at IS NULL AND expires_at > now()
                  AND p_org_id = current_setting('dealos.org_id', true)
                RETURNING 1
            )
            SELECT count(*) = 1 FROM spent
        $$
    """,
}


def upgrade() -> None:
    op.execute("DROP POLICY lookup_by_email ON users")
    op.execute("DROP POLICY lookup_by_token ON sessions")
    op.execute("DROP POLICY redeem_by_token ON magic_links")

    op.execute("ALTER TABLE org_invitations ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE org_invitations FORCE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY tenant_isolation ON org_invitations "
        f"USING (attached_org_id = {ORG}) WITH CHECK (attached_org_id = {ORG})"
    )
    # Whoever was granted the table before (the server's role had it all) loses it.
    op.execute(
        """
        DO $$
        DECLARE grantee text;
        BEGIN
            FOR grantee IN
                SELECT DISTINCT a.grantee::regrole::text
                FROM pg_class c, aclexplode(c.relacl) a
                WHERE c.oid = 'public.org_invitations'::regclass
                  AND a.grantee <> c.relowner AND a.grantee <> 0
            LOOP
                EXECUTE format('REVOKE ALL ON TABLE public.org_invitations FROM %s', grantee);
            END LOOP;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON TABLE org_invitations FROM PUBLIC")

    for signature, create in FUNCTIONS.items():
        op.execute(create)
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")


def downgrade() -> None:
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION {signature}")
    op.execute("DROP POLICY tenant_isolation ON org_invitations")
    op.execute("ALTER TABLE org_invitations NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE org_invitations DISABLE ROW LEVEL SECURITY")
    # The policies of 0003, as they were.
    op.execute(
        "CREATE POLICY lookup_by_email ON users FOR SELECT "
        "USING (email = current_setting('dealos.lookup_email', true))"
    )
    op.execute(
        "CREATE POLICY lookup_by_token ON sessions FOR SELECT "
        "USING (token_hash = current_setting('dealos.token_hash', true))"
    )
    op.execute(
        "CREATE POLICY redeem_by_token ON magic_links "
        "USING (token_hash = current_setting('dealos.token_hash', true)) "
        "WITH CHECK (token_hash = current_setting('dealos.token_hash', true))"
    )
