"""A fund's called, distributed and unfunded capital over time, as step lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.views.fund_timeline import FundTimeline
from desktop.display import format_money, format_short_money

__all__ = ["SERIES", "FundTimelineChart"]

SERIES = (
    ("called", "Called", QColor("#3f6fd8")),
    ("distributed", "Distributed", QColor("#2e8b57")),
    ("unfunded", "Unfunded", QColor("#e0a030")),
)


class FundTimelineChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fundTimelineChart")
        self.timeline: FundTimeline | None = None
        self.setMinimumHeight(300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(560, 340)

    def set_timeline(self, timeline: FundTimeline | None) -> None:
        self.timeline = timeline
        if timeline is not None and timeline.points:
            last = timeline.points[-1]
            self.setToolTip(
                f"{timeline.fund_name} as of {last.on}: called "
                f"{format_money(last.called, timeline.currency)}, distributed "
                f"{format_money(last.distributed, timeline.currency)}, unfunded "
                f"{format_money(last.unfunded, timeline.currency)}"
            )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        t = self.timeline
        bold = painter.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.1)
        painter.setFont(bold)
        painter.setPen(QColor("#1f2a37"))
        name = t.fund_name if t else "No fund yet"
        painter.drawText(QRectF(12, 8, self.width() - 24, 22), Qt.AlignmentFlag.AlignLeft, name)
        painter.setFont(self.font())
        if t is None or not t.points:
            return
        plot = QRectF(70, 60, self.width() - 90, self.height() - 96)
        dates = [dt.date.fromisoformat(p.on) for p in t.points]
        start, end = dates[0], max(dates[-1], dt.date.today())
        span = max((end - start).days, 1)
        top = max([Decimal(1)] + [max(p.called, p.distributed, p.unfunded) for p in t.points])

        def x(day: dt.date) -> float:
            return plot.left() + plot.width() * (day - start).days / span

        def y(amount: Decimal) -> float:
            return plot.bottom() - plot.height() * float(amount / top)  # pixels, not money

        painter.setPen(QPen(QColor("#e3e8ee"), 1))
        for k in range(5):
            level = top * k / 4
            yy = y(level)
            painter.drawLine(QPointF(plot.left(), yy), QPointF(plot.right(), yy))
            painter.setPen(QColor("#6b7785"))
            painter.drawText(
                QRectF(0, yy - 9, plot.left() - 6, 18),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                format_short_money(level),
            )
            painter.setPen(QPen(QColor("#e3e8ee"), 1))
        painter.setPen(QColor("#6b7785"))
        for year in range(start.year, end.year + 1):
            day = max(dt.date(year, 1, 1), start)
            painter.drawText(
                QRectF(x(day) - 30, plot.bottom() + 4, 60, 18),
                Qt.AlignmentFlag.AlignCenter,
                str(year),
            )
        for key, _label, color in SERIES:
            path = QPainterPath()
            previous: float | None = None
            for day, point in zip(dates, t.points, strict=True):
                value = y(getattr(point, key))
                if previous is None:
                    path.moveTo(x(day), value)
                else:
                    path.lineTo(x(day), previous)
                    path.lineTo(x(day), value)
                previous = value
            if previous is not None:
                path.lineTo(x(end), previous)
            painter.setPen(QPen(color, 2.4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        legend_x = plot.left()
        for _key, label, color in SERIES:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(legend_x, 38, 12, 12), 2, 2)
            painter.setPen(QColor("#3a4654"))
            painter.drawText(
                QRectF(legend_x + 16, 34, 100, 20), Qt.AlignmentFlag.AlignVCenter, label
            )
            legend_x += 110
        painter.end()
