"""Ed25519 checks of a batch of ops in a helper process, while the ops are applied.

Signature checks are a third of the CPU of applying an op (a push on the server, a pull
or a replay on the desktop). A thread cannot take them off the applying loop: PyNaCl lets
go of the GIL only inside each libsodium call, and the thread then waits for the
interpreter's switch interval to get it back, op after op (measured: no gain,
docs/PERFORMANCE.md). A process has an interpreter of its own.

Each :class:`Verifiers` owns a few helper processes (``python -m
core.ops.verify_process``), each talking over its stdin and stdout. A request is a
length-prefixed pickle of ``[(public_key, message, signature), …]``; the helper runs
:func:`core.ops.signing.verify_signature` on each — the very check an op gets in line —
and writes back one byte per op as it goes (1: verified with that key), so the loop can
use the first answers while later ones are computed.

Nothing depends on a helper: when every helper is busy, has died or stalls past
:data:`STALL_SECONDS`, the ops are checked in this process instead (a stalled helper is
killed); on a system without ``poll`` (Windows) no helper is started at all; after
:data:`MAX_FAILED_STARTS` helpers died before they were ready (the module cannot be
imported there, say), none is started again. A 0 is never a refusal by itself; the op
is then checked in line, which gives the usual ``invalid_signature``. The helpers read
from their parent's pipe, so they end with the parent, even one killed with SIGKILL.
"""

from __future__ import annotations

import os
import pickle
import queue
import select
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Final

__all__ = ["Checks", "Verifiers"]

STALL_SECONDS: Final = 10.0
MIN_OPS: Final = 32  # fewer than this: handing them over costs more than it saves
_FLUSH_EVERY: Final = 16
_LENGTH = struct.Struct(">I")
_READY = b"R"
_PIPES_SELECTABLE = hasattr(select, "poll")  # not on Windows


HELPER_COMMAND: Final = (sys.executable, "-m", "core.ops.verify_process")
MAX_FAILED_STARTS: Final = 3


def _send(fd: int, data: bytes, seconds: float) -> bool:
    """Write all of ``data`` to a non-blocking pipe, giving up when the reader has taken
    nothing for ``seconds`` or is gone."""
    view = memoryview(data)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while view:
        if not poller.poll(seconds * 1000):
            return False
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            continue
        except OSError:  # the helper is gone
            return False
    return True


def _readable(fd: int, seconds: float) -> bool:
    """Whether ``fd`` has bytes or its end of file within ``seconds`` (``poll``, unlike
    ``select``, takes descriptors above 1,023, which a busy server reaches)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


class _Helper:
    def __init__(self, command: Sequence[str]) -> None:
        self.proc = subprocess.Popen(  # noqa: S603  (our interpreter, or a test's command)
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.stdin = self.proc.stdin.fileno()
        self.stdout = self.proc.stdout.fileno()
        os.set_blocking(self.stdin, False)  # a helper that stops reading must not hang us
        self.ready = False

    def poll_ready(self) -> bool | None:
        """True once the helper has said it is ready, None if it died before that."""
        if not self.ready and _readable(self.stdout, 0):
            said = os.read(self.stdout, 1)
            if said != _READY:
                return None
            self.ready = True
        return self.ready

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        # A helper holds no state worth a goodbye: it is only ever closed between batches
        # or after it stalled.
        self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


class Checks:
    """The answers for one batch: :meth:`verified` says whether item ``i`` verified. Use it
    as a context manager: leaving it hands the helper back for the next batch."""

    def __init__(self, owner: Verifiers | None, helper: _Helper | None, count: int) -> None:
        self._owner = owner
        self._helper = helper
        self._count = count
        self._answers = bytearray()

    def verified(self, index: int) -> bool:
        """True only if the helper verified item ``index``; False means: check in line."""
        while self._helper is not None and len(self._answers) <= index:
            self._read()
        return index < len(self._answers) and self._answers[index] == 1

    def _read(self) -> None:
        helper = self._helper
        assert helper is not None
        wait = self._owner.stall_seconds if self._owner is not None else STALL_SECONDS
        ready = _readable(helper.stdout, wait)
        chunk = os.read(helper.stdout, self._count - len(self._answers)) if ready else b""
        if not chunk:  # stalled or died: everything not yet answered is checked in line
            self._discard()
            return
        self._answers += chunk

    def _discard(self) -> None:
        helper, self._helper = self._helper, None
        if helper is not None and self._owner is not None:
            self._owner._retire(helper)

    def __enter__(self) -> Checks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Read whatever the helper still owes so its next batch starts clean.
        while self._helper is not None and len(self._answers) < self._count:
            self._read()
        helper, self._helper = self._helper, None
        if helper is not None and self._owner is not None:
            self._owner._release(helper)


class Verifiers:
    """Up to ``count`` helper processes, each lent to one batch at a time.

    A helper is started by the first batch that finds none idle, and batches are checked
    in line until it says it is ready, so a server that never receives a large push never
    starts one and no push waits for a helper's start.
    """

    def __init__(
        self,
        count: int,
        *,
        stall_seconds: float = STALL_SECONDS,
        command: Sequence[str] = HELPER_COMMAND,
    ) -> None:
        self._count = count
        self._command = command
        self._failed_starts = 0
        self.stall_seconds = stall_seconds
        self._idle: queue.SimpleQueue[_Helper] = queue.SimpleQueue()
        self._all: list[_Helper] = []
        self._lock = threading.Lock()
        self._closed = False

    def start(self, items: Sequence[tuple[str, bytes, str]]) -> Checks:
        """Begin checking ``items``: (public key, message, signature) each."""
        if len(items) < MIN_OPS or not _PIPES_SELECTABLE:
            return Checks(None, None, 0)
        try:
            helper = self._idle.get_nowait()
        except queue.Empty:
            self._spawn()
            return Checks(None, None, 0)
        ready = helper.poll_ready()
        if not ready:  # still starting: in line this time
            if ready is None:  # it died before it was ready
                self._failed_starts += 1
                self._retire(helper)
            else:
                self._idle.put(helper)
            return Checks(None, None, 0)
        checks = Checks(self, helper, len(items))
        request = pickle.dumps(list(items), protocol=pickle.HIGHEST_PROTOCOL)
        if not _send(helper.stdin, _LENGTH.pack(len(request)) + request, self.stall_seconds):
            checks._discard()  # gone, or not reading: killed, and this batch goes in line
        return checks

    def _release(self, helper: _Helper) -> None:
        if helper.alive() and not self._closed:
            self._idle.put(helper)
        else:
            self._retire(helper)

    def _retire(self, helper: _Helper) -> None:
        helper.close()
        with self._lock:
            self._all = [h for h in self._all if h is not helper]

    def _spawn(self) -> None:
        with self._lock:
            if self._closed or len(self._all) >= self._count:
                return
            if self._failed_starts >= MAX_FAILED_STARTS:
                return  # it cannot start here (say, the module is not importable): in line
            helper = _Helper(self._command)
            self._all.append(helper)
        self._idle.put(helper)

    def pids(self) -> list[int]:
        """The helper processes running now."""
        with self._lock:
            return [h.proc.pid for h in self._all if h.alive()]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            helpers, self._all = self._all, []
        for helper in helpers:
            helper.close()


def _serve() -> None:
    from core.ops.signing import verify_signature

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(_READY)
    stdout.flush()
    while True:
        header = stdin.read(_LENGTH.size)
        if len(header) < _LENGTH.size:
            return  # the parent is gone
        (size,) = _LENGTH.unpack(header)
        items = pickle.loads(stdin.read(size))  # noqa: S301  (our parent's pipe)
        answers = bytearray()
        for public_key, message, signature in items:
            answers.append(1 if verify_signature(public_key, message, signature) else 0)
            if len(answers) == _FLUSH_EVERY:
                stdout.write(answers)
                stdout.flush()
                answers = bytearray()
        stdout.write(answers)
        stdout.flush()


if __name__ == "__main__":
    _serve()
