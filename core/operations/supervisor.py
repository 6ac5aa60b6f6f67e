"""``dealos replicate run``: Litestream as a supervised child, and document files copied.

The supervisor holds an exclusive lock on ``replication/replicate.lock`` for as long as it
runs — a second one for the same store refuses to start, and a restore into that folder
refuses too — and writes what it does to ``replication/state.json`` for ``dealos replicate
status``. If Litestream exits, it is started again after 1 s, then 2, 4, … up to 60 s;
the wait starts over once it has run a minute. SIGTERM or SIGINT stops it cleanly:
Litestream is asked to stop (it ships what is left, for at most 5 s), then the supervisor
exits. On Linux Litestream is also told to stop if the supervisor dies without asking.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from core.operations.document_files import BLOBS_DIR
from core.operations.litestream import LitestreamError, ReplicaTarget, config_text, litestream_env
from core.operations.litestream import litestream_binary as _binary
from core.operations.replica_documents import upload_documents
from core.store.local import DB_FILENAME

__all__ = [
    "RUN_DIR",
    "SupervisorState",
    "holds_lock",
    "read_state",
    "supervise",
]

RUN_DIR = "replication"
LOCK_FILE = "replicate.lock"
STATE_FILE = "state.json"
CONFIG_FILE = "litestream.yml"
LITESTREAM_LOG = "litestream.log"
FIRST_WAIT = 1.0
LONGEST_WAIT = 60.0
HEALTHY_AFTER = 60.0
COPY_EVERY = 2.0  # seconds between two passes over the document files


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class SupervisorState:
    pid: int
    target: str
    started_at: str
    litestream_pid: int | None = None
    litestream_started_at: str | None = None
    restarts: int = 0
    last_exit: str | None = None
    next_start_at: str | None = None
    files_copied: int = 0
    files_copied_at: str | None = None
    files_error: str | None = None
    stopped_at: str | None = None
    notes: list[str] = field(default_factory=list)


def read_state(data_dir: Path) -> SupervisorState | None:
    path = data_dir / RUN_DIR / STATE_FILE
    try:
        raw: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return SupervisorState(**raw)


def _write_state(data_dir: Path, state: SupervisorState) -> None:
    path = data_dir / RUN_DIR / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=1), "utf-8")
    os.replace(tmp, path)


def holds_lock(data_dir: Path) -> int | None:
    """The pid of the supervisor replicating this store now, or None if none runs."""
    path = data_dir / RUN_DIR / LOCK_FILE
    if not path.exists():
        return None
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


@contextlib.contextmanager
def _exclusive(data_dir: Path) -> Iterator[None]:
    (data_dir / RUN_DIR).mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / RUN_DIR / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "another process"
            raise LitestreamError(
                f"the store in {data_dir} is already being replicated (process {other}); "
                "`dealos replicate stop` ends it"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


def _die_with_parent() -> None:
    # Linux: PR_SET_PDEATHSIG, so Litestream stops if the supervisor is killed outright.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _spawn(config: Path, log: IO[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own binary, arguments as a list)
        [str(_binary()), "replicate", "-config", str(config)],
        env=litestream_env(),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def _last_line(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 2000))
            lines = [ln for ln in handle.read().decode("utf-8", "replace").splitlines() if ln]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def supervise(data_dir: Path, target: ReplicaTarget, *, stop: threading.Event | None = None) -> int:
    """Replicate the store in ``data_dir`` to ``target`` until asked to stop; returns 0."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    run_dir = data_dir / RUN_DIR
    with _exclusive(data_dir):
        config = run_dir / CONFIG_FILE
        config.write_text(config_text(data_dir / DB_FILENAME, target), "utf-8")
        state = SupervisorState(pid=os.getpid(), target=target.raw, started_at=_now())
        _write_state(data_dir, state)
        with open(run_dir / LITESTREAM_LOG, "a", encoding="utf-8") as log:
            _loop(data_dir, target, config, log, state, stop)
        state.litestream_pid = None
        state.stopped_at = _now()
        _write_state(data_dir, state)
    return 0


def _loop(
    data_dir: Path,
    target: ReplicaTarget,
    config: Path,
    log: IO[str],
    state: SupervisorState,
    stop: threading.Event,
) -> None:
    wait = FIRST_WAIT
    child: subprocess.Popen[bytes] | None = None
    started = 0.0
    next_start = 0.0
    next_copy = 0.0
    try:
        while not stop.is_set():
            now = time.monotonic()
            if child is None and now >= next_start:
                child, started = _spawn(config, log), now
                state.litestream_pid, state.litestream_started_at = child.pid, _now()
                state.next_start_at = None
                _write_state(data_dir, state)
            if child is not None and child.poll() is not None:
                code = child.returncode
                reason = _last_line(data_dir / RUN_DIR / LITESTREAM_LOG)
                state.last_exit = f"{_now()}: litestream exited with code {code}: {reason}"
                state.restarts += 1
                wait = FIRST_WAIT if now - started >= HEALTHY_AFTER else wait
                next_start = now + wait
                state.litestream_pid = None
                state.next_start_at = datetime.fromtimestamp(time.time() + wait, UTC).isoformat(
                    timespec="milliseconds"
                )
                wait = min(wait * 2, LONGEST_WAIT)
                child = None
                _write_state(data_dir, state)
            if now >= next_copy:
                _copy_files(data_dir, target, state)
                next_copy = now + COPY_EVERY
            stop.wait(0.1)
    finally:
        if child is not None and child.poll() is None:
            child.terminate()  # Litestream ships what is left, then exits
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        _copy_files(data_dir, target, state)


def _copy_files(data_dir: Path, target: ReplicaTarget, state: SupervisorState) -> None:
    try:
        done = upload_documents(data_dir / BLOBS_DIR, target)
    except OSError as exc:
        state.files_error = f"{_now()}: {exc}"
        _write_state(data_dir, state)
        return
    if done is None:  # a replica no copy reaches: the status says so
        return
    if done.copied or state.files_copied_at is None or state.files_error:
        state.files_copied += done.copied
        state.files_copied_at = _now()
        state.files_error = None
        _write_state(data_dir, state)
