"""The investors page: every LP with its totals; the selected LP's contacts, commitments
and a capital account per fund (committed, called, paid, outstanding, unfunded,
distributed)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.ops.changes import Area
from core.views.investors_view import (
    CapitalAccount,
    CommitmentLine,
    ContactLine,
    LpLine,
    list_investors,
    lp_detail,
)
from desktop.bridge import OpChanges
from desktop.display import format_money, format_totals
from desktop.records_model import Column, RecordsModel
from desktop.session import DesktopSession

__all__ = ["InvestorsPage"]

LP_COLUMNS: list[Column[LpLine]] = [
    Column("Investor", lambda lp: lp.name),
    Column("Type", lambda lp: lp.lp_type.replace("_", " ")),
    Column("Funds", lambda lp: str(lp.funds), numeric=True),
    Column("Committed", lambda lp: format_totals(lp.committed), numeric=True),
    Column("Called", lambda lp: format_totals(lp.called), numeric=True),
    Column("Paid", lambda lp: format_totals(lp.paid), numeric=True),
    Column("Unfunded", lambda lp: format_totals(lp.unfunded), numeric=True),
    Column("Distributed", lambda lp: format_totals(lp.distributed), numeric=True),
    Column(
        "Overdue",
        lambda lp: format_totals(lp.overdue) if lp.overdue else "—",
        numeric=True,
        color=lambda lp: "#c0504d" if lp.overdue else None,
    ),
]
CONTACT_COLUMNS: list[Column[ContactLine]] = [
    Column("Name", lambda c: c.name),
    Column("Title", lambda c: c.title or ""),
    Column("Email", lambda c: c.email),
    Column("Phone", lambda c: c.phone or ""),
]
COMMITMENT_COLUMNS: list[Column[CommitmentLine]] = [
    Column("Fund", lambda c: c.fund_name),
    Column("Committed on", lambda c: c.committed_on),
    Column("Amount", lambda c: format_money(c.amount, c.currency), numeric=True),
]
ACCOUNT_COLUMNS: list[Column[CapitalAccount]] = [
    Column("Fund", lambda a: a.fund_name),
    Column("Committed", lambda a: format_money(a.committed, a.currency), numeric=True),
    Column("Called", lambda a: format_money(a.called, a.currency), numeric=True),
    Column("Paid", lambda a: format_money(a.paid, a.currency), numeric=True),
    Column(
        "Outstanding",
        lambda a: format_money(a.outstanding, a.currency),
        numeric=True,
        color=lambda a: "#c77c02" if a.outstanding > 0 else None,
    ),
    Column("Unfunded", lambda a: format_money(a.unfunded, a.currency), numeric=True),
    Column("Distributed", lambda a: format_money(a.distributed, a.currency), numeric=True),
]


def _table(name: str, model: RecordsModel[Any], stretch_first: bool = True) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setDefaultSectionSize(150)
    if stretch_first:
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


class InvestorsPage(QWidget):
    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("investorsPage")
        self.session = session
        self.search = QLineEdit()
        self.search.setObjectName("investorSearch")
        self.search.setPlaceholderText("Search investors…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.lps: RecordsModel[LpLine] = RecordsModel(LP_COLUMNS)
        self.contacts: RecordsModel[ContactLine] = RecordsModel(CONTACT_COLUMNS)
        self.commitments: RecordsModel[CommitmentLine] = RecordsModel(COMMITMENT_COLUMNS)
        self.accounts: RecordsModel[CapitalAccount] = RecordsModel(ACCOUNT_COLUMNS)
        self.lp_view = _table("investorsTable", self.lps)
        self.lp_view.setColumnWidth(1, 110)
        self.lp_view.setColumnWidth(2, 60)
        self.title = QLabel()
        self.title.setObjectName("investorTitle")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("investorTabs")
        self.tabs.addTab(_table("capitalAccounts", self.accounts), "Capital account")
        self.tabs.addTab(_table("commitmentsTable", self.commitments), "Commitments")
        self.tabs.addTab(_table("contactsTable", self.contacts), "Contacts")
        detail = QWidget()
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.title)
        box.addWidget(self.tabs)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.lp_view)
        split.addWidget(detail)
        split.setSizes([480, 260])
        self.count = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(split, 1)
        layout.addWidget(self.count)
        self.search.textChanged.connect(self.reload)
        self.lp_view.selectionModel().selectionChanged.connect(self._selected)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def reload(self) -> None:
        selected = self.selected_lp()
        lines = list_investors(self.session.ws, self.session.viewer, text=self.search.text())
        self.lps.set_records(lines)
        self.count.setText(f"{len(lines)} investors")
        rows = [i for i, lp in enumerate(lines) if selected and lp.lp_id == selected.lp_id]
        if rows or lines:
            self.lp_view.selectRow(rows[0] if rows else 0)
        else:
            self._selected()

    def selected_lp(self) -> LpLine | None:
        rows = self.lp_view.selectionModel().selectedRows()
        return self.lps.record(rows[0].row()) if rows else None

    def _selected(self, *_: QItemSelection) -> None:
        lp = self.selected_lp()
        if lp is None:
            self.title.setText("")
            for model in (self.contacts, self.commitments, self.accounts):
                model.set_records([])
            return
        detail = lp_detail(self.session.ws, self.session.viewer, lp.lp_id)
        self.title.setText(
            f"<h3 style='margin:4px 0'>{detail.name} "
            f"<span style='color:#6b7785; font-weight:normal'>· "
            f"{detail.lp_type.replace('_', ' ')}</span></h3>"
        )
        self.contacts.set_records(detail.contacts)
        self.commitments.set_records(detail.commitments)
        self.accounts.set_records(detail.accounts)

    def on_changes(self, changes: OpChanges) -> None:
        if changes.touches(
            Area.INVESTORS,
            Area.COMMITMENTS,
            Area.CALLS,
            Area.DISTRIBUTIONS,
            Area.FUNDS,
            Area.TERMS,
            Area.NAV,
        ):
            self.reload()
