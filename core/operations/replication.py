"""The replication setting of a store, and ``dealos replicate start | stop | status``.

The setting lives in the store's meta: ``replication.to`` (the folder or URL) and
``replication.on``. While it is on, the store leaves checkpoints to Litestream
(:data:`core.store.local.REPLICATION_ON`). ``start`` records it and launches ``dealos
replicate run`` as a detached process (its output in ``replication/replicate.log``);
``stop`` ends that process and turns the setting off; ``status`` says how far the replica
is behind the store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.operations.document_files import BLOBS_DIR, count_files
from core.operations.litestream import (
    LitestreamError,
    ReplicaFile,
    ReplicaTarget,
    local_txid,
    replica_files,
)
from core.operations.replica_documents import documents_there
from core.operations.supervisor import (
    CONFIG_FILE,
    RUN_DIR,
    SupervisorState,
    holds_lock,
    read_state,
)
from core.operations.wal_position import unread_commit
from core.store.local import DB_FILENAME, REPLICATION_ON, LocalStore

__all__ = [
    "REPLICATION_TO",
    "ReplicationStatus",
    "replication_setting",
    "replication_status",
    "set_replication",
    "start_replication",
    "stop_replication",
]

REPLICATION_TO = "replication.to"
START_LOG = "replicate.log"


def set_replication(data_dir: Path, target: ReplicaTarget | None) -> None:
    """Turn replication on (to ``target``) or off, in the store's meta."""
    store = LocalStore.open(data_dir)
    try:
        with store.transaction() as conn:
            if target is not None:
                store.set_meta(conn, REPLICATION_TO, target.raw)
            store.set_meta(conn, REPLICATION_ON, "1" if target is not None else "0")
    finally:
        store.close()


def replication_setting(data_dir: Path) -> tuple[bool, ReplicaTarget | None]:
    """(on?, the last target recorded) for the store in ``data_dir``."""
    store = LocalStore.open(data_dir)
    try:
        with store.engine.connect() as conn:
            on = store.meta(conn, REPLICATION_ON) == "1"
            raw = store.meta(conn, REPLICATION_TO)
    finally:
        store.close()
    return on, ReplicaTarget(raw) if raw else None


def start_replication(data_dir: Path, target: ReplicaTarget, *, wait: float = 10.0) -> int:
    """Record the setting and launch the supervisor detached; returns its pid once
    Litestream runs, or raises with what went wrong."""
    running = holds_lock(data_dir)
    if running is not None:
        raise LitestreamError(
            f"the store in {data_dir} is already being replicated (process {running}); "
            "`dealos replicate stop` ends it first"
        )
    if target.folder is not None:
        target.folder.mkdir(parents=True, exist_ok=True)
        if (target.folder / DB_FILENAME).exists():
            raise LitestreamError(
                f"{target.folder} holds a Deal OS store: a replica goes to a folder of its own"
            )
    set_replication(data_dir, target)
    run_dir = data_dir / RUN_DIR
    run_dir.mkdir(parents=True, exist_ok=True)
    before = read_state(data_dir)
    command = [sys.executable, "-m", "core.cli.main", "--data-dir", str(data_dir)]
    with open(run_dir / START_LOG, "a", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603 (this Python, our own module)
            [*command, "replicate", "run"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives the shell that started it
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        state = read_state(data_dir)
        fresh = state is not None and state != before and state.pid == process.pid
        if fresh and state is not None and state.litestream_pid is not None:
            return process.pid
        if process.poll() is not None:
            raise LitestreamError(f"replication stopped at once: {_tail(run_dir / START_LOG)}")
        time.sleep(0.05)
    raise LitestreamError(
        f"replication did not start within {wait:.0f} s; see {run_dir / START_LOG}"
    )


def _tail(path: Path) -> str:
    lines = [ln for ln in path.read_text("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1].removeprefix("dealos: ") if lines else "no reason given"


def stop_replication(data_dir: Path, *, wait: float = 30.0) -> int | None:
    """Turn the setting off and end the supervisor; returns its pid, None if none ran."""
    set_replication(data_dir, None)
    pid = holds_lock(data_dir)
    if pid is None or pid < 0:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if holds_lock(data_dir) is None:
            return pid
        time.sleep(0.05)
    raise LitestreamError(f"replication (process {pid}) did not stop within {wait:.0f} s")


@dataclass(frozen=True, slots=True)
class ReplicationStatus:
    on: bool
    target: ReplicaTarget | None
    supervisor_pid: int | None
    state: SupervisorState | None
    local_txid: int | None
    replica_txid: int | None
    replicated_at: datetime | None
    wal_bytes: int
    files_here: int
    files_there: int | None
    unread: bool | None = None  # the WAL holds a commit Litestream has not read yet
    files_unreadable: str | None = None  # why the replica's files could not be counted
    replica_unreadable: str | None = None  # why the replica's database could not be listed

    @property
    def behind(self) -> int | None:
        """Transactions the replica lacks, a commit Litestream has not read yet counting as
        one more; None when either position is unknown. Zero only when the replica holds
        every commit on this disk."""
        if self.local_txid is None or self.replica_txid is None:
            return None
        return max(0, self.local_txid - self.replica_txid) + (1 if self.unread else 0)

    def lines(self) -> list[str]:
        """What ``dealos replicate status`` prints, one fact a line."""
        target = self.target.raw if self.target else "none chosen"
        out = [f"setting:     {'on' if self.on else 'off'} (replica: {target})"]
        if self.supervisor_pid is None:
            out.append("replication: not running")
        else:
            state = self.state
            child = (
                f"litestream process {state.litestream_pid}"
                if state and state.litestream_pid
                else f"litestream waiting to restart at {state.next_start_at}"
                if state
                else "starting"
            )
            out.append(f"replication: running (process {self.supervisor_pid}, {child})")
            if state and state.restarts:
                out.append(f"restarts:    {state.restarts}; last: {state.last_exit}")
        if self.replicated_at is not None:
            age = (datetime.now(UTC) - self.replicated_at).total_seconds()
            out.append(
                f"last copy:   {self.replicated_at.isoformat(timespec='milliseconds')} "
                f"({age:.1f} s ago)"
            )
        if self.behind is not None:
            copied = max(0, self.behind - (1 if self.unread else 0))
            words = (
                "up to date"
                if self.behind == 0
                else "the newest changes are not yet read by Litestream"
                if copied == 0
                else f"{copied} transaction{'s' if copied != 1 else ''} behind"
                + (", and newer changes not yet read" if self.unread else "")
            )
            out.append(
                f"position:    store at Litestream transaction {self.local_txid}, replica at "
                f"{self.replica_txid}: {words}"
            )
        if self.replica_unreadable is not None:
            out.append(f"warning:     {self.replica_unreadable}")
        out.append(f"write-ahead log: {self.wal_bytes:,} bytes not yet checkpointed")
        if self.on and self.supervisor_pid is None:
            out.append(
                "warning:     the setting is on but nothing replicates: changes are not "
                "copied and the write-ahead log grows; run `dealos replicate start`"
            )
        if self.files_there is None:
            if self.target is not None and self.files_here and self.files_unreadable is None:
                out.append(
                    f"documents:   {self.files_here} files here; this kind of replica URL "
                    "holds the database only: copy the blobs folder there separately"
                )
        else:
            out.append(f"documents:   {self.files_here} files here, {self.files_there} copied")
        if self.files_unreadable is not None:
            out.append(f"documents:   {self.files_here} files here; {self.files_unreadable}")
        if self.state is not None and self.state.files_error:
            out.append(f"warning:     copying document files failed at {self.state.files_error}")
        return out


def replication_status(data_dir: Path) -> ReplicationStatus:
    on, target = replication_setting(data_dir)
    pid = holds_lock(data_dir)
    state = read_state(data_dir) if pid is not None else None
    config = data_dir / RUN_DIR / CONFIG_FILE
    # Read in this order, each position no newer than the next: what is unread on disk,
    # then how far Litestream read, then what the replica holds.
    unread = unread_commit(data_dir / DB_FILENAME)
    local = local_txid(config, data_dir / DB_FILENAME) if config.exists() else None
    files: list[ReplicaFile] = []
    unreachable: str | None = None
    if target is not None:
        try:
            files = replica_files(target)
        except LitestreamError as exc:
            unreachable = str(exc)
    wal = data_dir / f"{DB_FILENAME}-wal"
    there: int | None = None
    unreadable: str | None = None
    if target is not None:
        try:
            there = documents_there(target)
        except OSError as exc:
            unreadable = f"the replica's files cannot be counted: {exc}"
    return ReplicationStatus(
        on=on,
        target=target,
        supervisor_pid=pid,
        state=state,
        local_txid=local,
        replica_txid=max((f.max_txid for f in files), default=None),
        replicated_at=max((f.at for f in files), default=None),
        wal_bytes=wal.stat().st_size if wal.exists() else 0,
        unread=unread,
        files_here=count_files(data_dir / BLOBS_DIR),
        files_there=there,
        files_unreadable=unreadable,
        replica_unreadable=unreachable,
    )
