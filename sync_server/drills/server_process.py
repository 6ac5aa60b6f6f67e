"""``python -m sync_server serve`` in a process of its own, as an operator starts it: the
owner's URL, a secret file, a login role the server makes for itself; stopped with
SIGTERM (then SIGKILL) and never left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

from sync_server.drills.checklist import DrillError

__all__ = ["ServerProcess", "free_port"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A server on ``127.0.0.1:port`` over ``owner_url``; its output goes to
    ``<data_dir>/server-<port>.out`` and its JSON log lines to ``log_file`` when given."""

    def __init__(
        self,
        owner_url: str,
        data_dir: Path,
        *,
        secret_file: Path,
        app_role: str,
        log_file: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.owner_url = owner_url
        self.data_dir = data_dir
        self.secret_file = secret_file
        self.app_role = app_role
        self.log_file = log_file
        self.extra_env = dict(env or {})
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def output(self) -> Path:
        return self.data_dir / f"server-{self.port}.out"

    def environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("DEALOS_") or k == "DEALOS_KEYRING_FILE"
        }
        env.update(
            DEALOS_SERVER_SECRET_FILE=str(self.secret_file),
            DEALOS_APP_ROLE=self.app_role,
            DEALOS_NOTICE_POLL_SECONDS="0",
            DEALOS_MAIL_DROP_DIR=str(self.data_dir / "mail"),
            DEALOS_RATE_LOGIN_PER_IP="100000",
            DEALOS_RATE_LOGIN_PER_ACCOUNT_IP="100000",
        )
        if self.log_file is not None:
            env["DEALOS_LOG_FILE"] = str(self.log_file)
        env.update(self.extra_env)
        return env

    def start(self, *, timeout: float = 60.0) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "sync_server",
            "--data-dir",
            str(self.data_dir),
            "serve",
            "--database-url",
            self.owner_url,
            "--port",
            str(self.port),
        ]
        with self.output.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command, env=self.environment(), stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.output.read_text(errors="replace")[-2000:]
                raise DrillError(f"the server stopped as it started: {tail.strip()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise DrillError(f"the server did not become ready within {timeout:.0f} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()
