"""The overview: pipeline value by stage, calls overdue, and a fund's figures (paid-in,
distributed, NAV, TVPI, DPI, RVPI, IRR) and capital over time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.ops.changes import Area
from core.views.capital_view import CallLine, list_calls, list_funds
from core.views.fund_performance import fund_performance
from core.views.fund_timeline import fund_timeline
from core.views.pipeline import stage_totals
from desktop.bridge import OpChanges
from desktop.charts.fund_chart import FundTimelineChart
from desktop.charts.pipeline_chart import PipelineValueChart
from desktop.display import format_money, format_short_money
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
        self.kpis = QLabel()
        self.kpis.setObjectName("overviewKpis")
        self.kpis.setWordWrap(True)
        self.kpis.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right = QVBoxLayout()
        right.addLayout(fund_bar)
        right.addWidget(self.kpis)
        right.addWidget(self.fund_chart, 1)
        grid = QGridLayout()
        grid.addWidget(self.pipeline_chart, 0, 0)
        grid.addLayout(right, 0, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addLayout(grid, 1)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self.reload()

    @property
    def investor_view(self) -> bool:
        """An LP's officer: its own positions, fund by fund; no pipeline."""
        return bool(self.session.viewer.entitled_lps)

    def reload(self) -> None:
        viewer = self.session.viewer
        if self.investor_view:
            self._reload_investor()
            return
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
        late = (
            [c for c in list_calls(self.session.ws) if c.state == "overdue"]
            if not viewer.external
            else []
        )
        overdue = (
            f" · <span style='color:#c0504d'>{len(late)} "
            f"{'call' if len(late) == 1 else 'calls'} overdue: "
            + ", ".join(
                f"{format_money(total, currency)} unpaid past due"
                for currency, total in sorted(_by_currency(late).items())
            )
            + "</span>"
            if late
            else ""
        )
        self.headline.setText(
            f"<h2 style='margin:4px 0'>{viewer.org_name}</h2>"
            f"<span style='color:#5a6573'>{open_deals} open deals · "
            f"{format_short_money(open_value, viewer.base_currency)} asking in the pipeline"
            f"</span>{overdue}"
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

    def _reload_investor(self) -> None:
        """The funds the LP invests in, each with its own figures (the replica holds only
        the LP's share of every call, distribution and NAV mark)."""
        viewer = self.session.viewer
        self.pipeline_chart.hide()
        funds = list_funds(self.session.ws)
        self.headline.setText(
            f"<h2 style='margin:4px 0'>{viewer.org_name}</h2>"
            f"<span style='color:#5a6573'>Your positions as an investor: "
            f"{len(funds)} {'fund' if len(funds) == 1 else 'funds'} · read-only, from this "
            "device's copy</span>"
        )
        current = self.fund.currentData()
        self.fund.blockSignals(True)
        self.fund.clear()
        for f in funds:
            self.fund.addItem(f.name, f.fund_id)
        self.fund.setCurrentIndex(max(self.fund.findData(current), 0) if current else 0)
        self.fund.blockSignals(False)
        self._fund_changed()

    def _fund_changed(self) -> None:
        fund_id = self.fund.currentData()
        self.fund_chart.set_timeline(fund_timeline(self.session.ws, fund_id) if fund_id else None)
        self.kpis.setText(_kpis(self.session, fund_id) if fund_id else "")

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


def _by_currency(calls: list[CallLine]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for call in calls:
        totals[call.currency] = totals.get(call.currency, Decimal(0)) + call.overdue
    return totals


def _multiple(value: Decimal | None, missing: str) -> str:
    return missing if value is None else f"{value:.2f}x"


def _kpis(session: DesktopSession, fund_id: str) -> str:
    """The fund's figures today: the same as ``dealos report performance`` prints."""
    today = dt.date.today()
    perf = fund_performance(session.ws, fund_id, as_of=today)
    m, c = perf.metrics, perf.currency
    no_nav = "n/a (no NAV)"
    nav = f"NAV {format_money(m.nav, c)}" if m.nav is not None else "no NAV recorded"
    return (
        f"<b>As of {today.isoformat()}</b> · committed {format_money(m.committed, c)} · "
        f"paid-in {format_money(m.paid_in, c)} · distributed {format_money(m.distributed, c)}"
        f" · {nav}<br>TVPI {_multiple(m.tvpi, no_nav)} · "
        f"DPI {_multiple(m.dpi, 'n/a')} · RVPI {_multiple(m.rvpi, no_nav)} · "
        f"{perf.irr_label} {m.irr.percent()}"
    )
