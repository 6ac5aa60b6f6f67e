"""Postgres: engines, migrations, the app role, and tenant-scoped transactions.

Two identities touch the database. The *owner* (the operator's URL) runs migrations and
bootstrap commands and owns every table. The *app role* owns nothing; the running server
either connects as it (``app_database_url``) or switches to it (``SET ROLE``) on each new
connection. Every tenant table has FORCE ROW LEVEL SECURITY, so a transaction sees rows
only after it names its organization with :func:`set_org` (``SET LOCAL`` semantics: the
setting ends with the transaction, and a pooled connection never carries it over).

The engine is synchronous: the shared reducers are synchronous code, so the aiohttp
handlers run each unit of work in a thread pool (:class:`Database`).
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text

from core.store.schema import PROJECTION_TABLES
from sync_server.server_schema import APPEND_ONLY_TABLES, GLOBAL_TABLES, TENANT_TABLES

__all__ = [
    "Database",
    "app_engine",
    "current_revision",
    "grant_app_role",
    "head_revision",
    "migrate",
    "owner_engine",
    "psycopg_url",
    "set_lookup",
    "set_org",
    "tenant_tx",
]

_MIGRATIONS: Final = Path(__file__).with_name("migrations")
_ROLE_NAME: Final = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
T = TypeVar("T")


def psycopg_url(url: str) -> str:
    """``postgresql://…`` (or ``postgres://``) as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    raise ValueError("the database URL must start with postgresql://")


def _engine(url: str, pool_size: int) -> Engine:
    return create_engine(
        psycopg_url(url),
        pool_size=pool_size,
        max_overflow=2,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5, "application_name": "dealos-sync"},
    )


def owner_engine(url: str) -> Engine:
    return _engine(url, 2)


def app_engine(
    database_url: str, *, app_database_url: str | None, app_role: str | None, pool_size: int
) -> Engine:
    """The engine the server's handlers use: never the tables' owner, unless told so."""
    engine = _engine(app_database_url or database_url, pool_size)
    if app_database_url is None and app_role is not None:
        role = _checked_role(app_role)

        @event.listens_for(engine, "connect")
        def _become_app_role(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f'SET ROLE "{role}"')
            dbapi_conn.commit()

    return engine


def _checked_role(name: str) -> str:
    if not _ROLE_NAME.match(name):
        raise ValueError(f"app role {name!r} must be a lowercase SQL identifier")
    return name


def _alembic_config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    ctx = MigrationContext.configure(conn, opts={"version_table": "alembic_version_server"})
    return ctx.get_current_revision()


def migrate(database_url: str, *, app_role: str | None) -> str | None:
    """Upgrade the schema to head as the owner and grant the app role its rights."""
    engine = owner_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4711)")  # one migrator at a time
            command.upgrade(_alembic_config(conn), "head")
            if app_role is not None:
                grant_app_role(conn, app_role)
            return current_revision(conn)
    finally:
        engine.dispose()


def grant_app_role(conn: Connection, role: str) -> None:
    """Create ``role`` if missing (NOLOGIN) and grant it data rights, nothing more."""
    role = _checked_role(role)
    exists = conn.execute(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).scalar()
    if exists is None:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" NOLOGIN')
    elif exists:
        raise RuntimeError(f"the app role {role} bypasses row-level security; use another role")
    conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    names = [t.name for t in (*PROJECTION_TABLES, *TENANT_TABLES, *GLOBAL_TABLES)]
    for name in names:
        rights = (
            "SELECT, INSERT" if name in APPEND_ONLY_TABLES else "SELECT, INSERT, UPDATE, DELETE"
        )
        conn.exec_driver_sql(f'GRANT {rights} ON TABLE "{name}" TO "{role}"')
    conn.exec_driver_sql(f'GRANT SELECT ON TABLE alembic_version_server TO "{role}"')
    conn.exec_driver_sql(f'GRANT EXECUTE ON FUNCTION dealos_refresh_statistics() TO "{role}"')
    member = conn.execute(
        text("SELECT pg_has_role(current_user, :r, 'MEMBER')"), {"r": role}
    ).scalar()
    if not member:
        conn.exec_driver_sql(f'GRANT "{role}" TO CURRENT_USER')


def set_org(conn: Connection, org_id: str) -> None:
    """Scope the rest of this transaction to ``org_id`` (row-level security)."""
    conn.exec_driver_sql("SELECT set_config('dealos.org_id', %s, true)", (org_id,))


def set_lookup(conn: Connection, name: str, value: str) -> None:
    """Open one of the narrow pre-organization read paths for this transaction."""
    if name not in ("lookup_email", "token_hash"):
        raise ValueError(name)
    conn.exec_driver_sql(f"SELECT set_config('dealos.{name}', %s, true)", (value,))


@contextmanager
def tenant_tx(engine: Engine, org_id: str) -> Iterator[Connection]:
    with engine.begin() as conn:
        set_org(conn, org_id)
        yield conn


class Database:
    """The app engine and the thread pool its synchronous work runs in."""

    def __init__(self, engine: Engine, workers: int) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dealos-db")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()
