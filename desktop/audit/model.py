"""The audit table's model: newest entry first, fetched a page at a time from core."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from core.views.audit_view import AuditFilter, AuditLine, audit_page, count_audit
from desktop.display import format_when
from desktop.session import DesktopSession

__all__ = ["AUDIT_COLUMNS", "AUDIT_ROW_ROLE", "AuditTableModel"]

AUDIT_ROW_ROLE: Final = Qt.ItemDataRole.UserRole + 3
AUDIT_COLUMNS: Final = ("#", "When", "Event", "What", "Who", "Device", "Detail")
_PAGE: Final = 200
Index = QModelIndex | QPersistentModelIndex


class AuditTableModel(QAbstractTableModel):
    def __init__(self, session: DesktopSession) -> None:
        super().__init__()
        self.session = session
        self.filter = AuditFilter()
        self._count = 0
        self._pages: OrderedDict[int, list[AuditLine]] = OrderedDict()
        self.bad_seq: int | None = None
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._pages.clear()
        self._count = count_audit(self.session.ws, self.filter)
        self.endResetModel()

    def set_filter(self, flt: AuditFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.reload()

    def line(self, row: int) -> AuditLine | None:
        if not 0 <= row < self._count:
            return None
        number = row // _PAGE
        page = self._pages.get(number)
        if page is None:
            page = audit_page(self.session.ws, self.filter, offset=number * _PAGE, limit=_PAGE)
            self._pages[number] = page
            while len(self._pages) > 8:
                self._pages.popitem(last=False)
        offset = row % _PAGE
        return page[offset] if offset < len(page) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(AUDIT_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(AUDIT_COLUMNS)
        ):
            return AUDIT_COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(AUDIT_COLUMNS):
            return None
        line = self.line(index.row())
        if line is None:
            return None
        if role == AUDIT_ROW_ROLE:
            return line
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(line.seq),
                format_when(line.at),
                line.event_words,
                line.kind_words,
                line.actor or "",
                line.device or "",
                line.what,
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"entry {line.seq} · hash {line.entry_hash}\nop {line.op_id or '—'}\n{line.detail}"
            )
        if role == Qt.ItemDataRole.ForegroundRole:
            if line.event == "op.refused":
                return QBrush(QColor("#c0504d"))
            if line.event.startswith("conflict."):
                return QBrush(QColor("#c77c02"))
        if role == Qt.ItemDataRole.BackgroundRole and line.seq == self.bad_seq:
            return QBrush(QColor("#fbe3e2"))
        return None
