"""The pipeline page: search and filters over a table of every deal, or a board by stage."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.lifecycle import STAGE_ORDER
from core.domain.roles import Action
from core.ops.changes import Area
from core.views.pipeline import DealFilter, DealRow, pipeline_facets, stage_totals
from desktop.bridge import OpChanges
from desktop.display import stage_label
from desktop.pipeline.board import BoardView
from desktop.pipeline.new_deal_dialog import NewDealDialog
from desktop.pipeline.stage_moves import StageMover
from desktop.pipeline.table_model import DEAL_ROW_ROLE, PipelineTableModel
from desktop.session import DesktopSession

__all__ = ["PipelinePage"]


class PipelinePage(QWidget):
    open_deal = Signal(str)

    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipelinePage")
        self.session = session
        self.model = PipelineTableModel(session)
        self.mover = StageMover(session, self)
        self.new_deal_dialog: NewDealDialog | None = None

        self.search = QLineEdit()
        self.search.setObjectName("pipelineSearch")
        self.search.setPlaceholderText("Search deals, sponsors, cities…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.stage = QComboBox()
        self.stage.setObjectName("stageFilter")
        self.stage.addItem("All stages", None)
        for s in STAGE_ORDER:
            self.stage.addItem(stage_label(s.value), s.value)
        self.sponsor = QComboBox()
        self.sponsor.setObjectName("sponsorFilter")
        self.property_type = QComboBox()
        self.property_type.setObjectName("typeFilter")
        self.owner = QComboBox()
        self.owner.setObjectName("ownerFilter")
        self._fill_facets()
        self.table_toggle = QToolButton()
        self.table_toggle.setObjectName("tableToggle")
        self.table_toggle.setText("Table")
        self.board_toggle = QToolButton()
        self.board_toggle.setObjectName("boardToggle")
        self.board_toggle.setText("Board")
        for button in (self.table_toggle, self.board_toggle):
            button.setCheckable(True)
            button.setAutoExclusive(True)
        self.table_toggle.setChecked(True)
        self.new_deal_button = QPushButton("New deal")
        self.new_deal_button.setObjectName("newDealButton")
        why = session.viewer.why_not(Action.EDIT_DEAL, "create deals")
        self.new_deal_button.setEnabled(why is None)
        self.new_deal_button.setToolTip(why or "Create a deal in the draft stage (Ctrl+N)")

        bar = QHBoxLayout()
        bar.addWidget(self.search, 3)
        for w in (self.stage, self.sponsor, self.property_type, self.owner):
            bar.addWidget(w, 1)
        bar.addSpacing(12)
        bar.addWidget(self.table_toggle)
        bar.addWidget(self.board_toggle)
        bar.addSpacing(12)
        bar.addWidget(self.new_deal_button)

        self.table = QTableView()
        self.table.setObjectName("pipelineTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((250, 110, 200, 120, 150, 150, 120)):
            self.table.setColumnWidth(column, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)

        self.board = BoardView(session)
        self.board.deal_dropped.connect(self._dropped)
        self.board.deal_activated.connect(self.open_deal)
        self.views = QStackedWidget()
        self.views.addWidget(self.table)
        self.views.addWidget(self.board)

        self.summary = QLabel()
        self.summary.setObjectName("pipelineCount")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.views, 1)
        layout.addWidget(self.summary)

        self.search.textChanged.connect(self.apply_filter)
        for combo in (self.stage, self.sponsor, self.property_type, self.owner):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.table_toggle.toggled.connect(self._table_toggled)
        self.board_toggle.toggled.connect(self._board_toggled)
        self.new_deal_button.clicked.connect(self.new_deal)
        self.model.loaded.connect(self._summarize)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self._summarize()

    # -- filters ---------------------------------------------------------------------------

    def _fill_facets(self) -> None:
        facets = pipeline_facets(self.session.ws, self.session.viewer)
        for combo, label, items in (
            (self.sponsor, "All sponsors", [(s, s) for s in facets.sponsors]),
            (self.property_type, "All types", [(t, t) for t in facets.property_types]),
            (self.owner, "All owners", [(n, u) for u, n in facets.owners]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(label, None)
            for text, data in items:
                combo.addItem(text, data)
            found = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(found, 0))
            combo.blockSignals(False)

    def current_filter(self) -> DealFilter:
        stage = self.stage.currentData()
        return DealFilter(
            text=self.search.text(),
            stages=(stage,) if stage else (),
            sponsor=self.sponsor.currentData(),
            property_type=self.property_type.currentData(),
            owner_id=self.owner.currentData(),
        )

    def apply_filter(self) -> None:
        flt = self.current_filter()
        self.model.set_filter(flt)
        if self.views.currentWidget() is self.board:
            self.board.load(flt, self.model.sort_by)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _summarize(self) -> None:
        n = self.model.rowCount()
        totals = stage_totals(self.session.ws, self.session.viewer) if not n else None
        text = f"{n:,} deal{'s' if n != 1 else ''}"
        if self.current_filter() != DealFilter():
            text += " match the filter"
        if totals is not None and not any(t.deals for t in totals):
            text = "No deals yet — create one with New deal (Ctrl+N)"
        self.summary.setText(text)

    # -- views -----------------------------------------------------------------------------

    def _table_toggled(self, on: bool) -> None:
        if on:
            self.show_table()

    def _board_toggled(self, on: bool) -> None:
        if on:
            self.show_board()

    def show_table(self) -> None:
        self.table_toggle.setChecked(True)
        self.views.setCurrentWidget(self.table)

    def show_board(self) -> None:
        self.board_toggle.setChecked(True)
        self.views.setCurrentWidget(self.board)
        self.board.load(self.current_filter(), self.model.sort_by)

    def selected_deal(self) -> DealRow | None:
        if self.views.currentWidget() is self.board:
            return self.board.selected_deal()
        index = self.table.currentIndex()
        deal: DealRow | None = index.data(DEAL_ROW_ROLE) if index.isValid() else None
        return deal

    def _activated(self, index: QModelIndex) -> None:
        deal: DealRow | None = index.data(DEAL_ROW_ROLE)
        if deal is not None:
            self.open_deal.emit(deal.deal_id)

    # -- commands --------------------------------------------------------------------------

    def new_deal(self) -> NewDealDialog | None:
        if not self.new_deal_button.isEnabled():
            return None
        dialog = NewDealDialog(self.session, self)
        dialog.created.connect(lambda result: self.open_deal.emit(result.entity_id))
        self.new_deal_dialog = dialog
        dialog.open()
        return dialog

    def move_menu(self, deal: DealRow):  # type: ignore[no-untyped-def]
        return self.mover.menu_for(
            deal_id=deal.deal_id,
            name=deal.name,
            stage=deal.stage,
            version=deal.version,
            parent=self,
        )

    def _table_menu(self, pos: QPoint) -> None:
        index = self.table.indexAt(pos)
        deal: DealRow | None = index.data(DEAL_ROW_ROLE) if index.isValid() else None
        if deal is None:
            return
        menu = self.move_menu(deal)
        menu.insertAction(menu.actions()[0], menu.addSeparator())
        open_action = menu.addAction("Open deal")
        menu.insertAction(menu.actions()[0], open_action)
        open_action.triggered.connect(lambda: self.open_deal.emit(deal.deal_id))
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _dropped(self, deal_id: str, version: int, target: str) -> None:
        name = next(
            (d.name for m in self.board.models.values() for d in m.deals if d.deal_id == deal_id),
            "the deal",
        )
        self.mover.move(deal_id=deal_id, name=name, version=version, target=target)

    def on_changes(self, changes: OpChanges) -> None:
        if not changes.touches(Area.DEALS, Area.DOCUMENTS):
            return
        if changes.touches(Area.DEALS):
            self._fill_facets()
        self.model.refresh()
        if self.views.currentWidget() is self.board:
            self.board.load(self.current_filter(), self.model.sort_by)
