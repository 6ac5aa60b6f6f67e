"""A real Postgres for the server suite, fresh per test session (and per xdist worker).

With ``DEALOS_TEST_DATABASE_URL`` set (CI with a service container, or a developer's own
server), a uniquely named database is created on that server and dropped at the end.
Without it, an embedded PostgreSQL (the one `dealos serve` starts on a laptop) runs in a
temporary folder for the session. Either way the app connects as a login role made for
this run, which owns nothing and is dropped afterwards; migrations run as the owner.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from sync_server.database import migrate
from sync_server.embedded_postgres import EmbeddedPostgres

__all__ = ["PgDatabase", "pg_admin_url", "pg_database", "with_database", "with_user"]

ENV = "DEALOS_TEST_DATABASE_URL"


@dataclass(frozen=True)
class PgDatabase:
    """One migrated database: the owner's URL, the app role and its own login URL."""

    name: str
    owner_url: str
    app_role: str
    app_url: str
    admin_url: str


def with_database(url: str, database: str) -> str:
    return urlsplit(url)._replace(path=f"/{database}").geturl()


def with_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:{password}@{host}").geturl()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A superuser URL on a server this session may create databases and roles on."""
    given = os.environ.get(ENV)
    if given:
        yield given
        return
    # Not under pytest's temporary tree: pytest resets its root to 0700 whenever a test asks
    # for a new tmp_path, and the unprivileged user the server runs as (when the suite runs
    # as root) must still reach its data folder to stop cleanly.
    folder = Path(tempfile.mkdtemp(prefix="dealos-test-pg-"))
    embedded = EmbeddedPostgres(folder, database="postgres", delete_on_stop=True)
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_database(pg_admin_url: str) -> Iterator[PgDatabase]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    tag = secrets.token_hex(4)
    name = f"dealos_test_{worker}_{tag}"
    role = f"dealos_app_{worker}_{tag}"
    password = secrets.token_hex(16)
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
        migrate(owner_url, app_role=role)
        yield PgDatabase(
            name=name,
            owner_url=owner_url,
            app_role=role,
            app_url=with_user(owner_url, role, password),
            admin_url=pg_admin_url,
        )
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
