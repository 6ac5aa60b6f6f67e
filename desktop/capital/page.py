"""Capital calls and distributions: the state of each, its allocations, and the GP's
actions — each disabled with the reason when the role or the call's state forbids it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain.roles import Action
from core.ops.changes import Area
from core.views.capital_view import (
    AllocationLine,
    Approval,
    CallLine,
    DistributionLine,
    call_allocations_of,
    list_calls,
    list_distributions,
    list_funds,
)
from desktop.background import BackgroundOp
from desktop.bridge import OpChanges
from desktop.capital.bank_import import BankImportDialog
from desktop.capital.call_wizard import CallWizard
from desktop.capital.columns import ALLOCATION_COLUMNS, CALL_COLUMNS, DISTRIBUTION_COLUMNS
from desktop.capital.deliveries import DeliveriesDialog
from desktop.capital.distribution_wizard import DistributionWizard
from desktop.capital.investment_source import InvestmentSourceButton
from desktop.capital.page_files import CapitalFiles
from desktop.capital.payment_dialog import PaymentDialog
from desktop.capital.summaries import call_summary, distribution_summary
from desktop.confirmation import Confirmation, confirm
from desktop.display import format_money
from desktop.operations.capital import (
    approve_call,
    approve_distribution,
    delete_call,
    delete_distribution,
    issue_call,
    issue_distribution,
)
from desktop.records_model import RecordsModel
from desktop.session import DesktopSession

__all__ = ["CapitalPage"]


def _table(name: str, model: RecordsModel[Any]) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def _deal_of(line: CallLine | DistributionLine | None) -> str | None:
    return None if line is None else line.deal_id


class CapitalPage(CapitalFiles, QWidget):
    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("capitalPage")
        self.session = session
        viewer = session.viewer
        self.wizard: CallWizard | None = None
        self.distribution_wizard: DistributionWizard | None = None
        self.payment_dialog: PaymentDialog | None = None
        self.confirmation: Confirmation | None = None
        self.fund = QComboBox()
        self.fund.setObjectName("capitalFund")
        self.new_call_button = QPushButton("New capital call…")
        self.new_call_button.setObjectName("newCallButton")
        self.issue_button = QPushButton("Issue call")
        self.issue_button.setObjectName("issueCallButton")
        self.approve_button = QPushButton("Approve call")
        self.approve_button.setObjectName("approveCallButton")
        self.approve_distribution_button = QPushButton("Approve distribution")
        self.approve_distribution_button.setObjectName("approveDistributionButton")
        self.payment_button = QPushButton("Record payment…")
        self.payment_button.setObjectName("recordPaymentButton")
        self.edit_call_button = QPushButton("Change draft…")
        self.edit_call_button.setObjectName("editCallButton")
        self.delete_call_button = QPushButton("Delete draft")
        self.delete_call_button.setObjectName("deleteCallButton")
        self.delete_distribution_button = QPushButton("Delete draft")
        self.delete_distribution_button.setObjectName("deleteDistributionButton")
        self.bank_button = QPushButton("Import bank statement…")
        self.bank_button.setObjectName("importBankButton")
        self.bank_dialog: BankImportDialog | None = None
        self.notice_button = QPushButton("Call notice…")
        self.notice_button.setObjectName("callNoticeButton")
        self.notice_button.setToolTip("Select an issued call and one of its investors")
        self.export_calls_button = QPushButton("Export calls…")
        self.export_calls_button.setObjectName("exportCallsButton")
        self.export_distributions_button = QPushButton("Export distributions…")
        self.export_distributions_button.setObjectName("exportDistributionsButton")
        self.call_source_button = InvestmentSourceButton(
            session, lambda: _deal_of(self.selected_call()), "callInvestmentSource"
        )
        self.distribution_source_button = InvestmentSourceButton(
            session, lambda: _deal_of(self.selected_distribution()), "distributionInvestmentSource"
        )
        self.call_emails_button = QPushButton("Emails…")
        self.call_emails_button.setObjectName("callEmailsButton")
        self.distribution_emails_button = QPushButton("Emails…")
        self.distribution_emails_button.setObjectName("distributionEmailsButton")
        self.deliveries: DeliveriesDialog | None = None
        self.reason = QLabel()
        self.reason.setObjectName("capitalReason")
        self.reason.setStyleSheet("color: #6b7785;")
        self.reason.setWordWrap(True)
        why_draft = viewer.why_not(Action.DRAFT_FINANCIAL, "draft capital calls")
        self.new_call_button.setEnabled(why_draft is None)
        self.new_call_button.setToolTip(why_draft or "Draft a call with an allocation preview")

        self.calls: RecordsModel[CallLine] = RecordsModel(CALL_COLUMNS)
        self.allocations = RecordsModel(ALLOCATION_COLUMNS)
        self.distributions: RecordsModel[DistributionLine] = RecordsModel(DISTRIBUTION_COLUMNS)
        self.calls_view = _table("callsTable", self.calls)
        self.allocations_view = _table("allocationsTable", self.allocations)
        self.distributions_view = _table("distributionsTable", self.distributions)
        header = self.allocations_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for column in (1, 2, 3):
            self.allocations_view.setColumnWidth(column, 160)
        self.issue_distribution_button = QPushButton("Issue distribution")
        self.new_distribution_button = QPushButton("New distribution…")
        self.new_distribution_button.setObjectName("newDistributionButton")
        why_dist = viewer.why_not(Action.DRAFT_FINANCIAL, "draft distributions")
        self.new_distribution_button.setEnabled(why_dist is None)
        self.new_distribution_button.setToolTip(why_dist or "Draft a distribution to the LPs")
        self.issue_distribution_button.setObjectName("issueDistributionButton")

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Fund"))
        bar.addWidget(self.fund, 1)
        bar.addStretch(2)
        # Each tab carries the buttons that act on its own table: a button never acts on
        # a selection the GP cannot see.
        calls_bar = QHBoxLayout()
        calls_bar.addStretch(1)
        for b in (
            self.new_call_button,
            self.edit_call_button,
            self.delete_call_button,
            self.approve_button,
            self.issue_button,
            self.payment_button,
            self.bank_button,
        ):
            calls_bar.addWidget(b)
        calls_tab = QSplitter(Qt.Orientation.Vertical)
        calls_top = QWidget()
        calls_box = QVBoxLayout(calls_top)
        calls_box.setContentsMargins(0, 0, 0, 0)
        calls_box.addLayout(calls_bar)
        calls_box.addWidget(self.calls_view)
        calls_tab.addWidget(calls_top)
        allocations_box = QWidget()
        box = QVBoxLayout(allocations_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.allocations_title = QLabel("Select a call to see each LP's allocation")
        allocations_bar = QHBoxLayout()
        allocations_bar.addWidget(self.allocations_title, 1)
        allocations_bar.addWidget(self.call_source_button)
        allocations_bar.addWidget(self.notice_button)
        allocations_bar.addWidget(self.call_emails_button)
        allocations_bar.addWidget(self.export_calls_button)
        box.addLayout(allocations_bar)
        box.addWidget(self.allocations_view)
        calls_tab.addWidget(allocations_box)
        calls_tab.setSizes([320, 320])
        dist_tab = QWidget()
        dist_layout = QVBoxLayout(dist_tab)
        dist_layout.addWidget(self.distributions_view)
        dist_bar = QHBoxLayout()
        dist_bar.addWidget(self.export_distributions_button)
        dist_bar.addWidget(self.distribution_emails_button)
        dist_bar.addWidget(self.distribution_source_button)
        dist_bar.addStretch(1)
        dist_bar.addWidget(self.new_distribution_button)
        dist_bar.addWidget(self.delete_distribution_button)
        dist_bar.addWidget(self.approve_distribution_button)
        dist_bar.addWidget(self.issue_distribution_button)
        dist_layout.addLayout(dist_bar)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("capitalTabs")
        self.tabs.addTab(calls_tab, "Capital calls")
        self.tabs.addTab(dist_tab, "Distributions")
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.reason)
        layout.addWidget(self.tabs, 1)

        self.fund.currentIndexChanged.connect(self.reload)
        self.calls_view.selectionModel().selectionChanged.connect(self._selected)
        self.distributions_view.selectionModel().selectionChanged.connect(self._gate)
        self.new_call_button.clicked.connect(self.new_call)
        self.issue_button.clicked.connect(self.issue_selected)
        self.approve_button.clicked.connect(self.approve_selected)
        self.approve_distribution_button.clicked.connect(self.approve_selected_distribution)
        self.payment_button.clicked.connect(self.record_payment)
        self.issue_distribution_button.clicked.connect(self.issue_selected_distribution)
        self.new_distribution_button.clicked.connect(self.new_distribution)
        self.notice_button.clicked.connect(lambda: self.save_notice())
        self.bank_button.clicked.connect(lambda: self.import_statement())
        why_bank = viewer.why_not(Action.ISSUE_FINANCIAL, "record payments")
        self.bank_button.setEnabled(why_bank is None)
        self.bank_button.setToolTip(
            why_bank or "Match a bank statement (CSV) to the calls' unpaid shares, review, record"
        )
        self.call_emails_button.clicked.connect(lambda: self.show_emails("call"))
        self.distribution_emails_button.clicked.connect(lambda: self.show_emails("distribution"))
        self.export_calls_button.clicked.connect(lambda: self.export("calls"))
        self.export_distributions_button.clicked.connect(lambda: self.export("distributions"))
        self.allocations_view.selectionModel().selectionChanged.connect(self._gate)
        self.edit_call_button.clicked.connect(self.edit_selected)
        self.delete_call_button.clicked.connect(self.delete_selected)
        self.delete_distribution_button.clicked.connect(self.delete_selected_distribution)
        session.bridge.operation_did_execute.connect(self.on_changes)
        if viewer.read_only:  # an LP, an auditor: the money actions are not theirs to see
            for button in (
                self.new_call_button,
                self.edit_call_button,
                self.delete_call_button,
                self.approve_button,
                self.issue_button,
                self.payment_button,
                self.bank_button,
                self.new_distribution_button,
                self.delete_distribution_button,
                self.approve_distribution_button,
                self.issue_distribution_button,
            ):
                button.hide()
        self._fill_funds()
        self.reload()

    def _fill_funds(self) -> None:
        current = self.fund.currentData()
        self.fund.blockSignals(True)
        self.fund.clear()
        self.fund.addItem("All funds", None)
        for f in list_funds(self.session.ws):
            self.fund.addItem(f"{f.name} · {f.investors} LPs", f.fund_id)
        self.fund.setCurrentIndex(max(self.fund.findData(current), 0) if current else 0)
        self.fund.blockSignals(False)

    def reload(self) -> None:
        selected = self.selected_call()
        fund_id = self.fund.currentData()
        self.calls.set_records(list_calls(self.session.ws, fund_id=fund_id))
        self.distributions.set_records(list_distributions(self.session.ws, fund_id=fund_id))
        if selected is not None:
            self.select_call(selected.call_id)
        elif self.calls.records:
            self.calls_view.selectRow(0)
        else:
            self._selected()

    def selected_allocation(self) -> AllocationLine | None:
        rows = self.allocations_view.selectionModel().selectedRows()
        return self.allocations.record(rows[0].row()) if rows else None

    def select_call(self, call_id: str) -> None:
        for row, call in enumerate(self.calls.records):
            if call.call_id == call_id:
                self.calls_view.selectRow(row)
                return

    def selected_call(self) -> CallLine | None:
        rows = self.calls_view.selectionModel().selectedRows()
        return self.calls.record(rows[0].row()) if rows else None

    def selected_distribution(self) -> DistributionLine | None:
        rows = self.distributions_view.selectionModel().selectedRows()
        return self.distributions.record(rows[0].row()) if rows else None

    def _selected(self, *_: QItemSelection) -> None:
        call = self.selected_call()
        if call is None:
            self.allocations.set_records([])
            self.allocations_title.setText("Select a call to see each LP's allocation")
        else:
            lines = call_allocations_of(self.session.ws, call.call_id)
            self.allocations.set_records(lines)
            self.allocations_title.setText(
                f"<b>{len(lines)} LPs</b> · {call.state} · called "
                f"{format_money(call.amount, call.currency)}, paid "
                f"{format_money(call.paid, call.currency)}"
            )
        self._gate()

    def _gate(self, *_: QItemSelection) -> None:
        """Enable what the role and the selected call allow; say why not otherwise."""
        self.call_source_button.refresh()
        self.distribution_source_button.refresh()
        viewer = self.session.viewer
        call = self.selected_call()
        role = viewer.why_not(Action.ISSUE_FINANCIAL, "issue calls and record payments")
        issue_state = None
        pay_state = None
        if call is None:
            issue_state = pay_state = "Select a call first."
        else:
            if call.status != "draft":
                issue_state = "This call is already issued."
            else:
                issue_state = self._issue_blocked(call.approval, "call")
            if call.status != "issued":
                pay_state = "Payments are recorded against issued calls."
            elif call.paid >= call.amount:
                pay_state = "This call is fully paid."
        for button, state in ((self.issue_button, issue_state), (self.payment_button, pay_state)):
            reason = role or state
            button.setEnabled(reason is None)
            button.setToolTip(reason or "")
        self.reason.setText(role or "")
        approve_reason = role or (
            "Select a drafted call." if call is None or call.status != "draft" else None
        )
        if approve_reason is None and call is not None:
            approve_reason = self._approve_blocked(call.approval, "call")
        self.approve_button.setEnabled(approve_reason is None)
        self.approve_button.setToolTip(approve_reason or "Approve this draft as the second GP")
        line = self.selected_allocation()
        notice_reason = (
            "Select an issued call and one of its investors."
            if call is None or call.status != "issued" or line is None
            else None
        )
        self.notice_button.setEnabled(notice_reason is None)
        self.notice_button.setToolTip(notice_reason or "Save this investor's notice as a PDF")
        draft_reason = viewer.why_not(Action.DRAFT_FINANCIAL, "change drafted calls") or (
            "Select a drafted call; an issued call stands."
            if call is None or call.status != "draft"
            else None
        )
        for button, tip in (
            (self.edit_call_button, "Change this draft's amount, basis or dates"),
            (self.delete_call_button, "Delete this draft before it is issued"),
        ):
            button.setEnabled(draft_reason is None)
            button.setToolTip(draft_reason or tip)
        dist = self.selected_distribution()
        dist_reason = viewer.why_not(Action.ISSUE_FINANCIAL, "issue distributions") or (
            "Select a drafted distribution." if dist is None or dist.status != "draft" else None
        )
        approve_dist = dist_reason
        if dist is not None and dist_reason is None:
            dist_reason = self._issue_blocked(dist.approval, "distribution")
            approve_dist = self._approve_blocked(dist.approval, "distribution")
        self.approve_distribution_button.setEnabled(approve_dist is None)
        self.approve_distribution_button.setToolTip(
            approve_dist or "Approve this draft as the second GP"
        )
        self.issue_distribution_button.setEnabled(dist_reason is None)
        self.issue_distribution_button.setToolTip(dist_reason or "")
        delete_dist = viewer.why_not(Action.DRAFT_FINANCIAL, "change drafted distributions") or (
            "Select a drafted distribution; an issued distribution stands."
            if dist is None or dist.status != "draft"
            else None
        )
        self.delete_distribution_button.setEnabled(delete_dist is None)
        self.delete_distribution_button.setToolTip(
            delete_dist or "Delete this draft before it is issued"
        )
        self._gate_emails()

    def _issue_blocked(self, approval: Approval, what: str) -> str | None:
        """Why the four-eyes control stops this user issuing the draft, if it does."""
        if not approval.needed:
            return None
        if approval.approved_by_id is None:
            return (
                f"This {what} is above the fund's four-eyes threshold: a second GP must "
                "approve it before it is issued."
            )
        if approval.approved_by_id == self.session.ws.user_id:
            return f"You approved this {what}; another GP must issue it."
        return None

    def _approve_blocked(self, approval: Approval, what: str) -> str | None:
        if approval.approved_by is not None:
            return f"This {what} is already {approval.summary}."
        if approval.drafted_by_id == self.session.ws.user_id:
            return f"You drafted this {what}; a second GP must approve it."
        if not approval.needed:
            return f"This {what} is within the fund's four-eyes threshold; no approval needed."
        return None

    # -- commands --------------------------------------------------------------------------

    def new_call(self) -> CallWizard | None:
        if not self.new_call_button.isEnabled():
            return None
        self.wizard = CallWizard(self.session, self)
        self.wizard.open()
        return self.wizard

    def new_distribution(self) -> DistributionWizard | None:
        if not self.new_distribution_button.isEnabled():
            return None
        self.distribution_wizard = DistributionWizard(self.session, self)
        self.distribution_wizard.open()
        return self.distribution_wizard

    def _ask(
        self,
        *,
        title: str,
        text: str,
        detail: str,
        action: str,
        run: Callable[[], BackgroundOp[Any]],
    ) -> Confirmation:
        """Ask in one sentence (Cancel the default); on the deliberate click, run the op."""
        self.confirmation = confirm(
            self,
            title=title,
            text=text,
            detail=detail,
            action=action,
            on_confirm=lambda: run().run_in_background(),
        )
        return self.confirmation

    def edit_selected(self) -> CallWizard | None:
        call = self.selected_call()
        if call is None or not self.edit_call_button.isEnabled():
            return None
        self.wizard = CallWizard(self.session, self, draft=call)
        self.wizard.open()
        return self.wizard

    def delete_selected(self) -> Confirmation | None:
        call = self.selected_call()
        if call is None or not self.delete_call_button.isEnabled():
            return None
        return self._ask(
            title="Delete the draft call",
            text=f"Delete the draft of {call_summary(call)}?",
            detail="Its allocations are released; the op log keeps the draft and its deletion.",
            action="Delete draft",
            run=lambda: delete_call(
                parent=self, session=self.session, call_id=call.call_id, base_version=call.version
            ),
        )

    def delete_selected_distribution(self) -> Confirmation | None:
        dist = self.selected_distribution()
        if dist is None or not self.delete_distribution_button.isEnabled():
            return None
        return self._ask(
            title="Delete the draft distribution",
            text=f"Delete the draft of {distribution_summary(self.session.ws, dist)}?",
            detail="The op log keeps the draft and its deletion.",
            action="Delete draft",
            run=lambda: delete_distribution(
                parent=self,
                session=self.session,
                distribution_id=dist.distribution_id,
                base_version=dist.version,
            ),
        )

    def issue_selected(self) -> Confirmation | None:
        call = self.selected_call()
        if call is None or not self.issue_button.isEnabled():
            return None
        return self._ask(
            title="Issue the capital call",
            text=f"Issue {call_summary(call)}?",
            detail="Each LP's notice states its share; an issued call cannot be withdrawn.",
            action="Issue call",
            run=lambda: issue_call(
                parent=self, session=self.session, call_id=call.call_id, base_version=call.version
            ),
        )

    def approve_selected(self) -> Confirmation | None:
        call = self.selected_call()
        if call is None or not self.approve_button.isEnabled():
            return None
        return self._ask(
            title="Approve the capital call",
            text=f"Approve {call_summary(call)}, as the second GP?",
            detail=f"Drafted by {call.approval.drafted_by or 'another GP'}.",
            action="Approve call",
            run=lambda: approve_call(
                parent=self, session=self.session, call_id=call.call_id, base_version=call.version
            ),
        )

    def approve_selected_distribution(self) -> Confirmation | None:
        dist = self.selected_distribution()
        if dist is None or not self.approve_distribution_button.isEnabled():
            return None
        return self._ask(
            title="Approve the distribution",
            text=f"Approve {distribution_summary(self.session.ws, dist)}, as the second GP?",
            detail=f"Drafted by {dist.approval.drafted_by or 'another GP'}.",
            action="Approve distribution",
            run=lambda: approve_distribution(
                parent=self,
                session=self.session,
                distribution_id=dist.distribution_id,
                base_version=dist.version,
            ),
        )

    def record_payment(self) -> PaymentDialog | None:
        call = self.selected_call()
        if call is None or not self.payment_button.isEnabled():
            return None
        self.payment_dialog = PaymentDialog(self.session, call, self)
        self.payment_dialog.open()
        return self.payment_dialog

    def issue_selected_distribution(self) -> Confirmation | None:
        dist = self.selected_distribution()
        if dist is None or not self.issue_distribution_button.isEnabled():
            return None
        return self._ask(
            title="Issue the distribution",
            text=f"Issue {distribution_summary(self.session.ws, dist)}?",
            detail="Each LP's notice states its amount; an issued distribution stands.",
            action="Issue distribution",
            run=lambda: issue_distribution(
                parent=self,
                session=self.session,
                distribution_id=dist.distribution_id,
                base_version=dist.version,
            ),
        )

    def on_changes(self, changes: OpChanges) -> None:
        if changes.touches(
            Area.CALLS,
            Area.DISTRIBUTIONS,
            Area.COMMITMENTS,
            Area.FUNDS,
            Area.TERMS,
            Area.NAV,
            Area.INVESTORS,
        ):
            if changes.touches(Area.FUNDS, Area.TERMS, Area.NAV, Area.COMMITMENTS):
                self._fill_funds()
            self.reload()
