"""The one road from core events to Qt: everything re-emitted on the GUI thread.

Worker threads (ops, the sync job) never touch a widget. They hand what happened to
:class:`CoreBridge`, which re-emits it from the GUI thread; views connect to its public
signals and redraw from what they carry — the areas of the organization the ops touched
(:class:`core.ops.changes.OpChanges`) — as Anki's ``operation_did_execute`` hook does.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from core.ops.changes import OpChanges

__all__ = ["CoreBridge", "OpChanges"]


class CoreBridge(QObject):
    operation_did_execute = Signal(object)  # OpChanges
    sync_status_changed = Signal(object)  # desktop.sync.status.SyncStatus

    _posted = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Queued even when posted from the GUI thread: one ordering for every source.
        self._posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def post_changes(self, changes: OpChanges) -> None:
        """From any thread."""
        self._posted.emit("changes", changes)

    def post_sync_status(self, status: Any) -> None:
        """From any thread."""
        self._posted.emit("sync", status)

    @Slot(str, object)
    def _deliver(self, what: str, value: Any) -> None:
        if what == "changes":
            self.operation_did_execute.emit(value)
        else:
            self.sync_status_changed.emit(value)
