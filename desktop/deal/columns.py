"""The columns of the deal page's tables, and the provenance badge."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from core.views.deal_view import ApprovalLine, DocumentLine, FieldLine, HistoryLine
from desktop.display import PROVENANCE_COLORS, file_kind, file_size, format_when
from desktop.records_model import RECORD_ROLE, Column

__all__ = [
    "APPROVAL_COLUMNS",
    "DOCUMENT_COLUMNS",
    "FIELD_COLUMNS",
    "HISTORY_COLUMNS",
    "ProvenanceBadge",
]


def _source(f: FieldLine) -> str:
    if f.source_document is None:
        return ""
    return f.source_document + (f", page {f.source_page}" if f.source_page else "")


FIELD_COLUMNS: list[Column[FieldLine]] = [
    Column("Field", lambda f: f.label),
    Column("Value", lambda f: f.display),
    Column("Provenance", lambda f: f.provenance or ""),
    Column("Source", _source),
]

DOCUMENT_COLUMNS: list[Column[DocumentLine]] = [
    Column("Title", lambda d: d.title or d.filename),
    Column("File", lambda d: d.filename),
    Column("Type", lambda d: file_kind(d.media_type)),
    Column("Size", lambda d: file_size(d.size_bytes), numeric=True),
    Column("SHA-256", lambda d: d.sha256[:16] + "…", tooltip=lambda d: d.sha256),
]

_DECISION_COLORS = {"approve": "#2e8b57", "reject": "#c0504d", "abstain": "#6b7785"}

APPROVAL_COLUMNS: list[Column[ApprovalLine]] = [
    Column("Kind", lambda a: "IC vote" if a.approval_type == "ic_vote" else "Legal sign-off"),
    Column("Decision", lambda a: a.decision, color=lambda a: _DECISION_COLORS.get(a.decision)),
    Column("By", lambda a: a.decided_by),
    Column("Note", lambda a: a.note),
    Column("At version", lambda a: str(a.recorded_version), numeric=True),
]

_STATUS_COLORS = {"pending": "#c77c02", "confirmed": "#2e8b57", "rejected": "#c0504d"}

HISTORY_COLUMNS: list[Column[HistoryLine]] = [
    Column("When", lambda h: format_when(h.issued_at), tooltip=lambda h: h.issued_at),
    Column("Who", lambda h: h.actor),
    Column("What", lambda h: h.summary, tooltip=lambda h: f"{h.kind}: {h.summary}"),
    Column("Device", lambda h: h.device),
    Column(
        "Status",
        lambda h: h.status + (f" #{h.server_seq}" if h.server_seq else ""),
        color=lambda h: _STATUS_COLORS.get(h.status),
    ),
    Column("Op", lambda h: h.op_id[:8], tooltip=lambda h: h.op_id),
]


class ProvenanceBadge(QStyledItemDelegate):
    """Draws the provenance column as a coloured pill: manual, extracted, confirmed."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        record = index.data(RECORD_ROLE)
        provenance = getattr(record, "provenance", None)
        if not provenance:
            super().paint(painter, option, index)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect
        metrics = option.fontMetrics
        width = metrics.horizontalAdvance(provenance) + 16
        pill = QRect(rect.left() + 4, rect.center().y() - 9, width, 18)
        color = QColor(PROVENANCE_COLORS.get(provenance, "#6b7785"))
        painter.setPen(Qt.PenStyle.NoPen)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        # On a selected row the tinted pill vanishes into the highlight: make it opaque.
        fill = QColor("white") if selected else QColor(color)
        fill.setAlpha(235 if selected else 40)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, 9, 9)
        painter.setPen(color)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, provenance)
        painter.restore()
