"""The funds page: every fund with its figures (committed, called, paid-in, LPs), and the
selected fund's LPA terms, payment instructions, four-eyes control and NAV marks, in
words. Its buttons set a fund up — each disabled, with the reason, for a role that may
not; the figures come from :mod:`core.views.fund_admin`, the one read model of set-up."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.domain.roles import Action
from core.ops.changes import Area
from core.views.fund_admin import (
    FundRecord,
    four_eyes_in_words,
    fund_records,
    payment_in_words,
    terms_in_words,
)
from desktop.bridge import OpChanges
from desktop.display import format_money
from desktop.documents import FundDocumentDialog
from desktop.forms import SetupDialog
from desktop.funds.fund_dialogs import (
    EditFundDialog,
    FinalCloseDialog,
    FourEyesDialog,
    NavDialog,
    NewFundDialog,
)
from desktop.funds.terms_dialog import TermsDialog
from desktop.records_model import Column, RecordsModel
from desktop.session import DesktopSession

__all__ = ["FUND_COLUMNS", "FundsPage"]

_FundForm = EditFundDialog | TermsDialog | FourEyesDialog | NavDialog | FinalCloseDialog

FUND_COLUMNS: list[Column[FundRecord]] = [
    Column("Fund", lambda f: f.name),
    Column("Currency", lambda f: f.currency),
    Column("Vintage", lambda f: str(f.vintage_year or "—")),
    Column("Committed", lambda f: format_money(f.committed, f.currency), numeric=True),
    Column("Called", lambda f: format_money(f.called, f.currency), numeric=True),
    Column("Paid-in", lambda f: format_money(f.paid_in, f.currency), numeric=True),
    Column("LPs", lambda f: str(f.lps), numeric=True),
    Column("LPA terms", lambda f: f"version {f.terms.version}" if f.terms else "none yet"),
    Column("Final close", lambda f: str(f.final_close) if f.final_close else "open"),
]


def _detail(fund: FundRecord) -> str:
    latest = fund.navs[-1] if fund.navs else None
    nav = (
        "none recorded"
        if latest is None
        else f"{format_money(latest.nav, fund.currency)} as of {latest.as_of}"
        + (f" ({latest.note})" if latest.note else "")
    )
    rows = (
        ("LPA terms", terms_in_words(fund.terms) if fund.terms else "none recorded yet"),
        (
            "Payment instructions",
            payment_in_words(fund.payment)
            if fund.payment
            else "none: call notices print no wire instructions",
        ),
        ("Four-eyes", four_eyes_in_words(fund)),
        ("NAV", nav),
        (
            "Final close",
            f"held on {fund.final_close}: new LPs join only by transfer"
            if fund.final_close
            else "not yet held: the fund takes new commitments",
        ),
    )
    cells = "".join(
        f"<tr><td style='color:#6b7785; padding:3px 14px 3px 0; white-space:nowrap'>{k}</td>"
        f"<td style='padding:3px 0'>{v[:1].upper() + v[1:]}</td></tr>"
        for k, v in rows
    )
    vintage = f", vintage {fund.vintage_year}" if fund.vintage_year else ""
    return (
        f"<h3 style='margin:4px 0'>{fund.name} <span style='color:#6b7785; "
        f"font-weight:normal'>· {fund.currency}{vintage}</span></h3><table>{cells}</table>"
    )


class FundsPage(QWidget):
    def __init__(self, session: DesktopSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fundsPage")
        self.session = session
        self.dialog: SetupDialog | None = None
        self.funds: RecordsModel[FundRecord] = RecordsModel(FUND_COLUMNS)
        self.view = QTableView()
        self.view.setObjectName("fundsTable")
        self.view.setModel(self.funds)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(26)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(170)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 80), (2, 80), (6, 60), (7, 110)):
            self.view.setColumnWidth(column, width)
        self.new_button = self._button("New fund…", "newFundButton", self.new_fund)
        self.edit_button = self._button("Edit…", "editFundButton", self.edit_fund)
        self.terms_button = self._button("LPA terms…", "termsButton", self.edit_terms)
        self.four_eyes_button = self._button("Four-eyes…", "fourEyesButton", self.edit_four_eyes)
        self.nav_button = self._button("Record NAV…", "navButton", self.record_nav)
        self.close_button = self._button("Final close…", "finalCloseButton", self.final_close)
        self.document_button = self._button(
            "Add document…", "fundDocumentButton", self.add_document
        )
        self.document_dialog: FundDocumentDialog | None = None
        self.detail = QLabel()
        self.detail.setObjectName("fundDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty = QLabel(
            "No fund yet. A fund is where LPs commit and calls draw: start with New fund…, "
            "then its LPA terms, then add investors and their commitments on the "
            "Investors page."
        )
        self.empty.setObjectName("fundsEmpty")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #6b7785; padding: 8px 0;")
        bar = QHBoxLayout()
        title = QLabel("<h2 style='margin:0'>Funds</h2>")
        bar.addWidget(title)
        bar.addStretch(1)
        for b in (
            self.new_button,
            self.edit_button,
            self.terms_button,
            self.four_eyes_button,
            self.nav_button,
            self.close_button,
            self.document_button,
        ):
            bar.addWidget(b)
        detail = QWidget()
        box = QVBoxLayout(detail)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.detail)
        box.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(detail)
        split.setSizes([360, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        self.view.selectionModel().selectionChanged.connect(self._selected)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self.reload()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def reload(self) -> None:
        selected = self.selected_fund()
        records = fund_records(self.session.ws)
        self.funds.set_records(records)
        self.empty.setVisible(not records)
        keep = selected.fund_id if selected else None
        rows = [i for i, f in enumerate(records) if f.fund_id == keep]
        if rows or records:
            self.view.selectRow(rows[0] if rows else 0)
        self._selected()

    def select_fund(self, fund_id: str) -> None:
        for row, fund in enumerate(self.funds.records):
            if fund.fund_id == fund_id:
                self.view.selectRow(row)
                return

    def selected_fund(self) -> FundRecord | None:
        rows = self.view.selectionModel().selectedRows()
        return self.funds.record(rows[0].row()) if rows else None

    def _selected(self, *_: QItemSelection) -> None:
        fund = self.selected_fund()
        self.detail.setText("" if fund is None else _detail(fund))
        self._gate()

    def _gate(self) -> None:
        """Enable what the role allows on the selected fund; say why not otherwise."""
        viewer = self.session.viewer
        fund = self.selected_fund()
        none = "Select a fund first."
        gates = (
            (self.new_button, Action.ISSUE_FINANCIAL, "create funds", "Create a fund", False),
            (self.edit_button, Action.ISSUE_FINANCIAL, "change a fund", "Rename the fund or "
             "set the payment instructions its notices print", True),
            (self.terms_button, Action.ISSUE_FINANCIAL, "record LPA terms", "Record a new "
             "version of the fund's waterfall terms", True),
            (self.four_eyes_button, Action.ADMINISTER, "set the four-eyes threshold", "Set "
             "the amount above which a second GP must approve", True),
            (self.nav_button, Action.ISSUE_FINANCIAL, "record a NAV", "Record the fund's net "
             "asset value as of a date", True),
            (self.close_button, Action.ISSUE_FINANCIAL, "hold a final close", "Close the fund "
             "to new commitments", True),
            (self.document_button, Action.EDIT_DEAL, "add documents", "Add a document to the "
             "fund, kept internal or shared with its LPs", True),
        )  # fmt: skip
        for button, action, doing, tip, needs_fund in gates:
            why = viewer.why_not(action, doing)
            if why is None and needs_fund and fund is None:
                why = none
            if why is None and button is self.close_button and fund and fund.final_close:
                why = f"The final close was held on {fund.final_close}."
            button.setEnabled(why is None)
            button.setToolTip(why or tip)

    def _open(self, dialog: SetupDialog) -> SetupDialog:
        self.dialog = dialog
        dialog.submitted.connect(self._submitted)
        dialog.open()
        return dialog

    def _submitted(self, result: object) -> None:
        entity_id = getattr(result, "entity_id", None)
        if isinstance(entity_id, str):
            self.reload()
            self.select_fund(entity_id)

    def new_fund(self) -> SetupDialog | None:
        if not self.new_button.isEnabled():
            return None
        return self._open(NewFundDialog(self.session, self))

    def _for_fund(self, button: QPushButton, form: type[_FundForm]) -> SetupDialog | None:
        fund = self.selected_fund()
        if fund is None or not button.isEnabled():
            return None
        return self._open(form(self.session, self, fund))

    def edit_fund(self) -> SetupDialog | None:
        return self._for_fund(self.edit_button, EditFundDialog)

    def edit_terms(self) -> SetupDialog | None:
        return self._for_fund(self.terms_button, TermsDialog)

    def edit_four_eyes(self) -> SetupDialog | None:
        return self._for_fund(self.four_eyes_button, FourEyesDialog)

    def record_nav(self) -> SetupDialog | None:
        return self._for_fund(self.nav_button, NavDialog)

    def final_close(self) -> SetupDialog | None:
        return self._for_fund(self.close_button, FinalCloseDialog)

    def add_document(self) -> FundDocumentDialog | None:
        fund = self.selected_fund()
        if fund is None or not self.document_button.isEnabled():
            return None
        self.document_dialog = FundDocumentDialog(self.session, fund.fund_id, fund.name, self)
        self.document_dialog.open()
        return self.document_dialog

    def on_changes(self, changes: OpChanges) -> None:
        if changes.touches(
            Area.FUNDS, Area.TERMS, Area.NAV, Area.COMMITMENTS, Area.CALLS, Area.INVESTORS
        ):
            self.reload()
        elif changes.touches(Area.PEOPLE):  # roles may have changed: what is allowed, too
            self._gate()
