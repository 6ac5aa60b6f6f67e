"""The role the server logs in as (DESIGN §4): its own, never one that can step around
row-level security.

Given only the owner's URL (a superuser here, as by default), ``dealos serve`` logs in as
a role of its own; from that very connection no ``RESET ROLE``, ``SET SESSION
AUTHORIZATION`` or ``SET ROLE`` shows another organization's ops. A server told to run as
a superuser, a BYPASSRLS role, the tables' owner or a member of the owner refuses to
start. The embedded PostgreSQL of ``dealos serve`` with no URL works the same way.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp.test_utils import TestClient
from pg_fixture import PgDatabase, with_database, with_user
from psycopg import sql
from scenario import Org, ServerWorld
from server_process import free_port, wait_ready
from sqlalchemy import Engine

from sync_server.app import create_app
from sync_server.app_context import DB
from sync_server.app_role import UnsafeAppRole, check_app_role, prepare_app_database
from sync_server.database import set_org
from sync_server.settings import Settings


def _drop_role(admin_url: str, database_url: str, role: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def own_role(pg_database: PgDatabase) -> Iterator[str]:
    """A name for the login role ``dealos serve`` is to create, dropped afterwards."""
    role = f"dealos_app_own_{secrets.token_hex(4)}"
    yield role
    _drop_role(pg_database.admin_url, pg_database.owner_url, role)


@pytest.fixture
def settings(base_settings: Settings, own_role: str, tmp_path: Path) -> Settings:
    """What ``dealos serve --database-url <superuser URL>`` serves with."""
    given = base_settings.with_(
        app_database_url=None, app_role=own_role, secret_file=tmp_path / "server.secret"
    )
    prepared = prepare_app_database(given)
    assert prepared.app_database_url is not None
    return prepared


async def _two_orgs(world: ServerWorld) -> tuple[Org, Org]:
    a = await world.new_org("Harbor Point Capital")
    b = await world.new_org("Northwind Partners")
    await b.submit_wire("deal.create", {"name": "Northwind Deal", "currency": "USD"})
    return a, b


def _visible_ops(cur: Any, org_id: str) -> int:
    cur.execute("SELECT count(*) FROM op_log WHERE org_id = %s", (org_id,))
    return int(cur.fetchone()[0])


async def test_the_servers_own_connection_cannot_leave_its_organization(
    world: ServerWorld, client: TestClient[Any, Any], own_role: str
) -> None:
    a, b = await _two_orgs(world)
    engine: Engine = client.app[DB].engine
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        cur = raw.cursor()
        cur.execute("SELECT current_user, session_user")
        assert cur.fetchone() == (own_role, own_role)
        cur.execute(
            "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s",
            (own_role,),
        )
        assert cur.fetchone() == (False, False, True)
        set_org(conn, a.org_id)
        assert _visible_ops(cur, a.org_id) > 0
        assert _visible_ops(cur, b.org_id) == 0
        cur.execute("RESET ROLE")
        assert _visible_ops(cur, b.org_id) == 0
        raw.commit()
        cur.execute("RESET ALL")
        assert _visible_ops(cur, b.org_id) == 0
        raw.commit()
        for escape in (
            "SET SESSION AUTHORIZATION postgres",
            "SET ROLE postgres",
            "SET SESSION AUTHORIZATION DEFAULT",  # the session user: the app role itself
            "SET row_security = off",
            "ALTER TABLE op_log DISABLE ROW LEVEL SECURITY",
            "ALTER TABLE op_log NO FORCE ROW LEVEL SECURITY",
        ):
            try:
                cur.execute(escape)
                set_org(conn, a.org_id)
                seen = _visible_ops(cur, b.org_id)
            except psycopg.Error:
                seen = 0
            finally:
                raw.rollback()
            assert seen == 0, escape
        cur.execute("SELECT count(*) FROM op_log")
        assert cur.fetchone() == (0,)  # no organization named: nothing at all
        raw.rollback()


def _serve(
    owner_url: str,
    tmp: Path,
    port: int,
    *,
    app_url: str | None = None,
    role: str | None = None,
    by_env: bool = False,
) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEALOS_DATABASE_URL", "DEALOS_APP_DATABASE_URL", "DEALOS_APP_ROLE")
    }
    env["DEALOS_SERVER_SECRET_FILE"] = str(tmp / "server.secret")
    if role is not None:
        env["DEALOS_APP_ROLE"] = role
    argv = [sys.executable, "-m", "sync_server", "--data-dir", str(tmp), "serve"]
    argv += ["--port", str(port)]
    if owner_url:
        argv += ["--database-url", owner_url]
    if app_url is not None and by_env:
        env["DEALOS_APP_DATABASE_URL"] = app_url
    elif app_url is not None:
        argv += ["--app-database-url", app_url]
    out = (tmp / "server.out").open("wb")
    err = (tmp / "server.err").open("wb")
    return subprocess.Popen(argv, env=env, stdout=out, stderr=err, start_new_session=True)


async def _ready(port: int, server: subprocess.Popen[bytes], tmp: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            await wait_ready(f"http://127.0.0.1:{port}")
            return
        except AssertionError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp / "server.err").read_text()[-2000:]) from None


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _logins(url: str, database: str) -> set[str]:
    """The roles of every other client connection to ``database``: not Postgres's own
    workers (an autovacuum worker on a freshly migrated database shows as its superuser)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT usename FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return {r[0] for r in rows}


def _powers(url: str, role: str) -> tuple[Any, ...] | None:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcanlogin, "
            "pg_has_role(%s, 'postgres', 'MEMBER'), "
            "(SELECT count(*) FROM pg_class WHERE relowner = r.oid) "
            "FROM pg_roles r WHERE rolname = %s",
            (role, role),
        ).fetchone()


async def test_serve_given_a_superuser_url_logs_in_as_a_role_of_its_own(
    pg_admin_url: str, tmp_path: Path
) -> None:
    # A database of its own, so that every connection to it is the server's.
    name, role = f"dealos_serve_{secrets.token_hex(4)}", f"dealos_app_serve_{secrets.token_hex(4)}"
    owner_url = with_database(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
            ).format(sql.Identifier(name))
        )
    port = free_port()
    server = _serve(owner_url, tmp_path, port, role=role)
    try:
        await _ready(port, server, tmp_path, timeout=60)
        assert _logins(owner_url, name) == {role}
        assert _powers(owner_url, role) == (False, False, False, True, False, 0)
    finally:
        _stop(server)
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.mark.parametrize("by_env", [False, True], ids=["flag", "environment"])
def test_serve_refuses_to_run_as_a_superuser(
    pg_database: PgDatabase, tmp_path: Path, by_env: bool
) -> None:
    owner = pg_database.owner_url
    server = _serve(owner, tmp_path, free_port(), app_url=owner, by_env=by_env)
    try:
        code = server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        _stop(server)
        raise AssertionError("the server started as a superuser") from None
    lines = (tmp_path / "server.err").read_text().strip().splitlines()
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith("dealos: the server's database role postgres is a superuser")


@pytest.fixture
def login_role(pg_database: PgDatabase) -> Iterator[Callable[..., str]]:
    """``make(*attributes)``: the URL of a new login role with those attributes."""
    made: list[str] = []

    def make(*attributes: str) -> str:
        role, password = f"dealos_probe_{secrets.token_hex(4)}", secrets.token_hex(12)
        made.append(role)
        with psycopg.connect(pg_database.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} " + " ".join(attributes)).format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )
        return with_user(pg_database.owner_url, role, password)

    yield make
    for role in made:
        with psycopg.connect(pg_database.owner_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(role)))
        _drop_role(pg_database.admin_url, pg_database.owner_url, role)


def _verdict(url: str) -> str:
    with psycopg.connect(url) as conn:
        try:
            check_app_role(conn)
        except UnsafeAppRole as exc:
            return str(exc)
    return "safe"


def test_every_way_around_row_level_security_is_refused(
    pg_database: PgDatabase, login_role: Callable[..., str]
) -> None:
    assert _verdict(pg_database.app_url) == "safe"
    assert "is a superuser" in _verdict(pg_database.owner_url)
    assert "bypasses row-level security" in _verdict(login_role("BYPASSRLS"))
    assert "may create roles" in _verdict(login_role("CREATEROLE"))
    assert "may replicate" in _verdict(login_role("REPLICATION"))
    # A member of the owner (here a superuser): RESET ROLE-free, SET ROLE away.
    member = login_role("IN ROLE postgres")
    assert "is a member of postgres, which is a superuser" in _verdict(member)
    reader = login_role("IN ROLE pg_read_server_files")
    assert "pg_read_server_files, which reaches the server's files" in _verdict(reader)
    # The owner of any table (it could switch that table's RLS off).
    owner = login_role()
    role = owner.split("//")[1].split(":")[0]
    with psycopg.connect(pg_database.owner_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {0} AUTHORIZATION {0}").format(sql.Identifier(role)))
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {}.mine (x int)").format(sql.Identifier(role)))
    assert "owns the tables" in _verdict(owner)
    # A member of a table's owner.
    follower = login_role(f'IN ROLE "{role}"')
    assert f"is a member of {role}, which owns the tables" in _verdict(follower)


async def test_the_app_refuses_to_start_as_the_owner(
    aiohttp_client: Callable[..., Any], base_settings: Settings
) -> None:
    owner = base_settings.with_(app_database_url=base_settings.database_url)
    with pytest.raises(UnsafeAppRole, match="is a superuser"):
        await aiohttp_client(create_app(owner))


async def test_serve_without_a_url_runs_embedded_postgres_as_a_role_of_its_own() -> None:
    # Outside pytest's temporary tree, as in pg_fixture (the cluster may run as another user).
    folder = Path(tempfile.mkdtemp(prefix="dealos-test-serve-"))
    port = free_port()
    server = _serve("", folder, port)
    try:
        await _ready(port, server, folder, timeout=120)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pgserver warns when XDG_RUNTIME_DIR is unset
            from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(folder / "server" / "postgres" / "pgdata")
        assert info is not None
        admin = info.get_uri(database="dealos")
        deadline = time.monotonic() + 10
        while _logins(admin, "dealos") != {"dealos_app"} and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _logins(admin, "dealos") == {"dealos_app"}
        assert _powers(admin, "dealos_app") == (False, False, False, True, False, 0)
    finally:
        _stop(server)
        shutil.rmtree(folder, ignore_errors=True)
