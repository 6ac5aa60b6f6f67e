"""The status-bar sync indicator: offline / syncing / synced N s ago / error, the number
of ops waiting for the server, and open conflicts."""

from __future__ import annotations

import re
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from core.sync.status import open_conflicts, pending_count
from desktop.bridge import OpChanges
from desktop.session import DesktopSession
from desktop.sync.scheduler import SyncStatus

__all__ = ["SyncStatusWidget"]

_COLORS = {
    "local": "#6b7785",
    "offline": "#c77c02",
    "syncing": "#3f6fd8",
    "synced": "#2e8b57",
    "error": "#c0504d",
    "conflicts": "#c77c02",
}


class SyncStatusWidget(QWidget):
    conflicts_clicked = Signal()
    sync_clicked = Signal()

    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.session = session
        self.status = SyncStatus("local", pending_count(session.ws), 0)
        self.dot = QLabel("●")
        self.text = QLabel()
        self.text.setObjectName("syncStateText")
        self.pending = QLabel()
        self.pending.setObjectName("pendingCount")
        self.conflicts = QPushButton()
        self.conflicts.setObjectName("conflictsButton")
        self.conflicts.setFlat(True)
        self.conflicts.setCursor(Qt.CursorShape.PointingHandCursor)
        self.conflicts.clicked.connect(self.conflicts_clicked)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setObjectName("syncNowButton")
        self.sync_button.setFlat(True)
        self.sync_button.clicked.connect(self.sync_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        for w in (self.dot, self.text, self.pending, self.conflicts, self.sync_button):
            layout.addWidget(w)
        session.bridge.sync_status_changed.connect(self.show_status)
        session.bridge.operation_did_execute.connect(self._on_changes)
        self._ticker = QTimer(self)
        self._ticker.timeout.connect(self._render)
        self._ticker.start(1000)
        self._render()

    def show_status(self, status: SyncStatus) -> None:
        self.status = status
        self._render()

    def _on_changes(self, _changes: OpChanges) -> None:
        s = self.status
        self.status = SyncStatus(
            s.state,
            pending_count(self.session.ws),
            len(open_conflicts(self.session.ws)),
            s.last_synced,
            s.message,
        )
        self._render()

    def state_text(self) -> str:
        s = self.status
        if s.state == "local":
            return "Local only — no server"
        if s.state == "syncing":
            return "Syncing…"
        if s.state == "synced" and s.conflicts:
            # Not "synced" while changes the server refused wait for a decision.
            return "Synced — changes wait for your decision"
        if s.state == "synced" and s.last_synced is not None:
            ago = max(0, int(time.time() - s.last_synced))
            return "Synced just now" if ago < 2 else f"Synced {ago} s ago"
        if s.state == "error":
            return "Sync error"
        # The client's breaker says when it tries again: "server unreachable, retrying at
        # 14:05: https://…; working offline" reads as "Offline — retrying at 14:05".
        retry = re.search(r"retrying at (\d{1,2}:\d{2})", s.message or "")
        return f"Offline — retrying at {retry.group(1)}" if retry else "Offline"

    def _render(self) -> None:
        s = self.status
        shade = "conflicts" if s.state == "synced" and s.conflicts else s.state
        self.dot.setStyleSheet(f"color: {_COLORS.get(shade, '#6b7785')}; font-size: 14px;")
        self.text.setText(self.state_text())
        self.setToolTip(s.message or self.state_text())
        # A local-only organization has no server to wait for: nothing is "pending".
        self.pending.setVisible(s.state != "local")
        self.pending.setText(f"{s.pending} pending" if s.pending else "nothing pending")
        self.conflicts.setVisible(s.conflicts > 0)
        self.conflicts.setText(f"⚠ {s.conflicts} conflict{'s' if s.conflicts != 1 else ''}")
        self.sync_button.setVisible(s.state != "local")
