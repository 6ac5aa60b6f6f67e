"""Postgres: engines, migrations, the app role's rights, and tenant-scoped transactions.

Two identities touch the database. The *owner* (the operator's URL) runs migrations and
the bootstrap commands and owns every table and function; it must bypass row-level
security (a superuser, or a role with BYPASSRLS), because the few lookups made before an
organization is known run as it, inside SECURITY DEFINER functions. The *app role* is
what the running server logs in as: never the owner nor a member of it, never superuser
nor BYPASSRLS (:mod:`sync_server.app_role` creates it and checks every connection); it
holds only the rights :func:`grant_app_role` gives. Every tenant table has FORCE ROW
LEVEL SECURITY, so a transaction sees rows only after it names its organization with
:func:`set_org` (``SET LOCAL`` semantics: the setting ends with the transaction, and a
pooled connection never carries it over).

The engine is synchronous: the shared reducers are synchronous code, so the aiohttp
handlers run each unit of work in a thread pool (:class:`Database`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from sqlalchemy import Connection, Engine, create_engine, text

from core.errors import DealOSError
from core.store.schema import PROJECTION_TABLES
from sync_server.server_schema import (
    APP_FUNCTIONS,
    APPEND_ONLY_TABLES,
    GLOBAL_TABLES,
    TENANT_TABLES,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "Database",
    "OwnerError",
    "app_engine",
    "current_revision",
    "grant_app_role",
    "head_revision",
    "migrate",
    "move_schema",
    "owner_engine",
    "psycopg_url",
    "quoted",
    "set_org",
    "tenant_tx",
]

_MIGRATIONS: Final = Path(__file__).with_name("migrations")
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


def app_engine(app_database_url: str, *, pool_size: int) -> Engine:
    """The engine the server's handlers use, logged in as the app role and nothing else
    (:func:`sync_server.app_role.guard_engine` refuses any other)."""
    return _engine(app_database_url, pool_size)


def quoted(name: str) -> str:
    """``name`` as an SQL identifier, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def _alembic_config(conn: Connection | None = None) -> Config:
    # Alembic loads when the schema is read or moved, not with every `dealos` command.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    ctx = MigrationContext.configure(conn, opts={"version_table": "alembic_version_server"})
    return ctx.get_current_revision()


class OwnerError(DealOSError):
    """The owner's URL cannot run the migrations as they must run (one line)."""


def migrate(database_url: str, *, app_role: str | None = None) -> str | None:
    """Upgrade the schema to head as the owner; grant ``app_role`` (an existing role) its
    rights when named."""
    engine = owner_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4711)")  # one migrator at a time
            _check_owner(conn)
            from alembic import command

            command.upgrade(_alembic_config(conn), "head")
            if app_role is not None:
                grant_app_role(conn, app_role)
            return current_revision(conn)
    finally:
        engine.dispose()


def move_schema(database_url: str, revision: str) -> tuple[str | None, str | None]:
    """Upgrade or downgrade the schema to ``revision`` (``head``, ``base`` or a number) as
    the owner; (the revision before, the revision after). Rights are not granted here: a
    schema below head is for a server of that version, whose own start grants them."""
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    known = [r.revision for r in script.walk_revisions()]
    if revision not in (*known, "head", "base"):
        raise OwnerError(
            f"no server migration {revision}: they run from {known[-1]} to {known[0]} "
            "(or head, or base)"
        )
    engine = owner_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4711)")  # one migrator at a time
            _check_owner(conn)
            before = current_revision(conn)
            below = [r.revision for r in script.iterate_revisions(before, "base")] if before else []
            cfg = _alembic_config(conn)
            if revision == "base" or (revision in below and revision != before):
                command.downgrade(cfg, revision)
            else:
                command.upgrade(cfg, revision)
            return before, current_revision(conn)
    finally:
        engine.dispose()


def _check_owner(conn: Connection) -> None:
    """The sign-in lookups are SECURITY DEFINER functions run as the owner: under FORCE ROW
    LEVEL SECURITY an owner that does not bypass it would find nobody, and every login
    would fail as if the password were wrong."""
    row = conn.execute(
        text(
            "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )
    ).one()
    if not row[1]:
        raise OwnerError(
            f"the database owner {row[0]} must be a superuser or have BYPASSRLS (the sign-in "
            f'lookups run as it): as a superuser, ALTER ROLE "{row[0]}" BYPASSRLS'
        )


def grant_app_role(conn: Connection, role: str) -> None:
    """Give ``role`` exactly the app's rights on the schema, after taking away any other:
    data rights on the tables it works on (read and append only on the logs), none on the
    tables only functions reach, EXECUTE on :data:`APP_FUNCTIONS`."""
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    if found is None:
        raise OwnerError(f"the database role {role} does not exist")
    who = quoted(role)
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {who}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM {who}")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {who}")
    names = [t.name for t in (*PROJECTION_TABLES, *TENANT_TABLES, *GLOBAL_TABLES)]
    for name in names:
        rights = (
            "SELECT, INSERT" if name in APPEND_ONLY_TABLES else "SELECT, INSERT, UPDATE, DELETE"
        )
        conn.exec_driver_sql(f'GRANT {rights} ON TABLE "{name}" TO {who}')
    conn.exec_driver_sql(f"GRANT SELECT ON TABLE alembic_version_server TO {who}")
    for function in APP_FUNCTIONS:
        conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {function} TO {who}")


def set_org(conn: Connection, org_id: str) -> None:
    """Scope the rest of this transaction to ``org_id`` (row-level security)."""
    conn.exec_driver_sql("SELECT set_config('dealos.org_id', %s, true)", (org_id,))


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
