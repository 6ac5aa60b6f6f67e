"""The pipeline as a board: one column per stage, a card per deal, drag a card to move it.

Each column shows the first cards of its stage under the current filter and sort (the
table has the rest); dropping a card on another column asks core to move the deal, and
the lifecycle gate's answer comes back as the op's result or its refusal.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from core.domain.lifecycle import STAGE_ORDER, Stage, allowed_targets
from core.views.pipeline import (
    DealFilter,
    DealRow,
    DealSort,
    count_deals,
    fetch_deals,
    stage_totals,
)
from desktop.display import STAGE_COLORS, format_short_money, stage_label
from desktop.pipeline.table_model import DEAL_ROW_ROLE
from desktop.session import DesktopSession

__all__ = ["CARD_LIMIT", "DEAL_MIME", "BoardView", "StageCardsModel", "allowed_moves"]

DEAL_MIME: Final = "application/x-dealos-deal"
CARD_LIMIT: Final = 60
Index = QModelIndex | QPersistentModelIndex


class StageCardsModel(QAbstractListModel):
    """The cards of one stage column."""

    deal_dropped = Signal(str, int, str)  # deal id, version it was seen at, target stage

    def __init__(self, session: DesktopSession, stage: str) -> None:
        super().__init__()
        self.session = session
        self.stage = stage
        self.deals: list[DealRow] = []
        self.total = 0

    def load(self, flt: DealFilter, sort: DealSort) -> None:
        mine = replace(flt, stages=(self.stage,))
        self.beginResetModel()
        self.total = count_deals(self.session.ws, self.session.viewer, mine)
        self.deals = fetch_deals(
            self.session.ws, self.session.viewer, mine, sort, offset=0, limit=CARD_LIMIT
        )
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.deals)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.deals):
            return None
        deal = self.deals[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return deal.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{deal.name}\n{deal.sponsor or ''}\n{deal.city or ''}"
        if role == DEAL_ROW_ROLE:
            return deal
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        return (
            base
            | Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | (Qt.ItemFlag.ItemIsDragEnabled)
        )

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [DEAL_MIME]

    def mimeData(self, indexes: Any) -> QMimeData:
        mime = QMimeData()
        rows = [i.row() for i in indexes if i.isValid()]
        if rows:
            deal = self.deals[rows[0]]
            payload = f"{deal.deal_id} {deal.version} {deal.stage}"
            mime.setData(DEAL_MIME, QByteArray(payload.encode()))
        return mime

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Only where the lifecycle allows a move from the card's stage: the other
        columns refuse the drop while the card is dragged."""
        if not data.hasFormat(DEAL_MIME):
            return False
        parts = bytes(data.data(DEAL_MIME).data()).decode().split()
        return len(parts) == 3 and self.stage in allowed_moves(parts[2])

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if not data.hasFormat(DEAL_MIME):
            return False
        deal_id, version, _stage = bytes(data.data(DEAL_MIME).data()).decode().split()
        if any(d.deal_id == deal_id for d in self.deals):
            return False  # dropped on its own column
        self.deal_dropped.emit(deal_id, int(version), self.stage)
        # The card moves when core has applied the op and the board reloads.
        return False


class _CardDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(190, 74)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        deal: DealRow | None = index.data(DEAL_ROW_ROLE)
        if deal is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(4, 3, -4, -3)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(QColor("#c9d1db") if not selected else QColor("#3f6fd8"))
        painter.setBrush(QColor("#ffffff") if not selected else QColor("#eaf0fd"))
        painter.drawRoundedRect(rect, 6, 6)
        painter.fillRect(
            QRect(rect.left(), rect.top() + 6, 3, rect.height() - 12),
            STAGE_COLORS.get(deal.stage, QColor("gray")),
        )
        text = rect.adjusted(10, 5, -6, -4)
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(option.palette.color(QPalette.ColorRole.Text))
        metrics = painter.fontMetrics()
        painter.drawText(
            QRect(text.left(), text.top(), text.width(), 20),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(deal.name, Qt.TextElideMode.ElideRight, text.width()),
        )
        painter.setFont(option.font)
        painter.setPen(QColor("#5a6573"))
        price = (
            format_short_money(deal.asking_price, deal.currency)
            if deal.asking_price
            else "no price"
        )
        line2 = f"{deal.sponsor or 'no sponsor'}"
        line3 = f"{price} · {deal.property_type or ''}"
        metrics = painter.fontMetrics()
        painter.drawText(
            QRect(text.left(), text.top() + 21, text.width(), 18),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(line2, Qt.TextElideMode.ElideRight, text.width()),
        )
        painter.drawText(
            QRect(text.left(), text.top() + 40, text.width(), 18),
            Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(line3, Qt.TextElideMode.ElideRight, text.width()),
        )
        painter.restore()


class _Column(QFrame):
    def __init__(self, model: StageCardsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName(f"boardColumn_{model.stage}")
        self.setFixedWidth(206)
        self.setStyleSheet(
            f"#boardColumn_{model.stage} {{ background: #f1f4f8; border-radius: 8px; }}"
        )
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.list = QListView()
        self.list.setObjectName(f"boardList_{model.stage}")
        self.list.setModel(model)
        self.list.setItemDelegate(_CardDelegate(self.list))
        self.list.setDragEnabled(True)
        self.list.setAcceptDrops(True)
        self.list.setDropIndicatorShown(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setStyleSheet("QListView { background: transparent; border: none; }")
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 8, 6, 6)
        layout.addWidget(self.header)
        layout.addWidget(self.list)

    def render_header(self, asking: str = "") -> None:
        m = self.model
        color = STAGE_COLORS.get(m.stage, QColor("gray")).name()
        more = (
            f" <span style='color:#8a94a3'>(first {len(m.deals)})</span>"
            if m.total > len(m.deals)
            else ""
        )
        total = f"<br><span style='color:#5a6573'>{asking} asking</span>" if asking else ""
        self.header.setText(
            f"<span style='color:{color}; font-size:15px'>●</span> "
            f"<b>{stage_label(m.stage)}</b> <span style='color:#5a6573'>{m.total}</span>{more}"
            f"{total}"
        )
        targets = [stage_label(t) for t in allowed_moves(m.stage)]
        self.setToolTip(
            f"Deals here can move to {', '.join(targets)}; drag a card onto that column."
            if targets
            else f"{stage_label(m.stage)} is a final stage."
        )


class BoardView(QScrollArea):
    deal_dropped = Signal(str, int, str)
    deal_activated = Signal(str)

    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("pipelineBoard")
        self.setWidgetResizable(True)
        inner = QWidget()
        row = QHBoxLayout(inner)
        row.setContentsMargins(8, 8, 8, 8)
        row.setSpacing(8)
        self.models: dict[str, StageCardsModel] = {}
        self.columns: dict[str, _Column] = {}
        for stage in STAGE_ORDER:
            model = StageCardsModel(session, stage.value)
            model.deal_dropped.connect(self.deal_dropped)
            column = _Column(model)
            column.list.doubleClicked.connect(self._activated)
            self.models[stage.value] = model
            self.columns[stage.value] = column
            row.addWidget(column)
        row.addStretch(1)
        self.setWidget(inner)

    def _activated(self, index: QModelIndex) -> None:
        deal: DealRow | None = index.data(DEAL_ROW_ROLE)
        if deal is not None:
            self.deal_activated.emit(deal.deal_id)

    def load(self, flt: DealFilter, sort: DealSort) -> None:
        # Stage totals of asking price: the whole stage's, so shown only unfiltered.
        totals = (
            {t.stage: t.asking for t in stage_totals(self.session.ws, self.session.viewer)}
            if flt == DealFilter()
            else {}
        )
        for stage, model in self.models.items():
            shown = not flt.stages or stage in flt.stages
            self.columns[stage].setVisible(shown)
            if shown:
                model.load(flt, sort)
                asking = " + ".join(
                    format_short_money(amount, currency)
                    for currency, amount in sorted(totals.get(stage, {}).items())
                    if amount
                )
                self.columns[stage].render_header(asking)

    def selected_deal(self) -> DealRow | None:
        for column in self.columns.values():
            if column.list.hasFocus():
                index = column.list.currentIndex()
                if index.isValid():
                    deal: DealRow | None = index.data(DEAL_ROW_ROLE)
                    return deal
        return None


def allowed_moves(stage: str) -> tuple[str, ...]:
    """The stages the lifecycle lets a deal in ``stage`` move to next."""
    return tuple(t.value for t in allowed_targets(Stage(stage)))
