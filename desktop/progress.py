"""The window's progress indicator: shown for anything still running after 300 ms."""

from __future__ import annotations

from itertools import count

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

__all__ = ["ProgressIndicator"]


class ProgressIndicator(QWidget):
    """A busy bar and the label of the oldest op still running; hidden when idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressIndicator")
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setFixedWidth(120)
        self.bar.setMaximumHeight(14)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self._ids = count(1)
        self._running: dict[int, str] = {}
        self.shown_count = 0
        self.setVisible(False)

    def begin(self, label: str) -> int:
        token = next(self._ids)
        self._running[token] = label
        self.shown_count += 1
        self._render()
        return token

    def end(self, token: int) -> None:
        self._running.pop(token, None)
        self._render()

    def _render(self) -> None:
        if not self._running:
            self.setVisible(False)
            return
        first = next(iter(self._running.values()))
        more = len(self._running) - 1
        self.label.setText(first + (f" (+{more})" if more else ""))
        self.setVisible(True)
