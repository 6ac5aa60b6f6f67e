"""dealos_refresh_statistics(): ANALYZE the tables that grew since their last ANALYZE

A push looks rows up by key (``org_id`` and an id). The planner picks the index from the
table's statistics; statistics taken while a table was empty or small (a new server, a
new organization attaching its history) make it believe an organization has a handful of
rows, and it reads all of them on every push instead of probing the key — a push that
slows as the organization grows until autovacuum's next ANALYZE, a minute or more later.

The app role owns no table, so it cannot ANALYZE. This function runs as its owner
(SECURITY DEFINER) and does only that: ANALYZE, on a small sample, the listed tables
modified by more than 100 rows plus the size they had at their last ANALYZE (autovacuum's
or its own): a table is analyzed again each time it doubles. One caller at a time; it takes
no argument and returns how many tables it analyzed. Autovacuum's own ANALYZE, on its
full sample, comes later as usual.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = (
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
    # what a push reads of the server's own tables
    "op_log",
    "device_heads",
)


def upgrade() -> None:
    listed = ", ".join(f"'{t}'" for t in TABLES)
    op.execute(
        f"""
        CREATE FUNCTION dealos_refresh_statistics() RETURNS integer
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
        AS $$
        DECLARE
            grown text;
            analyzed integer := 0;
        BEGIN
            -- One caller at a time; the others have nothing to add.
            IF NOT pg_try_advisory_xact_lock(4712) THEN
                RETURN 0;
            END IF;
            -- A sample of 3,000 rows is enough to tell the planner how large an
            -- organization is, at a tenth of the default's cost.
            PERFORM set_config('default_statistics_target', '10', true);
            FOR grown IN
                SELECT relname FROM pg_stat_user_tables
                WHERE schemaname = 'public' AND relname IN ({listed})
                  -- more rows changed than the table held then: it doubled, or near enough
                  AND n_mod_since_analyze > 100 + greatest(n_live_tup - n_mod_since_analyze, 0)
                ORDER BY relname
            LOOP
                EXECUTE format('ANALYZE public.%I', grown);
                analyzed := analyzed + 1;
            END LOOP;
            RETURN analyzed;
        END
        $$
        """  # noqa: S608  (the names are this file's constants)
    )
    op.execute("REVOKE ALL ON FUNCTION dealos_refresh_statistics() FROM PUBLIC")


def downgrade() -> None:
    op.execute("DROP FUNCTION dealos_refresh_statistics()")
