"""A real PostgreSQL server under a data folder, for `dealos serve` on a laptop and for
tests where no ``DEALOS_TEST_DATABASE_URL`` is given.

The server binaries come from the ``pgserver`` wheel on PyPI (PostgreSQL 16), so nothing
but pip is needed. It listens on a Unix socket in its data folder only, never on TCP.
When run as root, pgserver starts the cluster as an unprivileged ``pgserver`` system user
(PostgreSQL refuses to run as root) and widens the folder's parents to be traversable.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
from psycopg import sql

__all__ = ["EmbeddedPostgres"]


class EmbeddedPostgres:
    """One cluster in ``root``; :meth:`start` returns the owner's URL of ``database``."""

    def __init__(self, root: Path, *, database: str = "dealos", delete_on_stop: bool = False):
        self.root = root
        self.database = database
        self._delete = delete_on_stop
        self._server: object | None = None
        self.admin_url: str | None = None

    def start(self) -> str:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pgserver warns when XDG_RUNTIME_DIR is unset
            from pgserver.postgres_server import get_server

            self.root.mkdir(parents=True, exist_ok=True)
            server = get_server(
                self.root / "pgdata", cleanup_mode="delete" if self._delete else "stop"
            )
        self._server = server
        self.admin_url = _libpq_url(server.get_uri())
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if found is None:
                # Byte-order collation, as in SQLite: the same row order on both sides.
                conn.execute(
                    sql.SQL(
                        "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' "
                        "LC_COLLATE 'C' LC_CTYPE 'C'"
                    ).format(sql.Identifier(self.database))
                )
        return self.url(self.database)

    def url(self, database: str) -> str:
        assert self.admin_url is not None, "start() first"
        parts = urlsplit(self.admin_url)
        return parts._replace(path=f"/{database}").geturl()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()  # type: ignore[attr-defined]


def _libpq_url(uri: str) -> str:
    """pgserver's ``postgresql://postgres:@/postgres?host=/sock`` without the empty password."""
    parts = urlsplit(uri)
    host = parse_qs(parts.query).get("host", [""])[0]
    return f"postgresql://postgres@/{parts.path.lstrip('/')}?host={host}"
