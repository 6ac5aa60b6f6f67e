"""Where the seeds of one test process run: the world built once, each seed on a copy.

Setting up two organizations with nine devices through the server takes seconds, more
than the fifty steps of a seed. So the world is built once per process, on a database of
its own, and every seed starts from an untouched copy of it: the database cloned from it
(``CREATE DATABASE … TEMPLATE``), the device folders and keyring copied, and the real
server started over the clone on the same port. Each seed thus has its own two
organizations, in the state right after their set-up, whatever other seeds did.
"""

from __future__ import annotations

import secrets
import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from live_server import LiveServer, free_port, settings_for
from pg_fixture import PgDatabase, with_database
from psycopg import sql
from sim_world import Org, build_world, copy_world

from sync_server.database import migrate

__all__ = ["SeedWorld", "Stage"]


@dataclass
class SeedWorld:
    """One seed's server, its database and its organizations."""

    server: LiveServer
    database: PgDatabase
    orgs: list[Org]
    root: Path


class Stage:
    """The world of one test process and the copies its seeds run on."""

    def __init__(self, base: PgDatabase, root: Path) -> None:
        self.base = base
        self.root = root
        self.name = f"dealos_sim_{secrets.token_hex(4)}"
        self.port = free_port()
        self.world = self._database(self.name)
        self._create(sql.SQL("TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"))
        migrate(self.world.owner_url, app_role=base.app_role)
        self.server = LiveServer(self._settings(self.world, root / "world-mail"), self.port)
        self.server.start()
        try:
            self.orgs = build_world(self.server, root / "world")
        finally:
            self.server.stop()
        # What every seed's log holds before its first step (org.create, device.enroll …).
        with psycopg.connect(self.world.owner_url) as conn:
            counted = conn.execute("SELECT kind, count(*) FROM op_log GROUP BY kind").fetchall()
        self.set_up_kinds = Counter({str(kind): int(n) for kind, n in counted})
        self.seeds = 0
        # Cloning a database and dropping one take a few tenths of a second each: one
        # thread of their own does both while the seeds run, one statement at a time.
        self._jobs = ThreadPoolExecutor(max_workers=1)
        self._next: Future[str] | None = None

    def _database(self, name: str) -> PgDatabase:
        return PgDatabase(
            name=name,
            owner_url=with_database(self.base.admin_url, name),
            app_role=self.base.app_role,
            app_url=with_database(self.base.app_url, name),
            admin_url=self.base.admin_url,
        )

    def _settings(self, db: PgDatabase, mail: Path) -> object:
        return settings_for(db, self.root / "server", self.port).with_(mail_drop_dir=mail)

    def _create(self, how: sql.Composable, name: str | None = None) -> None:
        with psycopg.connect(self.base.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} ").format(sql.Identifier(name or self.name)) + how
            )

    def _drop(self, name: str) -> None:
        with psycopg.connect(self.base.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def _clone(self, n: int) -> str:
        name = f"{self.name}_{n}"
        how = sql.SQL("TEMPLATE {} STRATEGY WAL_LOG").format(sql.Identifier(self.name))
        self._create(how, name)
        return name

    @contextmanager
    def seed(self, seed: int) -> Iterator[SeedWorld]:
        """A copy of the world for ``seed``, its server running; all of it gone afterwards.
        The next seed's database is cloned meanwhile, and this one dropped after."""
        self.seeds += 1
        name = (self._next or self._jobs.submit(self._clone, self.seeds)).result()
        self._next = self._jobs.submit(self._clone, self.seeds + 1)
        root = self.root / f"seed-{seed}-{self.seeds}"
        db = self._database(name)
        orgs: list[Org] = []
        server = LiveServer(self._settings(db, root / "mail"), self.port)
        try:
            orgs = copy_world(self.orgs, self.root / "world", root / "devices")
            server.start()
            yield SeedWorld(server, db, orgs, root)
        finally:
            server.close()
            for org in orgs:
                for device in org.devices:
                    device.close()
            self._jobs.submit(self._drop, name)
            shutil.rmtree(root, ignore_errors=True)

    def close(self) -> None:
        self.server.close()
        if self._next is not None:
            self._jobs.submit(self._drop, self._next.result())
        self._jobs.shutdown(wait=True)
        self._drop(self.name)
