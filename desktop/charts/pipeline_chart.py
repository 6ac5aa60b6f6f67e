"""Pipeline value by stage: one bar per stage, its asking price total and deal count."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.views.pipeline import StageTotal
from desktop.display import STAGE_COLORS, format_short_money, stage_label

__all__ = ["PipelineValueChart"]


class PipelineValueChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipelineValueChart")
        self.totals: list[StageTotal] = []
        self.currency = "USD"
        self.setMinimumHeight(300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(560, 340)

    def set_totals(self, totals: list[StageTotal], currency: str) -> None:
        self.totals = totals
        self.currency = currency
        tips = [
            f"{stage_label(t.stage)}: {t.deals} deals, "
            f"{format_short_money(t.asking.get(currency, Decimal(0)), currency)}"
            for t in totals
        ]
        self.setToolTip("\n".join(tips))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        title = QRectF(12, 8, self.width() - 24, 22)
        bold = painter.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.1)
        painter.setFont(bold)
        painter.setPen(QColor("#1f2a37"))
        painter.drawText(
            title, Qt.AlignmentFlag.AlignLeft, f"Pipeline value by stage ({self.currency})"
        )
        painter.setFont(self.font())
        if not self.totals:
            return
        values = [t.asking.get(self.currency, Decimal(0)) for t in self.totals]
        top = max(values) or Decimal(1)
        label_w, value_w = 110.0, 150.0
        area_left = 12 + label_w
        area_w = max(10.0, self.width() - area_left - value_w - 12)
        row_h = (self.height() - 44) / len(self.totals)
        for i, (total, value) in enumerate(zip(self.totals, values, strict=True)):
            y = 38 + i * row_h
            bar_h = max(6.0, row_h * 0.62)
            painter.setPen(QColor("#3a4654"))
            painter.drawText(
                QRectF(12, y, label_w - 8, row_h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                stage_label(total.stage),
            )
            width = float(area_w * float(value / top)) if value else 0.0  # pixels, not money
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#edf1f5"))
            painter.drawRoundedRect(QRectF(area_left, y + (row_h - bar_h) / 2, area_w, bar_h), 3, 3)
            painter.setBrush(STAGE_COLORS.get(total.stage, QColor("gray")))
            if width > 0:
                painter.drawRoundedRect(
                    QRectF(area_left, y + (row_h - bar_h) / 2, width, bar_h), 3, 3
                )
            painter.setPen(QColor("#3a4654"))
            painter.drawText(
                QRectF(area_left + area_w + 8, y, value_w, row_h),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"{format_short_money(value)} · {total.deals} deal"
                + ("s" if total.deals != 1 else ""),
            )
        painter.end()
