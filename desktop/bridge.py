"""The one road from core events to Qt: everything re-emitted on the GUI thread.

Worker threads (ops, the sync job) never touch a widget. They hand what happened to
:class:`CoreBridge`, which re-emits it from the GUI thread; views connect to its public
signals and redraw from what they carry, as Anki's ``operation_did_execute`` hook does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from core.commands import OpResult

__all__ = ["CoreBridge", "OpChanges"]


@dataclass(frozen=True, slots=True)
class OpChanges:
    """What one or more ops changed: the redraw signal for every view."""

    kinds: frozenset[str] = frozenset()
    entity_ids: frozenset[str] = frozenset()
    source: str = "local"  # local | sync | conflict
    everything: bool = False

    @classmethod
    def of(cls, results: Iterable[OpResult], *, source: str = "local") -> OpChanges:
        items = list(results)
        return cls(frozenset(r.kind for r in items), frozenset(r.entity_id for r in items), source)

    def touches(self, *prefixes: str) -> bool:
        """True if any op of a kind starting with one of ``prefixes`` ran."""
        return self.everything or any(k.startswith(prefixes) for k in self.kinds)


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
