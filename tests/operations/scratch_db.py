"""A database of its own for an operations test (a rollback walks its schema down, a
drill restores into it), never the session's shared one, which other tests use."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from pg_fixture import with_database, with_user
from psycopg import sql

__all__ = ["ScratchDatabase", "scratch_database"]


@dataclass(frozen=True)
class ScratchDatabase:
    """An empty database of its own and a plain login role, both dropped afterwards."""

    name: str
    owner_url: str
    app_role: str
    app_url: str


@pytest.fixture
def scratch_database(pg_admin_url: str) -> Iterator[ScratchDatabase]:
    tag = secrets.token_hex(4)
    name, role, password = f"dealos_ops_{tag}", f"dealos_ops_app_{tag}", secrets.token_hex(16)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
    owner_url = with_database(pg_admin_url, name)
    try:
        yield ScratchDatabase(name, owner_url, role, with_user(owner_url, role, password))
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
