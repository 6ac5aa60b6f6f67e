"""Payments from a bank statement, with a review first: each line of the CSV beside the
investor and call it pays (by the notice's payment reference, else by an amount equal to
exactly one unpaid share) or why it is left alone; then every matched payment is recorded
in one transaction, all or none. The same reading and matching as ``dealos payment
import`` (:mod:`core.views.bank_statement`, :mod:`core.views.payment_matching`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.commands import OpResult
from core.views.bank_statement import read_statement
from core.views.call_register import owed_shares, recorded_payments
from core.views.payment_matching import LineMatch, match_statement, payment_steps
from desktop.background import BackgroundOp
from desktop.display import format_money
from desktop.records_model import Column, RecordsModel
from desktop.session import DesktopSession

__all__ = ["BankImportDialog"]

_COLORS = {"matched": "#2e8b57", "recorded": "#6b7785", "unmatched": "#c77c02"}


def _columns(currency: str) -> list[Column[LineMatch]]:
    return [
        Column("Line", lambda m: str(m.line.line_no), numeric=True),
        Column("Date", lambda m: m.line.paid_on.isoformat()),
        Column("Amount", lambda m: format_money(m.line.amount, currency), numeric=True),
        Column("From", lambda m: m.line.who),
        Column("Reference", lambda m: m.line.reference or "—"),
        Column("Result", lambda m: m.reason, color=lambda m: _COLORS.get(m.status)),
    ]


class BankImportDialog(QDialog):
    """Review a statement of ``currency`` (the fund's, or the only one the org has)."""

    def __init__(
        self,
        session: DesktopSession,
        path: Path,
        currency: str,
        *,
        fund_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bankImportDialog")
        self.setWindowTitle(f"Payments from {path.name}")
        self.setMinimumSize(900, 480)
        self.session = session
        self.currency = currency
        ws = session.ws
        lines = read_statement(path, currency=currency, org_id=ws.org_id)
        owed = owed_shares(ws, currency=currency, fund_id=fund_id)
        recorded = recorded_payments(ws, [line.payment_id for line in lines])
        self.matches = match_statement(lines, owed, recorded, currency)
        self.model: RecordsModel[LineMatch] = RecordsModel(_columns(currency))
        self.model.set_records(self.matches)
        table = QTableView()
        table.setObjectName("bankLines")
        table.setModel(self.model)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        matched = [m for m in self.matches if m.status == "matched"]
        before = sum(1 for m in self.matches if m.status == "recorded")
        unmatched = sum(1 for m in self.matches if m.status == "unmatched")
        self.summary = QLabel(
            f"{len(matched)} line(s) match an unpaid share; {unmatched} unmatched (left "
            f"alone); {before} recorded by an earlier import."
        )
        self.summary.setObjectName("bankSummary")
        self.summary.setWordWrap(True)
        self.record_button = QPushButton(f"Record {len(matched)} payment(s)")
        self.record_button.setObjectName("recordBankPayments")
        self.record_button.setEnabled(bool(matched))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.record_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.record_button.clicked.connect(self.record)
        layout = QVBoxLayout(self)
        layout.addWidget(table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.recorded: list[OpResult] = []

    def record(self) -> BackgroundOp[list[OpResult]] | None:
        steps = payment_steps(self.matches, self.currency)
        if not steps:
            return None
        self.record_button.setEnabled(False)
        op = BackgroundOp(
            parent=self,
            label=f"Recording {len(steps)} payments…",
            bridge=self.session.bridge,
            task=lambda: self.session.ws.submit_all(steps),
        )
        op.success(self._done).failure(lambda _e: self.record_button.setEnabled(True))
        op.run_in_background()
        return op

    def _done(self, results: list[OpResult]) -> None:
        self.recorded = results
        self.summary.setText(
            f"Recorded {len(results)} payment(s); the calls and investors show them now."
        )
