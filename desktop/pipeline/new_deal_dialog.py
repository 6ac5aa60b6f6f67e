"""New deal: the few fields a deal starts with. Core validates; a refusal keeps the form."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from core.commands import OpResult
from core.domain.roles import Action, allowed
from core.money import CURRENCY_EXPONENTS
from core.views.pipeline import pipeline_facets
from core.views.viewer import list_people
from desktop.operations.deals import create_deal
from desktop.session import DesktopSession

__all__ = ["NewDealDialog"]


class NewDealDialog(QDialog):
    created = Signal(object)  # OpResult

    def __init__(self, session: DesktopSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("newDealDialog")
        self.setWindowTitle("New deal")
        self.setMinimumWidth(420)
        facets = pipeline_facets(session.ws, session.viewer)
        self.name = QLineEdit()
        self.name.setObjectName("dealName")
        self.name.setPlaceholderText("e.g. Riverside Apartments")
        self.currency = QComboBox()
        self.currency.setObjectName("dealCurrency")
        base = session.viewer.base_currency
        self.currency.addItems([base, *sorted(c for c in CURRENCY_EXPONENTS if c != base)])
        self.sponsor = self._editable(facets.sponsors, "dealSponsor")
        self.property_type = self._editable(facets.property_types, "dealPropertyType")
        self.city = QLineEdit()
        self.city.setObjectName("dealCity")
        self.asking_price = QLineEdit()
        self.asking_price.setObjectName("dealAskingPrice")
        self.asking_price.setPlaceholderText("decimal, e.g. 24500000.00")
        self.owner = QComboBox()
        self.owner.setObjectName("dealOwner")
        self.owner.addItem("—", None)
        for person in list_people(session.ws):
            if allowed(person.roles, Action.EDIT_DEAL):
                self.owner.addItem(person.display_name, person.user_id)
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setStyleSheet("color: #c0504d;")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Currency", self.currency)
        form.addRow("Sponsor", self.sponsor)
        form.addRow("Property type", self.property_type)
        form.addRow("City", self.city)
        form.addRow("Asking price", self.asking_price)
        form.addRow("Deal owner", self.owner)
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create deal")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    @staticmethod
    def _editable(values: tuple[str, ...], name: str) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        box.setEditable(True)
        box.addItem("")
        box.addItems(list(values))
        return box

    def submit(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.error.setText("A deal needs a name.")
            return
        self.error.clear()
        fields = {
            "sponsor": self.sponsor.currentText().strip(),
            "property_type": self.property_type.currentText().strip(),
            "city": self.city.text().strip(),
            "asking_price": self.asking_price.text().strip().replace(",", ""),
            "owner_id": self.owner.currentData() or "",
        }
        self.buttons.setEnabled(False)
        op = create_deal(
            parent=self,
            session=self.session,
            name=name,
            currency=self.currency.currentText(),
            fields=fields,
        )
        op.success(self._done).failure(self._refused).run_in_background()

    def _done(self, result: OpResult) -> None:
        self.buttons.setEnabled(True)
        self.created.emit(result)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        message = getattr(exc, "message", None) or str(exc)
        self.error.setText(message[:1].upper() + message[1:])
