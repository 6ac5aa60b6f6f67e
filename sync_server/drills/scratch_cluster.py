"""The Postgres a drill works in: databases and roles it makes and always removes.

Given a superuser URL (``DEALOS_TEST_DATABASE_URL``), the drill makes uniquely named
databases on that server and touches nothing else of it. Given none, it starts embedded
clusters of its own (the ``pgserver`` wheel's PostgreSQL 16) in temporary folders, and
deletes them at the end — never the machine's shared cluster.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from sync_server.drills.checklist import DrillError
from sync_server.embedded_postgres import EmbeddedPostgres

__all__ = ["ScratchCluster", "pg_tool", "with_database"]


def with_database(url: str, database: str) -> str:
    return urlsplit(url)._replace(path=f"/{database}").geturl()


class ScratchCluster:
    """One Postgres server the drill may create databases on: the one given, or an
    embedded cluster it starts (and deletes on :meth:`close`)."""

    def __init__(self, admin_url: str | None, *, label: str) -> None:
        self.label = label
        self._folder: Path | None = None
        self._embedded: EmbeddedPostgres | None = None
        if admin_url is None:
            self._folder = Path(tempfile.mkdtemp(prefix=f"dealos-{label}-"))
            self._embedded = EmbeddedPostgres(
                self._folder, database="postgres", delete_on_stop=True
            )
            admin_url = self._embedded.start()
        self.admin_url = admin_url
        self.embedded = self._embedded is not None
        self._databases: list[str] = []

    def create_database(self, name: str) -> str:
        """A new, empty database with byte-order text (as the server's own); its URL."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_COLLATE 'C' LC_CTYPE 'C'"
                ).format(sql.Identifier(name))
            )
        self._databases.append(name)
        return with_database(self.admin_url, name)

    def drop_role(self, role: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    def major_version(self) -> int:
        with psycopg.connect(self.admin_url) as conn:
            row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
        assert row is not None
        return int(row[0]) // 10000

    def close(self) -> None:
        try:
            if self._databases:
                with psycopg.connect(self.admin_url, autocommit=True) as conn:
                    for name in reversed(self._databases):
                        conn.execute(
                            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                                sql.Identifier(name)
                            )
                        )
                self._databases.clear()
        finally:
            if self._embedded is not None:
                self._embedded.stop()
                self._embedded = None
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None


def _candidates(name: str) -> list[Path]:
    found: list[Path] = []
    try:
        import pgserver

        found.append(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:
        pass
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    return [p for p in found if p.exists()]


def _major(tool: Path) -> int:
    out = subprocess.run(  # noqa: S603 - a PostgreSQL client binary found above
        [str(tool), "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else 0


def pg_tool(name: str, server_major: int) -> Path:
    """``pg_dump``, ``pg_restore`` or ``psql`` of the server's major version, else the
    oldest newer one (pg_dump refuses a server newer than itself)."""
    tools = sorted(((_major(p), p) for p in _candidates(name)), key=lambda t: t[0])
    exact = [p for major, p in tools if major == server_major]
    newer = [p for major, p in tools if major > server_major]
    if exact or newer:
        return (exact or newer)[0]
    seen = ", ".join(f"{p} ({major})" for major, p in tools) or "none"
    raise DrillError(
        f"no {name} for PostgreSQL {server_major} or newer (found: {seen}); install the "
        f"postgresql-client package of version {server_major}"
    )
