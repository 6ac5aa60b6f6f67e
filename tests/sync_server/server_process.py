"""The sync server as an operator runs it: ``python -m sync_server serve`` in a process of
its own, on the session's Postgres, on a free port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
from pg_fixture import PgDatabase

from sync_server.settings import Settings

__all__ = ["free_port", "start_server", "wait_ready"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    pg: PgDatabase, settings: Settings, port: int, tmp: Path, *, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DEALOS_APP_DATABASE_URL": pg.app_url,
        "DEALOS_SERVER_SECRET_FILE": str(settings.secret_file),
        # Every test of the session signs in from 127.0.0.1 against the same database.
        "DEALOS_RATE_LOGIN_PER_IP": "1000000",
    }
    log = (tmp / f"server-{port}.log").open("ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync_server",
            "--data-dir",
            str(tmp),
            "serve",
            "--database-url",
            pg.owner_url,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=log,
    )


async def wait_ready(base: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(400):
            try:
                async with http.get(f"{base}/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("the server did not become ready")
