"""The real sync server on a real socket, in a thread of the test process, so the desktop
talks to it over HTTP exactly as it would to a remote one — and the test can take it down
and bring it back on the same port."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

__all__ = ["LiveServer", "create_org", "free_port", "live_server", "settings_for"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, settings: Any, port: int) -> None:
        self.settings = settings
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=60)

    def start(self) -> None:
        from aiohttp import web

        from sync_server.app import create_app

        async def up() -> Any:
            runner = web.AppRunner(create_app(self.settings))
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            return runner

        self.runner = self._run(up())

    def stop(self) -> None:
        if self.runner is not None:
            self._run(self.runner.cleanup())
            self.runner = None

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def settings_for(pg_database: Any, root: Path, port: int) -> Any:
    """Server settings over the session's Postgres, with argon2id at its cheapest and rate
    limits out of the way (every test signs in from 127.0.0.1; their own suite tests them)."""
    from sync_server.settings import PasswordCost, RateLimits, Settings

    return Settings(
        database_url=pg_database.owner_url,
        app_database_url=pg_database.app_url,
        app_role=pg_database.app_role,
        secret_file=root / "server.secret",
        mail_drop_dir=root / "mail",
        password_cost=PasswordCost(time_cost=1, memory_kib=1024, parallelism=1),
        rate_limits=RateLimits(
            login_per_ip=10_000,
            login_per_account_ip=10_000,
            password_change_per_ip=10_000,
            password_change_per_account_ip=10_000,
            magic_link_per_ip=10_000,
            magic_link_per_address_ip=10_000,
            magic_link_consume_per_ip=10_000,
            attach_per_ip=10_000,
            attach_per_code_ip=10_000,
        ),
        port=port,
        public_url=f"http://127.0.0.1:{port}",
    )


def create_org(settings: Any, *, name: str, email: str, password: str) -> str:
    """An organization on the server with its first admin and GP; returns its id."""
    from sync_server.bootstrap import create_org as bootstrap
    from sync_server.credentials import Passwords
    from sync_server.database import owner_engine
    from sync_server.server_keys import ServerKeys

    engine = owner_engine(settings.database_url)
    try:
        created = bootstrap(
            engine,
            ServerKeys.from_file(settings.secret_file),
            name=name,
            admin_email=email,
            admin_name="Maria Founder",
            password_hash=Passwords(settings.password_cost).hash(password),
        )
    finally:
        engine.dispose()
    return str(getattr(created, "org_id", created))


@pytest.fixture
def live_server(pg_database: Any, tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on a free port over the session's Postgres, stopped afterwards."""
    port = free_port()
    live = LiveServer(settings_for(pg_database, tmp_path / "server", port), port)
    live.start()
    yield live
    live.close()
