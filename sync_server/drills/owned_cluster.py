"""A Postgres cluster the incident drill owns and may restart under load: an embedded
cluster (the ``pgserver`` wheel) in a temporary folder, never the machine's shared server
— even when ``DEALOS_TEST_DATABASE_URL`` names one, since nobody may restart that.

A restart is ``pg_ctl restart -m immediate``: every backend is killed as in a crash, and
the cluster comes back through crash recovery with the options it was started with (its
Unix socket only, no TCP).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from sync_server.drills.checklist import DrillError
from sync_server.embedded_postgres import EmbeddedPostgres

__all__ = ["OwnedCluster"]

_SYSTEM_USER = "pgserver"  # whom pgserver runs the cluster as when we are root


class OwnedCluster:
    def __init__(self, database: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dealos-incident-pg-"))
        self._embedded: EmbeddedPostgres | None = EmbeddedPostgres(
            self.folder, database=database, delete_on_stop=True
        )
        self.url = self._embedded.start()

    @property
    def pgdata(self) -> Path:
        return self.folder / "pgdata"

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        user = _SYSTEM_USER if os.geteuid() == 0 else None
        done = subprocess.run(  # noqa: S603 - the wheel's own pg_ctl
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *args],
            user=user,
            stdin=subprocess.DEVNULL,
            # The postmaster inherits these: a pipe would keep pg_ctl's reader waiting.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=60,
        )
        if done.returncode != 0:
            raise DrillError(f"pg_ctl {' '.join(args)} exited {done.returncode}")

    def restart(self) -> float:
        """Kill every backend and start again; the seconds until it accepts connections."""
        started = time.monotonic()
        self._pg_ctl("-w", "-m", "immediate", "restart")
        deadline = started + 60
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.url, connect_timeout=2):
                    return time.monotonic() - started
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise DrillError("Postgres did not accept connections within 60 s of its restart")

    def close(self) -> None:
        try:
            if (self.pgdata / "postmaster.pid").exists():
                # pgserver remembers the first postmaster only; after a restart it would
                # not stop this one, so stop it here first.
                self._pg_ctl("-w", "-m", "fast", "stop")
        finally:
            embedded, self._embedded = self._embedded, None
            if embedded is not None:
                quiet = logging.getLogger("pgserver")
                level = quiet.level
                quiet.setLevel(logging.CRITICAL)  # it reports the postmaster stopped above
                try:
                    embedded.stop()
                finally:
                    quiet.setLevel(level)
            shutil.rmtree(self.folder, ignore_errors=True)
