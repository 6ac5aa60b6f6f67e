"""Scale on paper, checked in code (DESIGN §8): the schema keeps Citus's rules, so every
organization's rows can be distributed by ``org_id`` without a schema change.

Read from the catalog of a migrated database: every table that holds organizations'
data leads with ``org_id`` — its primary key, each unique constraint or unique index and
each foreign key include it — and every table without it is declared to hold no
organization's data (a Citus reference or local table). Read from the server's SQL: each
join between tenant tables matches ``org_id`` on both sides, so no query joins across
organizations.

Three unique indexes on a token's hash (sessions, magic links, invitation codes) predate
this check: their values are SHA-256 of 256 or 160 random bits, unique by construction,
and the sign-in lookups find them before the organization is known. On Citus each must
become unique per ``(org_id, hash)`` with a plain index on the hash for the lookup; the
migration that does so is listed in docs/OPERATIONS.md ("Scaling"). They are named here
so that any other breach fails, and so that this test fails once they are fixed, to be
struck off.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Final

import psycopg
from pg_fixture import PgDatabase
from scratch_db import ScratchDatabase, scratch_database

from sync_server.database import migrate
from sync_server.drills.catalog_evidence import NO_ORG_DATA

__all__ = ["scratch_database"]

ROOT = Path(__file__).resolve().parents[2]
# Keyed by a code only its holder has, before any organization is known (attach codes).
REFERENCE_TABLES: Final = frozenset({"org_invitations"})
HASH_UNIQUE_INDEXES: Final[frozenset[str]] = frozenset()  # none since server migration 0018


def citus_breaches(conn: psycopg.Connection) -> list[str]:
    """Each key of a tenant table without ``org_id``, and each table without ``org_id``
    that is not declared to hold no organization's data."""
    tenant = {
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' "
            "AND a.attname = 'org_id' AND NOT a.attisdropped"
        )
    }
    every = {
        str(r[0])
        for r in conn.execute(
            "SELECT relname FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        )
    }
    breaches = [
        f"{name}: no org_id, and not declared to hold no organization's data"
        for name in sorted(every - tenant - NO_ORG_DATA - REFERENCE_TABLES)
    ]
    keys = conn.execute(
        """
        SELECT c.relname, i.relname, x.indisprimary,
               array(SELECT a.attname FROM unnest(x.indkey) k
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k)
        FROM pg_index x
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_class i ON i.oid = x.indexrelid
        WHERE c.relnamespace = 'public'::regnamespace AND (x.indisunique OR x.indisprimary)
        """
    ).fetchall()
    for table, index, primary, columns in keys:
        if table in tenant and "org_id" not in columns:
            what = "primary key" if primary else "unique index"
            breaches.append(f"{table}.{index}: a {what} on {', '.join(columns)} without org_id")
    foreign = conn.execute(
        """
        SELECT c.relname, f.conname,
               array(SELECT a.attname FROM unnest(f.conkey) k
                     JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k),
               array(SELECT a.attname FROM unnest(f.confkey) k
                     JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k)
        FROM pg_constraint f JOIN pg_class c ON c.oid = f.conrelid
        WHERE f.contype = 'f' AND c.relnamespace = 'public'::regnamespace
        """
    ).fetchall()
    for table, name, columns, referenced in foreign:
        if "org_id" not in columns or "org_id" not in referenced:
            breaches.append(f"{table}.{name}: a foreign key without org_id on both sides")
    return breaches


def test_every_tenant_table_keeps_citus_rules(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.owner_url) as conn:
        breaches = citus_breaches(conn)
    named = {b.split(":")[0] for b in breaches}
    assert named == HASH_UNIQUE_INDEXES, breaches


def test_the_catalog_check_finds_a_table_that_breaks_them(
    scratch_database: ScratchDatabase,
) -> None:
    migrate(scratch_database.owner_url)
    with psycopg.connect(scratch_database.owner_url) as conn:
        conn.execute(
            "CREATE TABLE side_letters (org_id text NOT NULL, letter_id text PRIMARY KEY, "
            "lp_id text NOT NULL, UNIQUE (lp_id))"
        )
        conn.execute("CREATE TABLE scratchpad (note text)")
        conn.execute(
            "CREATE TABLE letter_pages (org_id text NOT NULL, letter_id text "
            "REFERENCES side_letters (letter_id), page int, PRIMARY KEY (org_id, letter_id, page))"
        )
        breaches = citus_breaches(conn)
        conn.rollback()
    assert "scratchpad: no org_id, and not declared to hold no organization's data" in breaches
    assert "side_letters.side_letters_pkey: a primary key on letter_id without org_id" in breaches
    assert "side_letters.side_letters_lp_id_key: a unique index on lp_id without org_id" in (
        breaches
    )
    assert (
        "letter_pages.letter_pages_letter_id_fkey: a foreign key without org_id on both sides"
        in breaches
    )


_JOIN: Final = re.compile(
    r"\bJOIN\s+(\w+)(?:\s+(?:AS\s+)?\w+)?\s+ON\s+(.*?)(?=\b(?:LEFT|RIGHT|INNER|JOIN|WHERE|ORDER|"
    r"GROUP|LIMIT|RETURNING|UNION)\b|;|$)",
    re.IGNORECASE | re.DOTALL,
)


def cross_org_joins(source: str, tenant_tables: set[str]) -> list[str]:
    """Each join onto a tenant table, in the SQL strings of ``source``, whose condition
    does not match ``org_id``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for table, condition in _JOIN.findall(node.value):
                if table in tenant_tables and "org_id" not in condition:
                    found.append(f"JOIN {table} ON {' '.join(condition.split())}")
    return found


def test_no_query_of_the_server_joins_across_organizations(pg_database: PgDatabase) -> None:
    with psycopg.connect(pg_database.owner_url) as conn:
        tenant = {
            str(r[0])
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                "WHERE c.relnamespace = 'public'::regnamespace AND a.attname = 'org_id'"
            )
        }
    modules = sorted((ROOT / "sync_server").rglob("*.py"))
    found = {
        str(path.relative_to(ROOT)): joins
        for path in modules
        if (joins := cross_org_joins(path.read_text("utf-8"), tenant))
    }
    assert found == {}
    assert cross_org_joins(
        'Q = "SELECT * FROM lps l JOIN commitments c ON c.lp_id = l.lp_id WHERE l.org_id = %s"',
        tenant,
    ) == ["JOIN commitments ON c.lp_id = l.lp_id"]
