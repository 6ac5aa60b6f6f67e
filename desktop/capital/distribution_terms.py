"""The first page of the distribution wizard: fund, amount, basis, date, source and deal,
and the GP's two choices an LP's notice states: recallable, and set off against unpaid calls.

The waterfall basis is offered only when the fund has LPA terms on record; otherwise it
stays in the list, greyed out, with the reason beside it."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWizardPage,
)

from core.views.capital_view import list_funds
from core.views.distribution_view import NO_TERMS, fund_deals, fund_terms_of
from desktop.session import DesktopSession

__all__ = ["BASES", "SOURCES", "DistributionTermsPage"]

BASES = (
    ("Pro rata to paid-in capital", "paid_in"),
    ("Pro rata to commitment", "commitment"),
    ("Through the fund's waterfall (LPA terms)", "waterfall"),
)
SOURCES = (
    ("Income", "income"),
    ("Exit proceeds", "exit"),
    ("Return of capital", "return_of_capital"),
    ("Other", "other"),
)
_WATERFALL = 2


class DistributionTermsPage(QWizardPage):
    def __init__(self, session: DesktopSession) -> None:
        super().__init__()
        self.session = session
        self.setTitle("Distribution — terms")
        self.setSubTitle("How much to distribute, on what basis, from where, and when.")
        self.fund = QComboBox()
        self.fund.setObjectName("distributionFund")
        for fund in list_funds(session.ws):
            self.fund.addItem(f"{fund.name} ({fund.currency})", (fund.fund_id, fund.currency))
        self.amount = QLineEdit()
        self.amount.setObjectName("distributionAmount")
        self.amount.setPlaceholderText("e.g. 2500000.00")
        self.basis = QComboBox()
        self.basis.setObjectName("distributionBasis")
        for label, value in BASES:
            self.basis.addItem(label, value)
        self.basis_reason = QLabel()
        self.basis_reason.setObjectName("waterfallReason")
        self.basis_reason.setWordWrap(True)
        self.basis_reason.setStyleSheet("color: #6b7785;")
        self.date = QDateEdit(QDate.currentDate())
        self.date.setObjectName("distributionDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.source = QComboBox()
        self.source.setObjectName("distributionSource")
        for label, value in SOURCES:
            self.source.addItem(label, value)
        self.deal = QComboBox()
        self.deal.setObjectName("distributionDeal")
        self.note = QLineEdit()
        self.note.setObjectName("distributionNote")
        self.note.setPlaceholderText("e.g. Q3 operating income")
        self.recallable = QCheckBox("Recallable: LPs' amounts add back to their unfunded")
        self.recallable.setObjectName("distributionRecallable")
        self.offset = QCheckBox("Set each LP's amount off against what it owes on past calls")
        self.offset.setObjectName("distributionOffset")
        form = QFormLayout(self)
        form.addRow("Fund", self.fund)
        form.addRow("Amount", self.amount)
        form.addRow("Basis", self.basis)
        form.addRow("", self.basis_reason)
        form.addRow("Distribution date", self.date)
        form.addRow("Source", self.source)
        form.addRow("Deal (optional)", self.deal)
        form.addRow("Note", self.note)
        form.addRow("", self.recallable)
        form.addRow("", self.offset)
        self.amount.textChanged.connect(self.completeChanged)
        self.fund.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def fund_id(self) -> str:
        data = self.fund.currentData()
        return str(data[0]) if data else ""

    def currency(self) -> str:
        data = self.fund.currentData()
        return str(data[1]) if data else ""

    @property
    def waterfall_enabled(self) -> bool:
        model = self.basis.model()
        assert isinstance(model, QStandardItemModel)
        return model.item(_WATERFALL).isEnabled()

    def refresh(self) -> None:
        """Offer the waterfall only with terms on record; list the fund's deals."""
        fund_id = self.fund_id()
        terms = fund_terms_of(self.session.ws, fund_id) if fund_id else None
        model = self.basis.model()
        assert isinstance(model, QStandardItemModel)
        item = model.item(_WATERFALL)
        item.setEnabled(terms is not None)
        reason = terms.describe() if terms else NO_TERMS
        item.setData(reason, Qt.ItemDataRole.ToolTipRole)
        self.basis_reason.setText(
            reason if terms else f"Waterfall is unavailable: {NO_TERMS[0].lower()}{NO_TERMS[1:]}"
        )
        if terms is None and self.basis.currentIndex() == _WATERFALL:
            self.basis.setCurrentIndex(0)
        chosen = self.deal.currentData()
        self.deal.clear()
        self.deal.addItem("— none —", None)
        for deal in fund_deals(self.session.ws, fund_id) if fund_id else ():
            self.deal.addItem(deal.name, deal.deal_id)
        self.deal.setCurrentIndex(max(self.deal.findData(chosen), 0) if chosen else 0)

    def isComplete(self) -> bool:
        return bool(self.amount.text().strip()) and self.fund.count() > 0
