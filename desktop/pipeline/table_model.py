"""The deal table's model: a window onto the pipeline query, never the whole pipeline.

A filter or a sort asks core once for the matching deals' ids, in order (the table's
index: ``rowCount`` is its length) — on a worker thread, so typing in the search box never
waits on SQLite; the newest answer wins. Rows are read a page at a time by id when the
view first paints them, and only a few pages are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from core.views.pipeline import DealFilter, DealRow, DealSort, deal_ids, deals_by_id
from desktop.background import BackgroundOp
from desktop.display import STAGE_COLORS, format_money, stage_label
from desktop.session import DesktopSession

__all__ = ["COLUMNS", "DEAL_ROW_ROLE", "PAGE_SIZE", "PipelineTableModel"]

PAGE_SIZE: Final = 100
_KEEP_PAGES: Final = 12
DEAL_ROW_ROLE: Final = Qt.ItemDataRole.UserRole + 1

# (header, sort column in core)
COLUMNS: Final = (
    ("Deal", "name"),
    ("Stage", "stage"),
    ("Sponsor", "sponsor"),
    ("Property type", "property_type"),
    ("City", "city"),
    ("Asking price", "asking_price"),
    ("Owner", "owner"),
)

Index = QModelIndex | QPersistentModelIndex


class PipelineTableModel(QAbstractTableModel):
    loaded = Signal()  # a filter, sort or refresh has been answered

    def __init__(self, session: DesktopSession) -> None:
        super().__init__()
        self.session = session
        self._generation = 0
        self.loading = False
        self.filter = DealFilter()
        self.sort_by = DealSort()
        self._ids: list[str] = []
        self._pages: OrderedDict[int, list[DealRow]] = OrderedDict()
        self.pages_fetched = 0
        self.reload()

    # -- queries -------------------------------------------------------------------------

    def _query(self) -> list[str]:
        return deal_ids(self.session.ws, self.session.viewer, self.filter, self.sort_by)

    def reload(self) -> None:
        """Now, on this thread: for the first paint, which has nothing to show before it."""
        self._generation += 1
        self._apply(self._query(), keep_view=False)

    def _apply(self, ids: list[str], *, keep_view: bool) -> None:
        self.loading = False
        if keep_view and ids == self._ids:
            self._pages.clear()
            if ids:
                last = self.index(len(ids) - 1, len(COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
        else:
            self.beginResetModel()
            self._pages.clear()
            self._ids = ids
            self.endResetModel()
        self.loaded.emit()

    def _load_in_background(self, *, keep_view: bool) -> None:
        self._generation += 1
        generation = self._generation
        ws, viewer, flt, sort = self.session.ws, self.session.viewer, self.filter, self.sort_by
        self.loading = True

        def answered(ids: list[str]) -> None:
            if generation == self._generation:  # a newer question supersedes this answer
                self._apply(ids, keep_view=keep_view)

        BackgroundOp(
            parent=None, label="Filtering…", task=lambda: deal_ids(ws, viewer, flt, sort)
        ).success(answered).run_in_background()

    def refresh(self) -> None:
        """After a change: same filter and sort, fresh rows; keep the view where it was."""
        self._load_in_background(keep_view=True)

    def set_filter(self, flt: DealFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self._load_in_background(keep_view=False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        wanted = DealSort(COLUMNS[column][1], order == Qt.SortOrder.DescendingOrder)
        if wanted != self.sort_by:
            self.sort_by = wanted
            self._load_in_background(keep_view=False)

    def _page(self, number: int) -> list[DealRow]:
        page = self._pages.get(number)
        if page is None:
            start = number * PAGE_SIZE
            page = deals_by_id(self.session.ws, self._ids[start : start + PAGE_SIZE])
            self.pages_fetched += 1
            self._pages[number] = page
            while len(self._pages) > _KEEP_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page

    def deal_at(self, row: int) -> DealRow | None:
        if not 0 <= row < len(self._ids):
            return None
        page = self._page(row // PAGE_SIZE)
        offset = row % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    # -- the model interface -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][0]
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(COLUMNS):
            return None
        deal = self.deal_at(index.row())
        if deal is None:
            return None
        column = COLUMNS[index.column()][1]
        if role == DEAL_ROW_ROLE:
            return deal
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(deal, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "asking_price":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and column == "stage":
            return STAGE_COLORS.get(deal.stage, QColor("gray"))
        if role == Qt.ItemDataRole.FontRole and column == "name":
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _text(deal: DealRow, column: str) -> str:
        if column == "stage":
            return stage_label(deal.stage)
        if column == "asking_price":
            return format_money(deal.asking_price, deal.currency)
        if column == "owner":
            return deal.owner_name or "—"
        value = getattr(deal, column)
        return "—" if value is None else str(value)
