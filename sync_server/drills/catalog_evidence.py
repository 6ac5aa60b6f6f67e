"""What the catalog says about a server's database: row-level security on every table
that holds an organization's data, the login role's standing, its rights, the schema's
revision. The drill compares these before and after a restore; the operations validator
checks them on a live database."""

from __future__ import annotations

from typing import Final

import psycopg

from sync_server.server_schema import GLOBAL_TABLES

__all__ = [
    "NO_ORG_DATA",
    "app_rights",
    "forced_rls_gaps",
    "policies",
    "role_problems",
    "schema_revision",
    "table_owners",
]

# Tables that hold no organization's data: no row-level security by design.
NO_ORG_DATA: Final = frozenset({*(t.name for t in GLOBAL_TABLES), "alembic_version_server"})


def _tables(conn: psycopg.Connection) -> list[tuple[str, bool, bool, str]]:
    return [
        (str(r[0]), bool(r[1]), bool(r[2]), str(r[3]))
        for r in conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "pg_get_userbyid(c.relowner) FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
            "ORDER BY 1"
        )
    ]


def forced_rls_gaps(conn: psycopg.Connection) -> list[str]:
    """Each table holding organizations' data without ENABLE + FORCE row-level security or
    without a policy, in words."""
    with_policy = {str(r[0]) for r in conn.execute("SELECT tablename FROM pg_policies")}
    gaps = []
    for name, enabled, forced, _owner in _tables(conn):
        if name in NO_ORG_DATA:
            continue
        if not (enabled and forced):
            gaps.append(f"{name}: row-level security is {'not forced' if enabled else 'off'}")
        elif name not in with_policy:
            gaps.append(f"{name}: no policy, so nobody sees its rows")
    return gaps


def policies(conn: psycopg.Connection) -> set[tuple[str, str, str, str]]:
    return {
        (str(r[0]), str(r[1]), str(r[2] or ""), str(r[3] or ""))
        for r in conn.execute(
            "SELECT tablename, policyname, qual, with_check FROM pg_policies "
            "WHERE schemaname = 'public'"
        )
    }


def table_owners(conn: psycopg.Connection) -> set[str]:
    return {owner for *_, owner in _tables(conn)}


def role_problems(conn: psycopg.Connection, role: str) -> list[str]:
    """Why ``role`` could step around row-level security, in words (none: it cannot)."""
    row = conn.execute(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcanlogin FROM pg_roles "
        "WHERE rolname = %s",
        (role,),
    ).fetchone()
    if row is None:
        return [f"the role {role} does not exist"]
    problems = []
    if row[0]:
        problems.append(f"{role} is a superuser")
    if row[1]:
        problems.append(f"{role} has BYPASSRLS")
    if row[2]:
        problems.append(f"{role} has CREATEROLE")
    if not row[3]:
        problems.append(f"{role} cannot log in")
    owned = sorted(name for name, _, _, owner in _tables(conn) if owner == role)
    if owned:
        problems.append(f"{role} owns {', '.join(owned)}")
    member_of = conn.execute(
        "SELECT string_agg(DISTINCT o.rolname, ', ') FROM pg_class c "
        "JOIN pg_roles o ON o.oid = c.relowner "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
        "AND pg_has_role(%s, c.relowner, 'MEMBER')",
        (role,),
    ).fetchone()
    if member_of and member_of[0]:
        problems.append(f"{role} is a member of the tables' owner {member_of[0]}")
    return problems


def app_rights(conn: psycopg.Connection, role: str) -> set[tuple[str, str]]:
    """(table, privilege) for each right ``role`` holds on the schema's tables."""
    return {
        (str(r[0]), str(r[1]))
        for r in conn.execute(
            "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = %s AND table_schema = 'public'",
            (role,),
        )
    }


def schema_revision(conn: psycopg.Connection) -> str | None:
    found = conn.execute(
        "SELECT to_regclass('public.alembic_version_server') IS NOT NULL"
    ).fetchone()
    if not found or not found[0]:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version_server").fetchone()
    return str(row[0]) if row else None
