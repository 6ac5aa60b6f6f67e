"""row-level security on every tenant table

Each tenant table gets ENABLE and FORCE ROW LEVEL SECURITY (FORCE: the owner is bound
too, so only a superuser or a BYPASSRLS role sees across organizations) and a policy
admitting the rows of the organization the transaction named with
``set_config('dealos.org_id', …, true)``. Three narrow read paths exist before an
organization is known, each keyed by a value only its holder has: a user row by the email
being logged in, a session by its token hash, a magic link by its token hash.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TENANT_TABLES = (
    # projection tables (core.store.schema)
    "organizations",
    "entities",
    "users",
    "memberships",
    "devices",
    "funds",
    "deals",
    "deal_fields",
    "documents",
    "approvals",
    "lps",
    "lp_contacts",
    "commitments",
    "capital_calls",
    "call_allocations",
    "payments",
    "distributions",
    "distribution_allocations",
    "entitlements",
    # server tables
    "org_heads",
    "op_log",
    "device_heads",
    "service_accounts",
    "credentials",
    "sessions",
    "magic_links",
    "server_audit",
)

ORG = "current_setting('dealos.org_id', true)"


def upgrade() -> None:
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} "
            f"USING (org_id = {ORG}) WITH CHECK (org_id = {ORG})"
        )
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


def downgrade() -> None:
    """The tables stay as they are, open to any role that may read them; only a server
    at 0003 or later may run against them."""
    op.execute("DROP POLICY redeem_by_token ON magic_links")
    op.execute("DROP POLICY lookup_by_token ON sessions")
    op.execute("DROP POLICY lookup_by_email ON users")
    for table in reversed(TENANT_TABLES):
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
