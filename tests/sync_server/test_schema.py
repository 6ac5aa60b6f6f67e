"""The migrated Postgres schema: the desktop's projection tables exactly, the server's
tables, and row-level security forced on every table that holds a tenant's rows."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from pg_fixture import PgDatabase, with_database, with_user
from psycopg import sql

from core.store.schema import PROJECTION_TABLES
from sync_server import database
from sync_server.database import OwnerError, head_revision, migrate, owner_engine
from sync_server.server_schema import (
    APP_FUNCTIONS,
    DEFINER_ONLY_TABLES,
    GLOBAL_TABLES,
    TENANT_TABLES,
)


def _columns(conn: psycopg.Connection, table: str) -> list[tuple[str, bool]]:
    rows = conn.execute(
        "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def test_projection_tables_match_the_shared_schema(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.owner_url) as conn:
        for table in (*PROJECTION_TABLES, *TENANT_TABLES, *DEFINER_ONLY_TABLES, *GLOBAL_TABLES):
            expected = [(c.name, bool(c.nullable)) for c in table.columns]
            assert _columns(conn, table.name) == expected, table.name
        version = conn.execute("SELECT version_num FROM alembic_version_server").fetchone()
        assert version is not None
        assert version[0] == head_revision()


# The tables declared to hold no organization's data: the only ones allowed without
# row-level security. A table that is not listed here gets RLS, or this test fails.
NO_ORG_DATA = {"alembic_version_server"} | {t.name for t in GLOBAL_TABLES}


def test_every_table_but_the_declared_ones_forces_row_level_security_by_org(
    pg_database: PgDatabase,
) -> None:
    """Read from the catalog, so a table added by a later migration cannot forget it:
    RLS enabled and forced, at least one policy, and every policy admitting rows by the
    organization the transaction named — never by a token, an email or anything else a
    session may set for itself."""
    with psycopg.connect(pg_database.owner_url) as conn:
        tables = conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, EXISTS ("
            "  SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'org_id' "
            "  AND NOT a.attisdropped) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        ).fetchall()
        policies = conn.execute(
            "SELECT tablename, policyname, qual, with_check FROM pg_policies "
            "WHERE schemaname = 'public'"
        ).fetchall()
    names = {t[0] for t in tables}
    assert names >= {t.name for t in (*PROJECTION_TABLES, *TENANT_TABLES, *DEFINER_ONLY_TABLES)}
    assert names >= NO_ORG_DATA
    assert [t[0] for t in tables if t[3] and t[0] in NO_ORG_DATA] == []
    guarded = names - NO_ORG_DATA
    assert sorted(t[0] for t in tables if t[0] in guarded and not (t[1] and t[2])) == []
    assert sorted(guarded - {p[0] for p in policies}) == []
    for table, name, qual, with_check in policies:
        for expression in (qual, with_check):
            if expression is None:
                continue
            where = f"{table}.{name}: {expression}"
            assert "current_setting('dealos.org_id'" in expression, where
            assert re.findall(r"dealos\.\w+", expression) == ["dealos.org_id"], where
        assert qual is not None or with_check is not None, f"{table}.{name}"


def test_the_sign_in_functions_are_narrow_and_the_app_roles_alone(
    pg_database: PgDatabase,
) -> None:
    """Every SECURITY DEFINER function is one the server needs, pins its search_path, and
    may be run by the app role but not by PUBLIC; the invitations (emails in clear) are
    not readable by the app role at all."""
    with psycopg.connect(pg_database.owner_url) as conn:
        functions = conn.execute(
            "SELECT p.oid::regprocedure::text, p.proconfig, "
            "has_function_privilege('public', p.oid, 'EXECUTE'), "
            "has_function_privilege(%s, p.oid, 'EXECUTE') "
            "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.prosecdef",
            (pg_database.app_role,),
        ).fetchall()
        invitations = conn.execute(
            "SELECT has_table_privilege(%s, 'org_invitations', 'SELECT, INSERT, UPDATE, DELETE')",
            (pg_database.app_role,),
        ).fetchone()
    assert sorted(f[0] for f in functions) == sorted(f.replace(", ", ",") for f in APP_FUNCTIONS)
    for name, config, public, app in functions:
        assert any(c.startswith("search_path=") for c in config or []), name
        assert (public, app) == (False, True), name
    assert invitations == (False,)


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


def _state(conn: psycopg.Connection) -> tuple[list[str], list[str], tuple[bool, bool]]:
    policies = conn.execute(
        "SELECT tablename || '.' || policyname FROM pg_policies "
        "WHERE policyname <> 'tenant_isolation' OR tablename = 'org_invitations' ORDER BY 1"
    ).fetchall()
    functions = conn.execute(
        "SELECT proname FROM pg_proc WHERE prosecdef AND proname LIKE 'dealos%' ORDER BY 1"
    ).fetchall()
    invitations = conn.execute(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'org_invitations'"
    ).fetchone()
    assert invitations is not None
    return [p[0] for p in policies], [f[0] for f in functions], invitations


def test_migration_0007_goes_down_to_0006_and_up_again(pg_admin_url: str) -> None:
    name = f"dealos_down_{secrets.token_hex(4)}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )
    url = with_database(pg_admin_url, name)
    engine = owner_engine(url)
    try:
        migrate(url)
        with psycopg.connect(url) as conn:
            head = _state(conn)
        config = Config()
        config.set_main_option(
            "script_location", str(Path(database.__file__).parent / "migrations")
        )
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0006")
        with psycopg.connect(url) as conn:
            assert _state(conn) == (
                [
                    "magic_links.redeem_by_token",
                    "sessions.lookup_by_token",
                    "users.lookup_by_email",
                ],
                ["dealos_refresh_statistics"],
                (False, False),
            )
        migrate(url)
        with psycopg.connect(url) as conn:
            assert _state(conn) == head
        assert head[0] == ["org_invitations.tenant_isolation"]
        assert head[2] == (True, True)
    finally:
        engine.dispose()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_migrating_refuses_an_owner_that_cannot_bypass_row_level_security(
    pg_admin_url: str,
) -> None:
    """Its sign-in functions would find nobody: every login would fail as a wrong password."""
    name, password = f"dealos_weak_{secrets.token_hex(4)}", secrets.token_hex(12)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0").format(
                sql.Identifier(name), sql.Identifier(name)
            )
        )
    try:
        url = with_user(with_database(pg_admin_url, name), name, password)
        with pytest.raises(OwnerError, match=f"the database owner {name} must be a superuser"):
            migrate(url)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
