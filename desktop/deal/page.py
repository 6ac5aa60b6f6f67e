"""The deal page: header with stage and actions, then fields, documents, approvals and
history in tabs. It redraws whenever an op touches the deal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.roles import Action
from core.errors import DealOSError
from core.ops.changes import Area
from core.views.deal_gates import GateCheck, gate_checklist
from core.views.deal_view import DealDetail, FieldLine, deal_detail
from desktop.background import BackgroundOp
from desktop.bridge import OpChanges
from desktop.confirmation import Confirmation, confirm
from desktop.deal.columns import (
    APPROVAL_COLUMNS,
    DOCUMENT_COLUMNS,
    FIELD_COLUMNS,
    HISTORY_COLUMNS,
    ProvenanceBadge,
)
from desktop.deal.edit_dialog import DealEditDialog, confirm_field
from desktop.display import STAGE_COLORS, stage_label
from desktop.documents import DocumentBar
from desktop.documents.actions import DROPPABLE
from desktop.documents.provenance_dialog import ProvenanceDialog
from desktop.error_dialogs import show_error
from desktop.operations.deals import record_approval
from desktop.pipeline.stage_moves import StageMover
from desktop.records_model import RecordsModel
from desktop.session import DesktopSession

__all__ = ["DealPage"]


def _table(name: str, model: RecordsModel[Any], widths: tuple[int, ...]) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(28)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        view.setColumnWidth(column, width)
    return view


class DealPage(QWidget):
    back_requested = Signal()

    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dealPage")
        self.session = session
        self.detail: DealDetail | None = None
        self.confirmation: Confirmation | None = None
        self.gate_checks: tuple[GateCheck, ...] = ()
        self.mover = StageMover(session, self)
        self.back = QToolButton()
        self.back.setObjectName("backToPipeline")
        self.back.setText("← Pipeline")
        self.back.setAutoRaise(True)
        self.back.clicked.connect(self.back_requested)
        self.title = QLabel()
        self.title.setObjectName("dealTitle")
        self.stage_badge = QLabel()
        self.stage_badge.setObjectName("dealStage")
        self.facts = QLabel()
        self.facts.setObjectName("dealFacts")
        self.facts.setStyleSheet("color: #5a6573;")
        self.move_button = QPushButton("Move to stage ▾")
        self.move_button.setObjectName("moveStageButton")
        self.move_button.clicked.connect(self.open_move_menu)
        self.vote_button = QPushButton("IC vote ▾")
        self.vote_button.setObjectName("icVoteButton")
        self.vote_button.clicked.connect(lambda: self._approval_menu("ic_vote"))
        self.signoff_button = QPushButton("Legal sign-off ▾")
        self.signoff_button.setObjectName("signoffButton")
        self.signoff_button.clicked.connect(lambda: self._approval_menu("legal_signoff"))
        self.edit_button = QPushButton("Edit fields…")
        self.edit_button.setObjectName("editDealButton")
        self.edit_button.clicked.connect(self.edit_fields)
        self.confirm_button = QPushButton("Confirm extracted value")
        self.confirm_button.setObjectName("confirmFieldButton")
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.source_button = QPushButton("Where from?")
        self.source_button.setObjectName("fieldSourceButton")
        self.source_button.setToolTip(
            "The document page the value was read on, and what it was used for"
        )
        self.source_button.clicked.connect(self.show_source)
        self.edit_dialog: DealEditDialog | None = None
        self.source_dialog: ProvenanceDialog | None = None
        self.setAcceptDrops(True)

        self.fields = RecordsModel(FIELD_COLUMNS)
        self.documents = RecordsModel(DOCUMENT_COLUMNS)
        self.approvals = RecordsModel(APPROVAL_COLUMNS)
        self.history = RecordsModel(HISTORY_COLUMNS)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("dealTabs")
        self.fields_view = _table("dealFields", self.fields, (200, 260, 120))
        self.fields_view.setItemDelegateForColumn(2, ProvenanceBadge(self.fields_view))
        self.fields_view.selectionModel().selectionChanged.connect(self._gate_confirm)
        self.fields_view.doubleClicked.connect(lambda _i: self.show_source())
        fields_tab = QWidget()
        fields_layout = QVBoxLayout(fields_tab)
        fields_layout.addWidget(self.fields_view, 1)
        fields_bar = QHBoxLayout()
        fields_bar.addStretch(1)
        fields_bar.addWidget(self.source_button)
        fields_bar.addWidget(self.confirm_button)
        fields_layout.addLayout(fields_bar)
        self.tabs.addTab(fields_tab, "Fields")
        self.documents_view = _table("dealDocuments", self.documents, (320, 260, 130, 90))
        self.document_bar = DocumentBar(session, self.selected_document)
        self.documents_view.doubleClicked.connect(lambda _i: self.document_bar.view_selected())
        documents_tab = QWidget()
        documents_layout = QVBoxLayout(documents_tab)
        documents_layout.addWidget(self.documents_view, 1)
        documents_layout.addWidget(self.document_bar)
        self.tabs.addTab(documents_tab, "Documents")
        self.tabs.addTab(_table("dealApprovals", self.approvals, (120, 90, 140, 380)), "Approvals")
        self.tabs.addTab(_table("dealHistory", self.history, (140, 120, 380, 160, 120)), "History")

        head = QHBoxLayout()
        head.addWidget(self.back)
        head.addSpacing(8)
        head.addWidget(self.title)
        head.addWidget(self.stage_badge)
        head.addStretch(1)
        for b in (self.edit_button, self.vote_button, self.signoff_button, self.move_button):
            head.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.facts)
        self.gates = QLabel()
        self.gates.setObjectName("dealGates")
        self.gates.setWordWrap(True)
        layout.addWidget(self.gates)
        layout.addWidget(self.tabs, 1)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self.mover.moved.connect(lambda _r: None)

    def show_deal(self, deal_id: str) -> None:
        try:
            self.detail = deal_detail(self.session.ws, self.session.viewer, deal_id)
        except DealOSError as exc:
            show_error(self, exc)
            self.back_requested.emit()
            return
        self._render()

    def _render(self) -> None:
        d = self.detail
        if d is None:
            return
        viewer = self.session.viewer
        self.title.setText(f"<h2 style='margin:0'>{d.name}</h2>")
        color = STAGE_COLORS[d.stage].name() if d.stage in STAGE_COLORS else "#6b7785"
        self.stage_badge.setText(stage_label(d.stage))
        self.stage_badge.setStyleSheet(
            f"background: {color}; color: white; border-radius: 9px; padding: 2px 10px;"
        )
        fund = f" · fund {d.fund_name}" if d.fund_name else ""
        self.facts.setText(
            f"{d.currency} · version {d.version}{fund} · created by {d.created_by} · "
            f"{len(d.documents)} document(s) · {len(d.history)} op(s) in its history"
        )
        selected = self.selected_field()
        self.fields.set_records(d.fields)
        if selected is not None:
            self.select_field(selected.name)
        self.documents.set_records(d.documents)
        self.document_bar.deal_id = d.deal_id
        self.approvals.set_records(d.approvals)
        self.history.set_records(d.history)
        # The gate's checklist: each next stage, ready or what is missing, in the lifecycle
        # reducer's own words (a dry run of the move, on a worker: it takes the store's
        # write lock, which a sync may hold for a moment).
        self.gates.setVisible(False)
        if not viewer.read_only:
            BackgroundOp(
                parent=self,
                label="Checking what the next stage needs…",
                bridge=self.session.bridge,
                task=lambda: gate_checklist(
                    self.session.ws,
                    deal_id=d.deal_id,
                    stage=d.stage,
                    version=d.version,
                    fund_id=d.fund_id,
                ),
            ).success(self._show_gates).run_in_background()
        can_move = any(m.refused_because is None for m in d.moves)
        self.move_button.setEnabled(can_move)
        self.move_button.setToolTip(
            "Move this deal through the lifecycle (Ctrl+M)"
            if can_move
            else (d.moves[0].refused_because if d.moves else "A final stage: no further moves")
            or ""
        )
        self._gate(
            self.edit_button,
            viewer.why_not(Action.EDIT_DEAL, "edit deals"),
            None,
            visible=not viewer.read_only,
        )
        self._gate_confirm()
        self._gate(
            self.vote_button,
            viewer.why_not(Action.DECIDE_DEAL, "vote at IC"),
            None if d.stage == "ic_review" else "IC votes are cast while the deal is in IC review.",
            visible=viewer.can(Action.DECIDE_DEAL) or not viewer.read_only,
        )
        self._gate(
            self.signoff_button,
            viewer.why_not(Action.LEGAL_SIGNOFF, "sign off legally"),
            None
            if d.stage in ("approved", "closing")
            else "Legal sign-off is given once a deal is approved, before it closes.",
            visible=viewer.can(Action.LEGAL_SIGNOFF),
        )

    @staticmethod
    def _gate(button: QPushButton, role: str | None, state: str | None, *, visible: bool) -> None:
        button.setVisible(visible)
        reason = role or state
        button.setEnabled(reason is None)
        button.setToolTip(reason or "")

    def selected_field(self) -> FieldLine | None:
        rows = self.fields_view.selectionModel().selectedRows()
        return self.fields.record(rows[0].row()) if rows else None

    def selected_document(self) -> str | None:
        rows = self.documents_view.selectionModel().selectedRows()
        line = self.documents.record(rows[0].row()) if rows else None
        return line.document_id if line is not None else None

    def select_field(self, name: str) -> None:
        for row, line in enumerate(self.fields.records):
            if line.name == name:
                self.fields_view.selectRow(row)

    def show_source(self) -> ProvenanceDialog | None:
        line = self.selected_field()
        if self.detail is None or line is None or line.value is None:
            return None
        self.source_dialog = ProvenanceDialog(self.session, self.detail.deal_id, line.name, self)
        self.source_dialog.load()
        self.source_dialog.open()
        return self.source_dialog

    # -- files dropped on the deal: each is added as a document of the deal ---------------

    def _dropped_files(self, event: QDropEvent | QDragEnterEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [
            Path(url.toLocalFile())
            for url in mime.urls()
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in DROPPABLE
        ]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.document_bar.accepts_files and self._dropped_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._dropped_files(event) if self.document_bar.accepts_files else []
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.tabs.setCurrentIndex(1)
        for path in files:
            self.document_bar.add_file(path)

    def _gate_confirm(self, *_: object) -> None:
        line = self.selected_field()
        self.source_button.setEnabled(line is not None and line.value is not None)
        state = None if line and line.provenance == "extracted" else "Select an extracted value."
        self._gate(
            self.confirm_button,
            self.session.viewer.why_not(Action.EDIT_DEAL, "confirm extracted values"),
            state,
            visible=not self.session.viewer.read_only,
        )

    def edit_fields(self) -> DealEditDialog | None:
        if self.detail is None or not self.edit_button.isEnabled():
            return None
        self.edit_dialog = DealEditDialog(self.session, self.detail, self)
        self.edit_dialog.open()
        return self.edit_dialog

    def confirm_selected(self) -> None:
        line = self.selected_field()
        if self.detail is None or line is None or not self.confirm_button.isEnabled():
            return
        op = confirm_field(parent=self, session=self.session, detail=self.detail, field=line)
        if op is not None:
            op.run_in_background()

    def open_move_menu(self) -> QMenu | None:
        d = self.detail
        if d is None:
            return None
        menu = self.mover.menu_for(
            deal_id=d.deal_id, name=d.name, stage=d.stage, version=d.version, parent=self
        )
        menu.popup(self.move_button.mapToGlobal(self.move_button.rect().bottomLeft()))
        return menu

    def _approval_menu(self, approval_type: str) -> QMenu | None:
        d = self.detail
        if d is None:
            return None
        menu = QMenu(self)
        menu.setObjectName("approvalMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for decision in ("approve", "reject", "abstain"):
            action = menu.addAction(decision.capitalize())
            action.setObjectName(f"decision_{decision}")
            action.triggered.connect(
                lambda _=False, dec=decision: self.confirm_vote(approval_type, dec)
            )
        button = self.vote_button if approval_type == "ic_vote" else self.signoff_button
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        return menu

    def _show_gates(self, checks: tuple[GateCheck, ...]) -> None:
        self.gate_checks = checks
        self.gates.setVisible(bool(checks))
        self.gates.setText(
            "<b>Next:</b> "
            + " · ".join(
                f"<span style='color:{'#2e8b57' if c.ready else '#c77c02'}'>"
                f"{'✓' if c.ready else '✗'} {c.line}</span>"
                for c in checks
            )
        )

    def confirm_vote(self, approval_type: str, decision: str) -> Confirmation | None:
        """Ask before a vote or a sign-off is recorded: it is signed and cannot be undone."""
        d = self.detail
        if d is None:
            return None
        what = "IC vote" if approval_type == "ic_vote" else "legal sign-off"
        self.confirmation = confirm(
            self,
            title=f"Record your {what}",
            text=f"Record your {what} on {d.name}: {decision}?",
            detail="The vote is signed with your name and kept in the deal's history.",
            action=f"Record {decision}",
            on_confirm=lambda: record_approval(
                parent=self,
                session=self.session,
                deal_id=d.deal_id,
                base_version=d.version,
                approval_type=approval_type,
                decision=decision,
            ).run_in_background(),
        )
        return self.confirmation

    def on_changes(self, changes: OpChanges) -> None:
        d = self.detail
        if d is None:
            return
        touched = {d.deal_id, *(doc.document_id for doc in d.documents)}
        if changes.everything or changes.entity_ids & touched or changes.touches(Area.DOCUMENTS):
            self.show_deal(d.deal_id)
