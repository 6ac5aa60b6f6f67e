"""Transfer a commitment: part of the selected LP's unfunded commitment to a fund passes to
another LP on a day (``commitment.transfer``). The form lists the funds the LP holds a
commitment in with what it could transfer; the reducer is the judge of the amount."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QWidget

from core.ops.field_words import Words
from core.views.fund_admin import LpRecord, fund_records, lp_records, transferable
from desktop.background import BackgroundOp
from desktop.display import format_money
from desktop.forms import FieldProblem, SetupDialog, amount_typed, hint_label
from desktop.operations.investors import transfer_commitment
from desktop.session import DesktopSession

__all__ = ["TransferDialog"]


class TransferDialog(SetupDialog):
    words: ClassVar[Words] = {
        "payload": "The transfer",
        "payload.fund_id": "Fund",
        "payload.from_lp_id": "From",
        "payload.to_lp_id": "To",
        "payload.amount": "Amount",
        "payload.currency": "Fund",
        "payload.effective_date": "Effective on",
        "payload.note": "Note",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, source: LpRecord) -> None:
        super().__init__(
            session,
            parent,
            title=f"Transfer part of {source.name}'s commitment",
            action="Transfer",
            name="transferDialog",
            intro="Unfunded commitment passes to another investor from a day on: later "
            "calls draw on it from them. What was called, paid and distributed stays in "
            f"{source.name}'s capital account.",
        )
        self.source = source
        self.fund = QComboBox()
        self.fund.setObjectName("transferFund")
        funds = {f.fund_id: f for f in fund_records(session.ws)}
        for fund_id, left in transferable(session.ws, source.lp_id).items():
            fund = funds[fund_id]
            self.fund.addItem(
                f"{fund.name} — {format_money(left, fund.currency)} unfunded",
                (fund_id, fund.currency),
            )
        self.target = QComboBox()
        self.target.setObjectName("transferTarget")
        for lp in lp_records(session.ws):
            if lp.lp_id != source.lp_id:
                self.target.addItem(lp.name, lp.lp_id)
        self.amount = QLineEdit()
        self.amount.setObjectName("transferAmount")
        self.amount.setPlaceholderText("e.g. 2000000.00")
        self.on = QDateEdit(QDate.currentDate())
        self.on.setObjectName("transferDate")
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.on.setCalendarPopup(True)
        self.note = QLineEdit()
        self.note.setObjectName("transferNote")
        self.note.setPlaceholderText("optional: e.g. secondary sale agreed 2026-03-30")
        self.form.addRow("Fund", self.fund)
        if self.fund.count() == 0:
            self.form.addRow("", hint_label(f"{source.name} has no commitment to transfer."))
        self.form.addRow("To", self.target)
        if self.target.count() == 0:
            self.form.addRow("", hint_label("Add the investor who receives it first."))
        self.form.addRow("Amount", self.amount)
        self.form.addRow("Effective on", self.on)
        self.form.addRow("Note", self.note)

    def operation(self) -> BackgroundOp[Any]:
        data = self.fund.currentData()
        if not data:
            raise FieldProblem("Fund", f"{self.source.name} has no commitment to transfer")
        target = self.target.currentData()
        if target is None:
            raise FieldProblem("To", "add the investor who receives it first")
        fund_id, currency = data
        return transfer_commitment(
            parent=self,
            session=self.session,
            fund_id=str(fund_id),
            from_lp_id=self.source.lp_id,
            to_lp_id=str(target),
            amount=amount_typed(self.amount.text(), currency, "Amount", self.amount),
            on=self.on.date().toPython(),  # type: ignore[arg-type]
            note=self.note.text().strip(),
        )
