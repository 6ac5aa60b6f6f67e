"""The migrated Postgres schema: the desktop's projection tables exactly, the server's
tables, and row-level security forced on every table that holds a tenant's rows."""

from __future__ import annotations

import psycopg
from pg_fixture import PgDatabase

from core.store.schema import PROJECTION_TABLES
from sync_server.database import head_revision
from sync_server.server_schema import GLOBAL_TABLES, TENANT_TABLES


def _columns(conn: psycopg.Connection, table: str) -> list[tuple[str, bool]]:
    rows = conn.execute(
        "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def test_projection_tables_match_the_shared_schema(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.owner_url) as conn:
        for table in (*PROJECTION_TABLES, *TENANT_TABLES, *GLOBAL_TABLES):
            expected = [(c.name, bool(c.nullable)) for c in table.columns]
            assert _columns(conn, table.name) == expected, table.name
        version = conn.execute("SELECT version_num FROM alembic_version_server").fetchone()
        assert version is not None
        assert version[0] == head_revision()


def test_every_table_with_an_org_id_forces_row_level_security(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.owner_url) as conn:
        tables = conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS ("
            "  SELECT 1 FROM information_schema.columns i WHERE i.table_schema = 'public' "
            "  AND i.table_name = c.relname AND i.column_name = 'org_id')"
        ).fetchall()
        names = {t[0] for t in tables}
        assert names >= {t.name for t in (*PROJECTION_TABLES, *TENANT_TABLES)}
        assert [t[0] for t in tables if not (t[1] and t[2])] == []
        policies = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'"
            )
        }
        assert policies == names


def test_the_app_role_owns_nothing_and_cannot_bypass_rls(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.owner_url) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s",
            (pg_database.app_role,),
        ).fetchone()
        owned = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE r.rolname = %s",
            (pg_database.app_role,),
        ).fetchone()
    assert role == (False, False)
    assert owned == (0,)


def test_the_app_role_cannot_rewrite_the_op_log(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.app_url) as conn:
        for statement in ("UPDATE op_log SET kind = 'x'", "DELETE FROM server_audit"):
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                conn.rollback()
            else:
                raise AssertionError(f"{statement} was allowed")
