"""The overview: pipeline value by stage, and a fund's capital over time."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.ops.changes import Area
from core.views.capital_view import list_funds
from core.views.fund_timeline import fund_timeline
from core.views.pipeline import stage_totals
from desktop.bridge import OpChanges
from desktop.charts.fund_chart import FundTimelineChart
from desktop.charts.pipeline_chart import PipelineValueChart
from desktop.display import format_short_money
from desktop.session import DesktopSession

__all__ = ["OverviewPage"]


class OverviewPage(QWidget):
    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewPage")
        self.session = session
        self.headline = QLabel()
        self.headline.setObjectName("overviewHeadline")
        self.pipeline_chart = PipelineValueChart()
        self.fund_chart = FundTimelineChart()
        self.fund = QComboBox()
        self.fund.setObjectName("overviewFund")
        self.fund.currentIndexChanged.connect(self._fund_changed)
        fund_bar = QHBoxLayout()
        fund_bar.addWidget(QLabel("Fund"))
        fund_bar.addWidget(self.fund, 1)
        right = QVBoxLayout()
        right.addLayout(fund_bar)
        right.addWidget(self.fund_chart, 1)
        grid = QGridLayout()
        grid.addWidget(self.pipeline_chart, 0, 0)
        grid.addLayout(right, 0, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addLayout(grid, 1)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self.reload()

    def reload(self) -> None:
        viewer = self.session.viewer
        totals = stage_totals(self.session.ws, viewer)
        self.pipeline_chart.set_totals(totals, viewer.base_currency)
        open_stages = ("draft", "screening", "underwriting", "ic_review", "approved", "closing")
        open_deals = sum(t.deals for t in totals if t.stage in open_stages)
        open_value = sum(
            (
                t.asking.get(viewer.base_currency, Decimal(0))
                for t in totals
                if t.stage in open_stages
            ),
            Decimal(0),
        )
        self.headline.setText(
            f"<h2 style='margin:4px 0'>{viewer.org_name}</h2>"
            f"<span style='color:#5a6573'>{open_deals} open deals · "
            f"{format_short_money(open_value, viewer.base_currency)} asking in the pipeline</span>"
        )
        current = self.fund.currentData()
        self.fund.blockSignals(True)
        self.fund.clear()
        if not viewer.external:
            for f in list_funds(self.session.ws):
                self.fund.addItem(f.name, f.fund_id)
        self.fund.setCurrentIndex(max(self.fund.findData(current), 0) if current else 0)
        self.fund.blockSignals(False)
        self._fund_changed()

    def _fund_changed(self) -> None:
        fund_id = self.fund.currentData()
        self.fund_chart.set_timeline(fund_timeline(self.session.ws, fund_id) if fund_id else None)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.touches(
            Area.DEALS,
            Area.CALLS,
            Area.DISTRIBUTIONS,
            Area.COMMITMENTS,
            Area.FUNDS,
            Area.TERMS,
            Area.NAV,
        ):
            self.reload()
