"""Record an LP's payment against an issued call."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from core.commands import OpResult
from core.views.capital_view import CallLine, call_allocations_of
from desktop.display import format_money
from desktop.error_dialogs import show_error
from desktop.operations.capital import record_payment
from desktop.session import DesktopSession

__all__ = ["PaymentDialog"]


class PaymentDialog(QDialog):
    def __init__(self, session: DesktopSession, call: CallLine, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.call = call
        self.setObjectName("paymentDialog")
        self.setWindowTitle("Record a payment")
        self.setMinimumWidth(460)
        self.lp = QComboBox()
        self.lp.setObjectName("paymentLp")
        for a in call_allocations_of(session.ws, call.call_id):
            if a.outstanding > 0:
                owed = format_money(a.outstanding, a.currency)
                self.lp.addItem(f"{a.lp_name} — {owed} outstanding", (a.lp_id, a))
        self.amount = QLineEdit()
        self.amount.setObjectName("paymentAmount")
        self.paid_on = QDateEdit(QDate.currentDate())
        self.paid_on.setObjectName("paymentDate")
        self.paid_on.setDisplayFormat("yyyy-MM-dd")
        self.paid_on.setCalendarPopup(True)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{call.fund_name}</b> · call of {call.call_date} · {call.currency}"))
        form.addRow("Investor", self.lp)
        form.addRow("Amount", self.amount)
        form.addRow("Paid on", self.paid_on)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record payment")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.lp.currentIndexChanged.connect(self._prefill)
        self._prefill()

    def _prefill(self) -> None:
        data = self.lp.currentData()
        if data:
            self.amount.setText(format(data[1].outstanding, "f"))

    def submit(self) -> None:
        data = self.lp.currentData()
        if not data:
            self.reject()
            return
        self.buttons.setEnabled(False)
        record_payment(
            parent=self,
            session=self.session,
            call_id=self.call.call_id,
            base_version=self.call.version,
            lp_id=str(data[0]),
            amount=self.amount.text().strip().replace(",", ""),
            currency=self.call.currency,
            paid_on=self.paid_on.date().toPython(),
        ).success(self._done).failure(self._failed).run_in_background()

    def _done(self, _result: OpResult) -> None:
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        show_error(self, exc)
