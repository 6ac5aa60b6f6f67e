"""The conflicts inbox: each change the server (or a rebase) refused, beside the current
value, with the two ways out: re-apply it on the current version, or discard it with a
note. Nothing leaves the inbox any other way."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.sync.status import ConflictLine, open_conflicts
from desktop.bridge import OpChanges
from desktop.confirmation import Confirmation, confirm
from desktop.display import format_when
from desktop.operations.conflicts import discard_conflict, discard_conflicts, reapply_conflict
from desktop.records_model import Column, RecordsModel
from desktop.session import DesktopSession
from desktop.sync.scheduler import SyncStatus

__all__ = ["ConflictsPage"]

CONFLICT_COLUMNS: list[Column[ConflictLine]] = [
    Column("When", lambda c: format_when(c.created_at)),
    Column("Change", lambda c: c.kind_words),
    Column("On", lambda c: c.entity_label),
    Column("Why refused", lambda c: c.message, color=lambda c: "#c0504d"),
]


def _compare(c: ConflictLine) -> str:
    """Yours beside the current value, field by field, in words."""
    if not c.fields:
        return c.summary
    width = max(len(name) for name, _, _ in c.fields)
    lines = [
        f"{'':{width}}  {'Yours':<28}  Now",
        *(f"{name:{width}}  {yours:<28}  {now}" for name, yours, now in c.fields),
    ]
    return "\n".join(lines)


class ConflictsPage(QWidget):
    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsPage")
        self.session = session
        self.confirmation: Confirmation | None = None
        self.model: RecordsModel[ConflictLine] = RecordsModel(CONFLICT_COLUMNS)
        self.table = QTableView()
        self.table.setObjectName("conflictsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((130, 160, 260)):
            self.table.setColumnWidth(column, width)
        self.empty = QLabel("No conflicts: every change you made was accepted.")
        self.empty.setObjectName("conflictsEmpty")
        self.empty.setStyleSheet("color: #2e8b57; padding: 6px;")
        self.yours = QPlainTextEdit()
        self.yours.setObjectName("yourChange")
        self.yours.setReadOnly(True)
        self.theirs = QPlainTextEdit()
        self.theirs.setObjectName("serverValue")
        self.theirs.setReadOnly(True)
        self.yours_title = QLabel("<b>Your change</b>")
        self.theirs_title = QLabel("<b>Current value</b>")
        self.note = QLineEdit()
        self.note.setObjectName("resolutionNote")
        self.note.setPlaceholderText("A note for the audit log (required to discard)")
        self.reapply_button = QPushButton("Re-apply on the current version")
        self.reapply_button.setObjectName("reapplyButton")
        self.discard_button = QPushButton("Discard with note")
        self.discard_button.setObjectName("discardButton")
        self.discard_all_button = QPushButton("Discard all with this note")
        self.discard_all_button.setObjectName("discardAllButton")
        self.read_only_reason = QLabel()
        self.read_only_reason.setStyleSheet("color: #6b7785;")

        compare = QHBoxLayout()
        for title, text in ((self.yours_title, self.yours), (self.theirs_title, self.theirs)):
            side = QVBoxLayout()
            side.addWidget(title)
            side.addWidget(text)
            compare.addLayout(side)
        actions = QHBoxLayout()
        actions.addWidget(self.note, 1)
        actions.addWidget(self.reapply_button)
        actions.addWidget(self.discard_button)
        actions.addWidget(self.discard_all_button)
        detail = QWidget()
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(compare, 1)
        box.addLayout(actions)
        box.addWidget(self.read_only_reason)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail)
        split.setSizes([260, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)

        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.reapply_button.clicked.connect(self.reapply)
        self.discard_button.clicked.connect(self.discard)
        self.discard_all_button.clicked.connect(self.discard_all)
        self.note.textChanged.connect(self._gate)
        session.bridge.operation_did_execute.connect(self.on_changes)
        session.bridge.sync_status_changed.connect(self._on_sync)
        self.reload()

    def reload(self) -> None:
        selected = self.selected()
        lines = open_conflicts(self.session.ws)
        self.model.set_records(lines)
        self.empty.setText(
            f"{len(lines)} change(s) were refused and wait for you."
            if lines
            else "No conflicts: every change you made was accepted."
        )
        self.empty.setStyleSheet(
            f"color: {'#c0504d' if lines else '#2e8b57'}; padding: 6px; font-weight: bold;"
        )
        rows = [i for i, c in enumerate(lines) if selected and c.op_id == selected.op_id]
        if rows or lines:
            self.table.selectRow(rows[0] if rows else 0)
        self._selected()

    def selected(self) -> ConflictLine | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def _selected(self, *_: QItemSelection) -> None:
        c = self.selected()
        if c is None:
            self.yours.clear()
            self.theirs.clear()
        else:
            self.yours_title.setText(f"<b>Your change</b> — {c.summary}")
            self.yours.setPlainText(_compare(c))
            if c.current_version is None:
                self.theirs_title.setText("<b>Now</b> — the record no longer exists")
                self.theirs.setPlainText("")
            else:
                self.theirs_title.setText(
                    f"<b>Now</b> — changed {c.current_version - (c.base_version or 0)} time(s) "
                    "since you wrote your change"
                )
                self.theirs.setPlainText("\n".join(f"{k}: {v}" for k, v in c.current))
        self._gate()

    def _gate(self) -> None:
        c = self.selected()
        read_only = self.session.viewer.read_only
        self.reapply_button.setEnabled(c is not None and not read_only)
        self.discard_button.setEnabled(
            c is not None and not read_only and bool(self.note.text().strip())
        )
        self.discard_all_button.setEnabled(
            self.model.rowCount() > 1 and not read_only and bool(self.note.text().strip())
        )
        self.read_only_reason.setText(
            "Your role is read-only: conflicts are resolved by the person who made the change."
            if read_only
            else ""
        )

    def reapply(self) -> None:
        c = self.selected()
        if c is None:
            return
        reapply_conflict(
            parent=self, session=self.session, op_id=c.op_id, note=self.note.text().strip()
        ).success(lambda _r: self._resolved()).run_in_background()

    def discard(self) -> None:
        c = self.selected()
        if c is None or not self.note.text().strip():
            return
        discard_conflict(
            parent=self, session=self.session, op_id=c.op_id, note=self.note.text().strip()
        ).success(lambda _r: self._resolved()).run_in_background()

    def discard_all(self) -> Confirmation | None:
        """Every open conflict discarded with one note, after asking."""
        note = self.note.text().strip()
        op_ids = [c.op_id for c in self.model.records]
        if not note or not op_ids or not self.discard_all_button.isEnabled():
            return None
        self.confirmation = confirm(
            self,
            title="Discard every refused change",
            text=f"Discard all {len(op_ids)} refused changes with the note “{note}”?",
            detail="Each stays in the op log and the audit log with your note.",
            action="Discard all",
            on_confirm=lambda: (
                discard_conflicts(parent=self, session=self.session, op_ids=op_ids, note=note)
                .success(lambda _r: self._resolved())
                .run_in_background()
            ),
        )
        return self.confirmation

    def _resolved(self) -> None:
        self.note.clear()
        self.reload()
        self.session.bridge.post_changes(OpChanges(source="conflict"))

    def _on_sync(self, status: SyncStatus) -> None:
        if status.state == "synced":
            self.reload()

    def on_changes(self, changes: OpChanges) -> None:
        if changes.everything or (changes.source == "conflict" and changes.areas):
            self.reload()
