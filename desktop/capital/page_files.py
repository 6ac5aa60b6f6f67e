"""The capital page's files and mail: a call notice saved as PDF, the calls or distributions
exported to a spreadsheet, a bank statement imported for review, and the emails the server
sent for an issued call or distribution. Mixed into :class:`desktop.capital.page.CapitalPage`,
whose widgets these read."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QPushButton, QWidget

from core.errors import DealOSError
from core.views.capital_view import AllocationLine, CallLine, DistributionLine, list_funds
from desktop.background import BackgroundOp
from desktop.capital.bank_import import BankImportDialog
from desktop.capital.deliveries import DeliveriesDialog, show_deliveries
from desktop.capital.documents import ask_path, save_call_notice, save_export
from desktop.error_dialogs import show_error
from desktop.session import DesktopSession

__all__ = ["CapitalFiles"]


class CapitalFiles:
    """What the capital page writes, reads from disk, or asks the server for."""

    session: DesktopSession
    fund: QComboBox
    reason: QLabel
    bank_button: QPushButton
    bank_dialog: BankImportDialog | None
    call_emails_button: QPushButton
    distribution_emails_button: QPushButton
    deliveries: DeliveriesDialog | None

    def selected_call(self) -> CallLine | None:
        raise NotImplementedError

    def selected_distribution(self) -> DistributionLine | None:
        raise NotImplementedError

    def selected_allocation(self) -> AllocationLine | None:
        raise NotImplementedError

    def _widget(self) -> QWidget:
        assert isinstance(self, QWidget)
        return self

    def save_notice(self, out: Path | None = None) -> BackgroundOp[Path] | None:
        """The selected investor's notice of the selected issued call, as a PDF."""
        call, line = self.selected_call(), self.selected_allocation()
        if call is None or line is None or call.status != "issued":
            return None
        suggested = f"call-notice-{call.call_date}-{line.lp_name}.pdf".replace(" ", "-")
        out = out or ask_path(self._widget(), "Save the call notice", suggested, "PDF (*.pdf)")
        if out is None:
            return None
        op = save_call_notice(
            parent=self._widget(),
            session=self.session,
            call_id=call.call_id,
            lp_id=line.lp_id,
            out=out,
        )
        op.success(lambda path: self.reason.setText(f"Saved the notice to {path.name}."))
        op.run_in_background()
        return op

    def export(self, kind: str, out: Path | None = None) -> BackgroundOp[Path] | None:
        """The fund's calls or distributions (every fund's, with none chosen) as XLSX."""
        fund_id = self.fund.currentData() or None
        if out is None:
            out = ask_path(
                self._widget(),
                "Export to a spreadsheet",
                f"{kind}.xlsx",
                "Excel (*.xlsx);;CSV (*.csv)",
            )
        if out is None:
            return None
        op = save_export(
            parent=self._widget(), session=self.session, kind=kind, fund_id=fund_id, out=out
        )
        op.success(lambda path: self.reason.setText(f"Exported {kind} to {path.name}."))
        op.run_in_background()
        return op

    def import_statement(self, path: Path | None = None) -> BankImportDialog | None:
        """A bank statement's lines matched to unpaid shares, for review, then recorded."""
        if not self.bank_button.isEnabled():
            return None
        fund_id = self.fund.currentData() or None
        funds = list_funds(self.session.ws)
        currencies = sorted({f.currency for f in funds if fund_id is None or f.fund_id == fund_id})
        if len(currencies) != 1:
            self.reason.setText(
                "Choose the fund whose bank account the statement is of."
                if currencies
                else "There is no fund yet, so no call to pay."
            )
            return None
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self._widget(), "Import a bank statement", "", "CSV (*.csv)"
            )
            path = Path(chosen) if chosen else None
        if path is None:
            return None
        try:
            dialog = BankImportDialog(
                self.session, path, currencies[0], fund_id=fund_id, parent=self._widget()
            )
        except DealOSError as exc:
            show_error(self._widget(), exc)
            return None
        self.bank_dialog = dialog
        dialog.open()
        return dialog

    def show_emails(self, which: Literal["call", "distribution"]) -> DeliveriesDialog | None:
        """What became of the emails of the selected issued call or distribution."""
        button = self.call_emails_button if which == "call" else self.distribution_emails_button
        line = self.selected_call() if which == "call" else self.selected_distribution()
        if line is None or not button.isEnabled():
            return None
        self.deliveries = show_deliveries(self._widget(), self.session.ws, line)
        return self.deliveries

    def _gate_emails(self) -> None:
        staff = not self.session.viewer.external
        for button, line, what in (
            (self.call_emails_button, self.selected_call(), "call"),
            (self.distribution_emails_button, self.selected_distribution(), "distribution"),
        ):
            why = (
                "Only the GP's team reads the emails sent to LPs."
                if not staff
                else f"Select an issued {what}: its LPs were emailed when it was issued."
                if line is None or line.status != "issued"
                else None
            )
            button.setEnabled(why is None)
            button.setToolTip(why or f"What became of each LP's email about this {what}")
