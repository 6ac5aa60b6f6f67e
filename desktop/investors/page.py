"""The investors page: every LP with its totals; the selected LP's contacts, commitments
and a capital account per fund (committed, called, paid, outstanding, unfunded,
distributed). Its buttons add and edit investors, record commitments and import both from
a spreadsheet — each disabled, with the reason, for a role that may not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain.roles import Action
from core.ops.changes import Area
from core.views.fund_admin import lp_record
from core.views.investor_sheet import write_template
from core.views.investors_view import (
    CapitalAccount,
    CommitmentLine,
    ContactLine,
    LpLine,
    list_investors,
    lp_detail,
)
from desktop.background import BackgroundOp
from desktop.bridge import OpChanges
from desktop.capital.documents import save_export
from desktop.display import format_money, format_totals
from desktop.error_dialogs import show_error
from desktop.forms import SetupDialog
from desktop.investors.import_dialog import ImportDialog
from desktop.investors.lp_dialog import CommitmentDialog, LpDialog
from desktop.investors.statements import StatementDialog, save_statement
from desktop.investors.transfer_dialog import TransferDialog
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
        self.dialog: SetupDialog | QDialog | None = None
        self.add_button = self._button("Add investor…", "addLpButton", self.add_lp)
        self.edit_button = self._button("Edit…", "editLpButton", self.edit_lp)
        self.commitment_button = self._button(
            "Add commitment…", "addCommitmentButton", self.add_commitment
        )
        self.transfer_button = self._button("Transfer…", "transferButton", self.transfer_commitment)
        self.import_button = self._button(
            "Import from spreadsheet…", "importLpsButton", self.import_lps
        )
        self.template_button = self._button(
            "Save template…", "saveTemplateButton", self.save_template
        )
        self.statement_button = self._button(
            "Statement…", "statementButton", lambda: self.ask_statement()
        )
        self.export_button = self._button(
            "Export capital accounts…", "exportAccountsButton", lambda: self.export_accounts()
        )
        self.export_button.setToolTip(
            "Every LP's capital account in every fund as of today, as XLSX or CSV"
        )
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
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.statement_button)
        box.addLayout(heading)
        box.addWidget(self.tabs)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.lp_view)
        split.addWidget(detail)
        split.setSizes([480, 260])
        self.count = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        for b in (
            self.add_button,
            self.edit_button,
            self.commitment_button,
            self.transfer_button,
            self.import_button,
            self.template_button,
            self.export_button,
        ):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.notice = QLabel()
        self.notice.setObjectName("investorsNotice")
        self.notice.setStyleSheet("color: #2e7d4f;")
        foot = QHBoxLayout()
        foot.addWidget(self.count)
        foot.addStretch(1)
        foot.addWidget(self.notice)
        layout.addLayout(foot)
        self.search.textChanged.connect(self.reload)
        self.lp_view.selectionModel().selectionChanged.connect(self._selected)
        session.bridge.operation_did_execute.connect(self.on_changes)
        self.reload()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

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
        self._gate()
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

    def _gate(self) -> None:
        """Enable what the role allows; say why not otherwise."""
        viewer = self.session.viewer
        chosen = None if self.selected_lp() is not None else "Select an investor first."
        for button, action, doing, tip, needs_lp in (
            (self.add_button, Action.DRAFT_FINANCIAL, "add investors", "Add an LP with its "
             "contacts", False),
            (self.edit_button, Action.DRAFT_FINANCIAL, "change investors", "Change the "
             "selected LP's name or contacts", True),
            (self.commitment_button, Action.ISSUE_FINANCIAL, "record commitments", "Record "
             "an LP's commitment to a fund", False),
            (self.transfer_button, Action.ISSUE_FINANCIAL, "transfer commitments", "Pass part "
             "of the selected LP's unfunded commitment to another LP", True),
            (self.import_button, Action.DRAFT_FINANCIAL, "import investors", "Add LPs and "
             "commitments from an XLSX or CSV file, all or nothing", False),
        ):  # fmt: skip
            why = viewer.why_not(action, doing) or (chosen if needs_lp else None)
            button.setEnabled(why is None)
            button.setToolTip(why or tip)
        self.template_button.setToolTip("Write an empty import sheet (XLSX or CSV)")
        # The whole register is the GP's: an external reader exports nothing.
        self.export_button.setEnabled(not viewer.external)
        lp = self.selected_lp()
        self.statement_button.setEnabled(lp is not None and lp.funds > 0)
        self.statement_button.setToolTip(
            "Save this investor's capital account statement for a quarter or a year (PDF)"
            if lp is not None and lp.funds > 0
            else "Select an investor with a commitment to a fund."
        )

    def ask_statement(self) -> StatementDialog | None:
        lp = self.selected_lp()
        if lp is None or not self.statement_button.isEnabled():
            return None
        detail = lp_detail(self.session.ws, self.session.viewer, lp.lp_id)
        dialog = StatementDialog(detail.name, detail.accounts, self)
        dialog.accepted.connect(
            lambda: self.save_statement(str(dialog.fund.currentData()), dialog.period.currentText())
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def export_accounts(self, out: Path | None = None) -> BackgroundOp[Path] | None:
        """Every LP's capital account as of today: the ``dealos export capital-accounts``
        file."""
        if not self.export_button.isEnabled():
            return None
        if out is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export capital accounts", "capital-accounts.xlsx",
                "Excel (*.xlsx);;CSV (*.csv)",
            )  # fmt: skip
            out = Path(chosen) if chosen else None
        if out is None:
            return None
        op = save_export(
            parent=self, session=self.session, kind="capital-accounts", fund_id=None, out=out
        )
        op.success(lambda path: self.notice.setText(f"Exported capital accounts to {path.name}."))
        op.run_in_background()
        return op

    def save_statement(
        self, fund_id: str, period: str, out: Path | None = None
    ) -> BackgroundOp[Path] | None:
        """The selected LP's statement in ``fund_id`` for ``period`` (``2026Q3``), as PDF."""
        lp = self.selected_lp()
        if lp is None:
            return None
        if out is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save the statement", f"statement-{period}.pdf", "PDF (*.pdf)"
            )
            out = Path(chosen) if chosen else None
        if out is None:
            return None
        op = save_statement(
            parent=self,
            session=self.session,
            lp_id=lp.lp_id,
            fund_id=fund_id,
            period=period,
            out=out,
        )
        op.success(lambda path: self.notice.setText(f"Saved the statement to {path.name}."))
        op.run_in_background()
        return op

    def _open(self, dialog: SetupDialog | QDialog) -> SetupDialog | QDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def add_lp(self) -> SetupDialog | QDialog | None:
        if not self.add_button.isEnabled():
            return None
        return self._open(LpDialog(self.session, self))

    def edit_lp(self) -> SetupDialog | QDialog | None:
        line = self.selected_lp()
        if line is None or not self.edit_button.isEnabled():
            return None
        held = lp_record(self.session.ws, line.lp_id)
        return None if held is None else self._open(LpDialog(self.session, self, held))

    def add_commitment(self) -> SetupDialog | QDialog | None:
        if not self.commitment_button.isEnabled():
            return None
        line = self.selected_lp()
        return self._open(
            CommitmentDialog(self.session, self, None if line is None else line.lp_id)
        )

    def transfer_commitment(self) -> SetupDialog | QDialog | None:
        line = self.selected_lp()
        if line is None or not self.transfer_button.isEnabled():
            return None
        held = lp_record(self.session.ws, line.lp_id)
        return None if held is None else self._open(TransferDialog(self.session, self, held))

    def import_lps(self) -> SetupDialog | QDialog | None:
        if not self.import_button.isEnabled():
            return None
        dialog = ImportDialog(self.session, self)
        dialog.accepted.connect(lambda: self._imported(dialog))
        return self._open(dialog)

    def _imported(self, dialog: ImportDialog) -> None:
        preview = dialog.preview
        if preview is not None:
            self.notice.setText(f"Imported {preview.file_name}: added {preview.plan.summary()}.")

    def save_template(self) -> QFileDialog:
        """Ask where to write the import template (XLSX, or CSV by its name), then write it."""
        dialog = QFileDialog(
            self, "Save the import template", "investors.xlsx", "Spreadsheets (*.xlsx *.csv)"
        )
        dialog.setObjectName("templateFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
        dialog.fileSelected.connect(lambda chosen: self.write_template(Path(chosen)))
        self.dialog = dialog
        dialog.open()
        return dialog

    def write_template(self, path: Path) -> Path | None:
        try:
            write_template(path)
        except Exception as exc:  # a file that cannot be written: say why, keep the page
            show_error(self, exc)
            return None
        self.notice.setText(
            f"Saved the import template as {path.name}: one row per LP and commitment; "
            "fill it in, then Import from spreadsheet…"
        )
        return path

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
        elif changes.touches(Area.PEOPLE):
            self._gate()
