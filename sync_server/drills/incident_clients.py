"""The desktops of the incident drill: replicas of one organization, each a real core
``Workspace`` in its own folder with its own enrolled device key, doing what the desktop
does in two processes — here two threads, each with its own ``Workspace`` on the same
store:

- the *writer* commits a change every so often (a new deal, or a new name for one of its
  deals), as a person at the keyboard would; it never touches the network, so a local
  commit must succeed whatever the network does;
- the *syncer* runs a sync round (push, pull, rebase) every so often through the fault
  proxy, with a short timeout and a circuit breaker that opens after three failed rounds
  and tries again two seconds later.

Every op a writer made is remembered, so the drill can later account for each one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pybreaker

from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.ids import new_id
from core.keys import FileKeyring, KeyStore
from core.onboarding import enroll_device
from core.sync.breaker import server_breaker
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine, SyncReport
from core.sync.errors import ServerUnavailable, SyncError
from core.sync.status import pending_count, session_secret_name

__all__ = ["Replica", "enroll_replicas"]

SYNC_TIMEOUT = 2.0  # seconds a request may take before the round gives up on it
BREAKER_RESET = 2.0  # seconds an open breaker waits before one trial round


@dataclass
class BreakerLog(pybreaker.CircuitBreakerListener):
    """When the breaker of one replica opened and closed."""

    events: list[tuple[float, str]] = field(default_factory=list)

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        self.events.append((time.monotonic(), new_state.name))

    def count(self, state: str) -> int:
        return sum(name == state for _, name in self.events)


@dataclass
class Replica:
    """One desktop: its folder, its writer and syncer, and what each of them did."""

    name: str
    data_dir: Path
    keys: KeyStore
    server: str
    write_every: float
    sync_every: float
    created: list[str] = field(default_factory=list)  # op ids, in the order made
    commit_failures: list[str] = field(default_factory=list)
    state: str = "synced"  # synced | offline | server error
    message: str = ""
    offline_messages: list[str] = field(default_factory=list)
    rounds: int = 0
    synced_at: float = 0.0  # time.monotonic() of the last round that completed
    breaker_log: BreakerLog = field(default_factory=BreakerLog)
    _stop_writing: threading.Event = field(default_factory=threading.Event)
    _stop_syncing: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.observer = Workspace.open(self.data_dir, keys=self.keys)
        self.client = self.new_client()

    def new_client(self) -> SyncClient:
        token = self.keys.secret(session_secret_name(self.observer.device_id))
        breaker = server_breaker(reset_seconds=BREAKER_RESET, listeners=[self.breaker_log])
        return SyncClient(
            self.server, token=token, timeout=SYNC_TIMEOUT, attempts=2, breaker=breaker
        )

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        # Opened here, one after the other: opening a store runs its migrations, and
        # Alembic's set-up is not safe in two threads at once.
        for target in (self._write, self._sync):
            ws = Workspace.open(self.data_dir, keys=self.keys)
            thread = threading.Thread(
                target=target, args=(ws,), name=f"{self.name}-{target.__name__}"
            )
            thread.start()
            self._threads.append(thread)

    def stop_writing(self) -> None:
        self._stop_writing.set()
        self._threads[0].join(timeout=30)

    def stop_syncing(self) -> None:
        self._stop_syncing.set()
        self._threads[1].join(timeout=60)

    def _write(self, ws: Workspace) -> None:
        mine: list[tuple[str, int]] = []  # deals this replica made, with their version
        n = 0
        try:
            while not self._stop_writing.wait(self.write_every):
                n += 1
                try:
                    if mine and n % 3 == 0:
                        deal, version = mine[n % len(mine)]
                        done = ws.submit_wire(
                            "deal.update",
                            entity_id=deal,
                            payload={"name": f"{self.name} deal {n} (renamed)"},
                            base_version=version,
                        )
                        mine[n % len(mine)] = (deal, done.version)
                    else:
                        deal = new_id()
                        done = ws.submit_wire(
                            "deal.create",
                            entity_id=deal,
                            payload={"name": f"{self.name} deal {n}", "currency": "USD"},
                        )
                        mine.append((deal, done.version))
                except DealOSError as exc:
                    self.commit_failures.append(str(exc))
                    continue
                with self._lock:
                    self.created.append(done.op_id)
        finally:
            ws.close()

    def _sync(self, ws: Workspace) -> None:
        try:
            engine = SyncEngine(ws, self.client, snapshots=False)
            while not self._stop_syncing.wait(self.sync_every):
                self.round(engine)
        finally:
            ws.close()

    def round(self, engine: SyncEngine) -> SyncReport | None:
        self.rounds += 1
        try:
            report = engine.run_once()
        except ServerUnavailable as exc:
            self.state, self.message = "offline", str(exc)
            self.offline_messages.append(self.message)
            return None
        except SyncError as exc:  # 5xx after the retries: the server is up, its database not
            self.state, self.message = "server error", str(exc)
            return None
        self.state, self.message = "synced", report.summary()
        self.synced_at = time.monotonic()
        return report

    # -- reading -------------------------------------------------------------------------

    @property
    def breaker_state(self) -> str:
        return str(self.client.breaker.current_state)

    @property
    def retry_at(self) -> datetime | None:
        return self.client.retry_at

    def pending(self) -> int:
        return pending_count(self.observer)

    def made(self) -> int:
        with self._lock:
            return len(self.created)

    def close(self) -> None:
        self._stop_writing.set()
        self._stop_syncing.set()
        for thread in self._threads:
            thread.join(timeout=60)
        self.client.close()
        self.observer.close()


def enroll_replicas(
    root: Path,
    *,
    server: str,
    email: str,
    password: str,
    count: int,
    write_every: float,
    sync_every: float,
) -> list[Replica]:
    """``count`` desktops of the organization ``email`` founded, each enrolled as a device of
    its own through ``server`` (the proxy), its keys in a file keyring under ``root``."""
    keys = KeyStore(FileKeyring(root / "keyring.json"))
    replicas = []
    for index in range(1, count + 1):
        name = f"desktop {index}"
        data_dir = root / f"desktop-{index}"
        ws, _ = enroll_device(
            data_dir,
            server=server,
            email=email,
            password=password,
            device_name=f"drill {name}",
            keys=keys,
            snapshots=False,
        )
        ws.close()
        replicas.append(Replica(name, data_dir, keys, server, write_every, sync_every))
    return replicas
