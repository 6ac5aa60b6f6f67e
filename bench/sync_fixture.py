"""What the sync benchmarks share: a fresh migrated database, the server in a subprocess
on a real socket, an organization with a signed-in device, and signed ops to push.

The database is ``DEALOS_BENCH_DATABASE_URL`` (a superuser URL; a database and a login
role are created for the run and dropped after), else an embedded PostgreSQL in a temp
folder, as the test suite does.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from op_mix import signed_mix
from psycopg import sql

from core.ids import new_id
from core.ops.envelope import Envelope
from core.ops.signing import DeviceKey
from sync_server.bootstrap import create_org
from sync_server.credentials import Passwords
from sync_server.database import migrate, owner_engine
from sync_server.embedded_postgres import EmbeddedPostgres
from sync_server.server_keys import ServerKeys
from sync_server.settings import PasswordCost

__all__ = ["BenchDb", "BenchOrg", "bench_database", "bench_org", "running_server", "signed_ops"]

PASSWORD = "benchmark passphrase"


@dataclass(frozen=True)
class BenchDb:
    owner_url: str
    app_url: str
    app_role: str
    root: Path


@contextmanager
def bench_database(root: Path) -> Iterator[BenchDb]:
    admin = os.environ.get("DEALOS_BENCH_DATABASE_URL")
    embedded = None
    if not admin:
        embedded = EmbeddedPostgres(root / "pg", database="postgres", delete_on_stop=True)
        admin = embedded.start()
    tag = secrets.token_hex(4)
    name, role, password = f"dealos_bench_{tag}", f"dealos_bench_app_{tag}", secrets.token_hex(8)
    with psycopg.connect(admin, autocommit=True) as conn:
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
    parts = urlsplit(admin)
    owner = parts._replace(path=f"/{name}").geturl()
    host = parts._replace(path=f"/{name}").netloc.rpartition("@")[2]
    app = parts._replace(path=f"/{name}", netloc=f"{role}:{password}@{host}").geturl()
    try:
        migrate(owner, app_role=role)
        yield BenchDb(owner, app, role, root)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        if embedded is not None:
            embedded.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(db: BenchDb) -> Iterator[str]:
    """``python -m sync_server serve`` on a free port; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DEALOS_APP_DATABASE_URL": db.app_url,
        "DEALOS_APP_ROLE": db.app_role,
        "DEALOS_SERVER_SECRET_FILE": str(db.root / "server.secret"),
    }
    log = (db.root / "server.log").open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync_server",
            "--data-dir",
            str(db.root),
            "serve",
            "--database-url",
            db.owner_url,
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


@dataclass
class BenchOrg:
    org_id: str
    email: str
    user_id: str = ""
    device_id: str = ""
    key: DeviceKey | None = None


def bench_org(db: BenchDb) -> BenchOrg:
    engine = owner_engine(db.owner_url)
    keys = ServerKeys.from_file(db.root / "server.secret")
    email = f"gp+{new_id()[-8:]}@bench.example"
    created = create_org(
        engine,
        keys,
        name="Bench Capital",
        admin_email=email,
        admin_name="Bench GP",
        password_hash=Passwords(PasswordCost()).hash(PASSWORD),
    )
    engine.dispose()
    return BenchOrg(created.org_id, email, created.admin_user_id)


def signed_ops(org: BenchOrg, n: int, *, start_seq: int = 1) -> list[Envelope]:
    """The op mix of bench/op_mix.py: deals with fields, documents, LPs, updates."""
    assert org.key is not None
    return signed_mix(
        n,
        org_id=org.org_id,
        device_id=org.device_id,
        actor_id=org.user_id,
        key=org.key,
        start_seq=start_seq,
    )
