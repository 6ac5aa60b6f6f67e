"""The open workspace: navigation on the left, one page at a time on the right.

Pages are built the first time they are shown, so opening a large organization pays only
for the pipeline. Pages a role may not see are not offered at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from core.domain.roles import Action
from desktop.pipeline.page import PipelinePage
from desktop.session import DesktopSession

__all__ = ["PAGES", "WorkspaceShell"]

# (key, label)
PAGES: Final = (
    ("overview", "Overview"),
    ("pipeline", "Pipeline"),
    ("funds", "Funds"),
    ("investors", "Investors"),
    ("capital", "Capital calls"),
    ("people", "People"),
    ("audit", "Audit log"),
    ("conflicts", "Conflicts"),
)


def _factories() -> dict[str, Callable[[DesktopSession], QWidget]]:
    # Imported here so that a page's module loads only when the page is first shown.
    def overview(s: DesktopSession) -> QWidget:
        from desktop.charts.overview_page import OverviewPage

        return OverviewPage(s)

    def funds(s: DesktopSession) -> QWidget:
        from desktop.funds.page import FundsPage

        return FundsPage(s)

    def people(s: DesktopSession) -> QWidget:
        from desktop.people.page import PeoplePage

        return PeoplePage(s)

    def investors(s: DesktopSession) -> QWidget:
        from desktop.investors.page import InvestorsPage

        return InvestorsPage(s)

    def capital(s: DesktopSession) -> QWidget:
        from desktop.capital.page import CapitalPage

        return CapitalPage(s)

    def audit(s: DesktopSession) -> QWidget:
        from desktop.audit.page import AuditPage

        return AuditPage(s)

    def conflicts(s: DesktopSession) -> QWidget:
        from desktop.sync.conflicts_page import ConflictsPage

        return ConflictsPage(s)

    def deal(s: DesktopSession) -> QWidget:
        from desktop.deal.page import DealPage

        return DealPage(s)

    return {
        "overview": overview,
        "funds": funds,
        "people": people,
        "investors": investors,
        "capital": capital,
        "audit": audit,
        "conflicts": conflicts,
        "deal": deal,
    }


class WorkspaceShell(QWidget):
    page_changed = Signal(str)

    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspaceShell")
        self.session = session
        viewer = session.viewer
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(170)
        self.nav.setIconSize(QSize(8, 8))
        self.nav.setStyleSheet(
            "QListWidget { background: #1f2a37; color: #dfe6ee; border: none; font-size: 14px; }"
            "QListWidget::item { padding: 9px 14px; }"
            "QListWidget::item:selected { background: #34465c; color: white; }"
        )
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        self._factories = _factories()
        allowed_pages = [key for key, _ in PAGES if self._may_see(key)]
        for key, label in PAGES:
            if key in allowed_pages:
                item = QListWidgetItem(label)
                item.setData(Qt.ItemDataRole.UserRole, key)
                self.nav.addItem(item)
        self.pipeline = PipelinePage(session)
        self.pipeline.open_deal.connect(self.open_deal)
        self._add("pipeline", self.pipeline)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.nav.currentItemChanged.connect(self._nav_changed)
        # An investor opens on its positions; everyone else on the pipeline.
        self.show_page("pipeline" if self._may_see("pipeline") else "overview")
        _ = viewer

    def _may_see(self, key: str) -> bool:
        viewer = self.session.viewer
        if key == "pipeline":  # an LP's officer reads positions, never the deal flow
            scope = viewer.scope
            return scope.whole_org or bool(scope.deals or scope.funds) or not scope.lps
        if key in ("investors", "capital"):
            return not viewer.external or bool(viewer.entitled_lps) or viewer.can(Action.READ_ORG)
        if key in ("funds", "people"):
            return viewer.can(Action.READ_ORG)
        if key == "audit":
            return viewer.can(Action.READ_AUDIT)
        return True

    def _add(self, key: str, page: QWidget) -> None:
        self.pages[key] = page
        self.stack.addWidget(page)

    def page(self, key: str) -> QWidget:
        page = self.pages.get(key)
        if page is None:
            page = self._factories[key](self.session)
            if key == "deal":
                page.back_requested.connect(lambda: self.show_page("pipeline"))  # type: ignore[attr-defined]
            if hasattr(page, "open_deal"):
                page.open_deal.connect(self.open_deal)
            self._add(key, page)
        return page

    def current_key(self) -> str:
        current = self.stack.currentWidget()
        return next((k for k, p in self.pages.items() if p is current), "pipeline")

    def show_page(self, key: str) -> QWidget:
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        nav_key = "pipeline" if key == "deal" else key
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == nav_key:
                self.nav.blockSignals(True)
                self.nav.setCurrentRow(row)
                self.nav.blockSignals(False)
        self.page_changed.emit(key)
        return page

    def _nav_changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self.show_page(str(item.data(Qt.ItemDataRole.UserRole)))

    def open_deal(self, deal_id: str) -> None:
        page = self.page("deal")
        page.show_deal(deal_id)  # type: ignore[attr-defined]
        self.show_page("deal")
