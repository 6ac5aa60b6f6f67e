"""The one background-op helper: run a core call on a worker, answer on the GUI thread.

Like Anki's ``CollectionOp`` / ``QueryOp``: a thin per-area function builds a
:class:`BackgroundOp` around one core call; ``success`` and ``failure`` callbacks run on
the GUI thread; when the call returns op results, the bridge tells every view what
changed. Anything still running after 300 ms shows in the window's progress indicator.
A failure is shown as a readable dialog unless the caller handles it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, runtime_checkable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from core.commands import OpResult
from desktop.bridge import CoreBridge, OpChanges
from desktop.error_dialogs import show_error

__all__ = ["PROGRESS_DELAY_MS", "BackgroundOp", "ProgressHost"]

T = TypeVar("T")
PROGRESS_DELAY_MS = 300
log = logging.getLogger(__name__)


@runtime_checkable
class ProgressHost(Protocol):
    def progress_begin(self, label: str) -> int: ...

    def progress_end(self, token: int) -> None: ...


class _Carrier(QObject):
    done = Signal(object, object)  # result, exception


class _Runner(QRunnable):
    def __init__(self, task: Callable[[], Any], carrier: _Carrier) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task = task
        self._carrier = carrier

    def run(self) -> None:
        try:
            result = self._task()
        except BaseException as exc:  # handed to the GUI thread, never lost
            self._carrier.done.emit(None, exc)
        else:
            self._carrier.done.emit(result, None)


class BackgroundOp(Generic[T]):
    """One call into core, off the GUI thread."""

    _running: ClassVar[set[BackgroundOp[Any]]] = set()

    def __init__(
        self,
        *,
        parent: QWidget | None,
        task: Callable[[], T],
        label: str,
        bridge: CoreBridge | None = None,
        source: str = "local",
    ) -> None:
        self._parent = parent
        self._task = task
        self._label = label
        self._bridge = bridge
        self._source = source
        self._on_success: Callable[[T], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._carrier = _Carrier()
        self._token: int | None = None
        self._timer: QTimer | None = None
        self.started_at = 0.0

    def success(self, callback: Callable[[T], None]) -> Self:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Self:
        self._on_failure = callback
        return self

    @classmethod
    def in_flight(cls) -> int:
        return len(cls._running)

    def run_in_background(self, pool: QThreadPool | None = None) -> Self:
        BackgroundOp._running.add(self)
        self.started_at = time.perf_counter()
        self._carrier.done.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_progress)
        self._timer.start(PROGRESS_DELAY_MS)
        (pool or QThreadPool.globalInstance()).start(_Runner(self._task, self._carrier))
        return self

    def _host(self) -> ProgressHost | None:
        if self._parent is None:
            return None
        try:
            window = self._parent.window()
        except RuntimeError:  # the widget was deleted while the op ran
            return None
        return window if isinstance(window, ProgressHost) else None

    @Slot()
    def _show_progress(self) -> None:
        host = self._host()
        if host is not None:
            self._token = host.progress_begin(self._label)

    @Slot(object, object)
    def _finished(self, result: Any, error: BaseException | None) -> None:
        BackgroundOp._running.discard(self)
        if self._timer is not None:
            self._timer.stop()
        if self._token is not None:
            host = self._host()
            if host is not None:
                host.progress_end(self._token)
        if self._parent is not None and not shiboken6.isValid(self._parent):
            # The window that asked was closed while the work ran: nobody is left to
            # tell, and its widgets are gone. What the op changed is in the store.
            return
        if error is not None:
            if self._on_failure is not None:
                self._on_failure(error)
            else:
                show_error(self._parent, error)
            return
        if self._bridge is not None:
            results = result if isinstance(result, list) else [result]
            if results and all(isinstance(r, OpResult) for r in results):
                self._bridge.post_changes(OpChanges.of(results, source=self._source))
        if self._on_success is not None:
            self._on_success(result)
