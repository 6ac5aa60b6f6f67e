"""The audit page: the log with filters, and Verify, which walks the hash chain and the
signed head (the same check as ``dealos audit verify``) on a worker thread."""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.audit import AuditVerdict
from core.views.audit_view import AuditFilter, audit_facets
from core.views.op_words import event_label, kind_label
from desktop.audit.model import AuditTableModel
from desktop.background import BackgroundOp
from desktop.bridge import OpChanges
from desktop.session import DesktopSession

__all__ = ["AuditPage"]


class AuditPage(QWidget):
    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditPage")
        self.session = session
        self.verdict: AuditVerdict | None = None
        self.model = AuditTableModel(session)
        self.search = QLineEdit()
        self.search.setObjectName("auditSearch")
        self.search.setPlaceholderText("Search what happened, names, ids…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.event_choice = QComboBox()
        self.event_choice.setObjectName("auditEvent")
        self.kind = QComboBox()
        self.kind.setObjectName("auditKind")
        self.actor = QComboBox()
        self.actor.setObjectName("auditActor")
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setObjectName("verifyButton")
        self.banner = QLabel("Verify walks every entry's hash link and the signed head.")
        self.banner.setObjectName("verifyBanner")
        self.banner.setWordWrap(True)
        self._banner_style("#eef2f7", "#1f2a37")
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((60, 130, 110, 150, 120, 170)):
            self.table.setColumnWidth(column, width)
        self.count = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        for combo in (self.event_choice, self.kind, self.actor):
            bar.addWidget(combo, 1)
        bar.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self._fill_facets()
        self.search.textChanged.connect(self.apply_filter)
        for combo in (self.event_choice, self.kind, self.actor):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.verify_button.clicked.connect(self.verify)
        self.model.modelReset.connect(self._count)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self._count()

    def _banner_style(self, background: str, color: str) -> None:
        self.banner.setStyleSheet(
            f"background: {background}; color: {color}; padding: 8px; border-radius: 6px;"
        )

    def _fill_facets(self) -> None:
        facets = audit_facets(self.session.ws)
        for combo, label, items in (
            (self.event_choice, "All events", [(event_label(e), e) for e in facets.events]),
            (self.kind, "All kinds", [(kind_label(k), k) for k in facets.kinds]),
            (self.actor, "Everyone", [(n, u) for u, n in facets.actors]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(label, None)
            for text, data in items:
                combo.addItem(text, data)
            combo.setCurrentIndex(max(combo.findData(current), 0) if current else 0)
            combo.blockSignals(False)

    def _count(self) -> None:
        self.count.setText(f"{self.model.rowCount():,} entries")

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def apply_filter(self) -> None:
        self.model.set_filter(
            AuditFilter(
                text=self.search.text(),
                event=self.event_choice.currentData(),
                kind=self.kind.currentData(),
                actor_id=self.actor.currentData(),
            )
        )

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.banner.setText("Verifying the chain…")
        BackgroundOp(
            parent=self, label="Verifying the audit chain…", task=self.session.ws.verify_audit
        ).success(self._verified).failure(self._verify_failed).run_in_background()

    def _verified(self, verdict: AuditVerdict) -> None:
        self.verdict = verdict
        self.verify_button.setEnabled(True)
        if verdict.ok:
            self._banner_style("#e3f4ea", "#1f5f3f")
            self.banner.setText(
                f"✓ Audit chain intact: {verdict.entries:,} entries, every link and the signed "
                f"head check out (head {verdict.head_hash[:16]}…)."
            )
            self.model.bad_seq = None
        else:
            self._banner_style("#fbe3e2", "#8b2a27")
            self.banner.setText(f"✗ {verdict.summary()}")
            self.model.bad_seq = verdict.first_bad_seq
            self._show_entry(verdict.first_bad_seq)
        self.model.dataChanged.emit(
            self.model.index(0, 0),
            self.model.index(max(self.model.rowCount() - 1, 0), 6),
        )

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self._banner_style("#fbe3e2", "#8b2a27")
        self.banner.setText(f"✗ The chain could not be verified: {exc}")

    def _show_entry(self, seq: int | None) -> None:
        if seq is None:
            return
        if self.model.filter != AuditFilter():
            self.search.clear()
            for combo in (self.event_choice, self.kind, self.actor):
                combo.setCurrentIndex(0)
        row = self.model.rowCount() - seq
        if 0 <= row < self.model.rowCount():
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def showEvent(self, event: QShowEvent) -> None:
        # Refusals append to the chain too, and they are not ops that changed anything.
        self.model.reload()
        super().showEvent(event)

    def on_changes(self, _changes: OpChanges) -> None:
        # Every op, and every refusal, appends to the chain.
        self.model.reload()
        self._fill_facets()
