"""The database role the running server logs in as, and the check every connection passes.

Row-level security keeps organizations apart only for a role that cannot step around it.
A superuser, a BYPASSRLS role, the tables' owner (who can switch RLS off) or any role
that can become one of those (by membership; ``SET ROLE`` and ``RESET ROLE`` are open to
every session) would see every organization's rows. So the server logs in as a role of
its own, and :func:`check_app_role` refuses a connection whose role is, or is a member
of, a role that:

- is a superuser, or has BYPASSRLS, CREATEROLE (it could grant itself the owner) or
  REPLICATION (it could stream every row);
- owns a table of the database (the owner of a table can disable its row-level security);
- is one of ``pg_read_server_files``, ``pg_write_server_files``,
  ``pg_execute_server_program`` (they reach the data files beneath any policy).

``dealos serve`` is given the owner's URL. Unless an operator names the app's own URL
(``--app-database-url``, for roles managed elsewhere), :func:`prepare_app_database`
creates — or finds — the login role ``Settings.app_role`` (``dealos_app``), sets its
password to one derived from the server secret (so every process and host sharing the
secret file agrees on it, and it is stored nowhere else), grants it the app's rights
(:func:`sync_server.database.grant_app_role`) and hands back its URL. Either way the
connection is checked before the server starts, and again on every new connection of the
server's pool (:func:`guard_engine`): a role changed behind its back stops the server's
work instead of opening every organization.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import psycopg
from psycopg import sql
from sqlalchemy import Engine, event

from sync_server.database import migrate
from sync_server.server_keys import load_or_create_secret
from sync_server.settings import Settings, SettingsError

__all__ = [
    "UnsafeAppRole",
    "app_password",
    "check_app_role",
    "guard_engine",
    "prepare_app_database",
]

# Predefined roles that read or write the server's files, beneath any policy.
_FILE_ROLES: Final = "'pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program'"

_POWERS: Final = f"""
SELECT r.rolname,
       r.rolname = current_user,
       array_remove(ARRAY[
           CASE WHEN r.rolsuper THEN 'is a superuser' END,
           CASE WHEN r.rolbypassrls THEN 'bypasses row-level security' END,
           CASE WHEN r.rolcreaterole THEN 'may create roles' END,
           CASE WHEN r.rolreplication THEN 'may replicate' END,
           CASE WHEN r.rolname IN ({_FILE_ROLES})
                THEN 'reaches the server''s files' END,
           CASE WHEN EXISTS (
               SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p')
                 AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
           ) THEN 'owns the tables' END
       ], NULL)
FROM pg_roles r
WHERE pg_has_role(current_user, r.oid, 'MEMBER')
ORDER BY r.rolname = current_user DESC, r.rolname
"""  # noqa: S608  (fixed names)


class UnsafeAppRole(SettingsError):
    """The server's database connection could step around row-level security."""


def check_app_role(dbapi_conn: Any) -> None:
    """Raise :class:`UnsafeAppRole` (one line) unless the connection's role is safe to
    serve from. ``dbapi_conn`` is a psycopg connection; its transaction is ended."""
    try:
        with dbapi_conn.cursor() as cur:
            cur.execute(_POWERS)
            rows = cur.fetchall()
    finally:
        dbapi_conn.rollback()
    for name, itself, powers in rows:
        if powers:
            who = f"role {name}" if itself else f"role {rows[0][0]} is a member of {name}, which"
            raise UnsafeAppRole(
                f"the server's database {who} {' and '.join(powers)}: row-level security "
                "would not keep organizations apart; give the server a role of its own "
                "(let dealos serve create it, or name one with --app-database-url)"
            )


def guard_engine(engine: Engine) -> Engine:
    """Check every connection ``engine`` opens before it is used."""

    @event.listens_for(engine, "connect")
    def _checked(dbapi_conn: Any, _record: Any) -> None:
        check_app_role(dbapi_conn)

    return engine


def app_password(secret_file: Path, role: str) -> str:
    """The app role's password: derived from the server secret and the role's name."""
    secret = load_or_create_secret(secret_file)
    label = b"dealos/app-database-password/v1/" + role.encode("utf-8")
    return hmac.new(secret, label, hashlib.sha256).hexdigest()


def _libpq(url: str) -> str:
    """A URL psycopg connects with (SQLAlchemy's ``postgresql+psycopg://`` too)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_login(url: str, user: str, password: str) -> str:
    """``url`` logging in as ``user`` with ``password`` (wherever it named its own)."""
    parts = urlsplit(_libpq(url))
    host = parts.netloc.rpartition("@")[2]
    login = f"{quote(user, safe='')}:{quote(password, safe='')}"
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("user", "password")]
    return parts._replace(netloc=f"{login}@{host}", query=urlencode(query)).geturl()


def _connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(_libpq(url), connect_timeout=5, application_name="dealos-sync")


def _check_url(url: str) -> str:
    """The role ``url`` logs in as, once checked."""
    with _connect(url) as conn:
        check_app_role(conn)
        row = conn.execute("SELECT current_user").fetchone()
    assert row is not None
    return str(row[0])


def _create_or_find(owner: psycopg.Connection[Any], role: str, password: str) -> None:
    """The login role ``role`` with ``password``: created without any power, or found (and
    refused if it can become the owner; :func:`check_app_role` judges the rest)."""
    found = owner.execute(
        "SELECT pg_has_role(%s, current_user, 'MEMBER') FROM pg_roles WHERE rolname = %s",
        (role, role),
    ).fetchone()
    if found is not None and found[0]:
        raise UnsafeAppRole(
            f"the database role {role} is the owner or a member of it: name the server's "
            "own role with DEALOS_APP_ROLE"
        )
    # The password travels as a SCRAM verifier: no statement log ever holds it in clear.
    verifier = owner.pgconn.encrypt_password(password.encode(), role.encode()).decode()
    name = sql.Identifier(role)
    if found is None:
        statement = sql.SQL(
            "CREATE ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB "
            "NOREPLICATION"
        )
    else:  # an earlier start's, or an earlier version's (NOLOGIN, entered by SET ROLE)
        statement = sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}")
    owner.execute(statement.format(name, sql.Literal(verifier)))


def prepare_app_database(settings: Settings) -> Settings:
    """Migrate as the owner, make the app role ready, check its connection: ``settings``
    with ``app_database_url`` set to the URL the server must use.

    With ``app_database_url`` already given (a role an operator manages), its role is
    checked before anything is granted to it. Raises :class:`UnsafeAppRole` for a role
    the server must not run as.
    """
    given = settings.app_database_url
    if given is not None:
        migrate(settings.database_url, app_role=_check_url(given))
        return settings
    role = settings.app_role
    password = app_password(settings.secret_file, role)
    with _connect(settings.database_url) as owner:
        owner.execute("SELECT pg_advisory_xact_lock(4711)")  # one migrator at a time
        _create_or_find(owner, role, password)
    migrate(settings.database_url, app_role=role)
    url = _with_login(settings.database_url, role, password)
    if _check_url(url) != role:
        raise SettingsError(f"the server's database URL does not log in as {role}")
    return settings.with_(app_database_url=url)
