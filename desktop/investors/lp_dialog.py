"""An investor's forms: add an LP or change its name and contacts, and record its
commitment to a fund. Each refuses on the form, naming the field (a contact by its row),
and submits the typed command of its kind."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from core.ids import new_id
from core.ops.field_words import Words, plain_rule
from core.ops.payloads.investors import Contact
from core.views.fund_admin import LpRecord, fund_records, lp_records
from desktop.background import BackgroundOp
from desktop.forms import FieldProblem, SetupDialog, amount_typed, hint_label, text_typed
from desktop.operations.investors import ContactEntry, add_commitment, add_lp, update_lp
from desktop.session import DesktopSession

__all__ = ["LP_TYPES", "CommitmentDialog", "LpDialog"]

LP_TYPES = (
    ("Institution", "institution"),
    ("Individual", "individual"),
    ("Family office", "family_office"),
    ("Fund of funds", "fund_of_funds"),
    ("GP", "gp"),
)
_CONTACT_FIELDS = ("Name", "Email", "Phone", "Title")


class LpDialog(SetupDialog):
    """A new LP, or — given ``lp`` — that LP's name and its contacts, all of them."""

    words: ClassVar[Words] = {
        "entity_id": "The investor",
        "base_version": "The investor",
        "payload": "The investor",
        "payload.name": "Name",
        "payload.lp_type": "Type",
        "payload.contacts": "Contacts",
    }

    def __init__(
        self, session: DesktopSession, parent: QWidget, lp: LpRecord | None = None
    ) -> None:
        super().__init__(
            session,
            parent,
            title="Add an investor" if lp is None else f"Edit {lp.name}",
            action="Add investor" if lp is None else "Save",
            name="lpDialog",
            intro="Contacts receive the LP's notices. Leave a row empty to skip it.",
        )
        self.setMinimumWidth(640)
        self.lp = lp
        self.name = QLineEdit(lp.name if lp else "")
        self.name.setObjectName("lpName")
        self.name.setPlaceholderText("the investor's legal name, e.g. Ash Pension Fund")
        self.lp_type = QComboBox()
        self.lp_type.setObjectName("lpType")
        for label, value in LP_TYPES:
            self.lp_type.addItem(label, value)
        if lp is not None:
            self.lp_type.setCurrentIndex(max(self.lp_type.findData(lp.lp_type), 0))
            self.lp_type.setEnabled(False)
            self.lp_type.setToolTip("An LP's type is set when it is added.")
        self.contacts = QTableWidget(0, len(_CONTACT_FIELDS))
        self.contacts.setObjectName("lpContacts")
        self.contacts.setHorizontalHeaderLabels(list(_CONTACT_FIELDS))
        self.contacts.verticalHeader().setVisible(False)
        self.contacts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.contacts.setMinimumHeight(150)
        for c in lp.contacts if lp else ():
            self.add_contact_row(c.name, c.email, c.phone or "", c.title or "", c.contact_id)
        self.add_contact_row()
        self.add_row_button = QPushButton("Add a contact row")
        self.add_row_button.setObjectName("addContactRow")
        self.add_row_button.clicked.connect(lambda: self.add_contact_row())
        self.remove_row_button = QPushButton("Remove the selected contact")
        self.remove_row_button.setObjectName("removeContactRow")
        self.remove_row_button.clicked.connect(self._remove_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_row_button)
        buttons.addWidget(self.remove_row_button)
        buttons.addStretch(1)
        self.form.addRow("Name", self.name)
        self.form.addRow("Type", self.lp_type)
        self.form.addRow("Contacts", self.contacts)
        self.form.addRow("", buttons)
        # Return finishes a contact cell; it must not also submit the form around it.
        for button in (*self.buttons.buttons(), self.add_row_button, self.remove_row_button):
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)

    def add_contact_row(
        self, name: str = "", email: str = "", phone: str = "", title: str = "", cid: str = ""
    ) -> int:
        row = self.contacts.rowCount()
        self.contacts.insertRow(row)
        for column, text in enumerate((name, email, phone, title)):
            item = QTableWidgetItem(text)
            if column == 0:
                item.setData(Qt.ItemDataRole.UserRole, cid or None)
            self.contacts.setItem(row, column, item)
        return row

    def _remove_row(self) -> None:
        row = self.contacts.currentRow()
        if row >= 0:
            self.contacts.removeRow(row)

    def _cell(self, row: int, column: int) -> str:
        item = self.contacts.item(row, column)
        return "" if item is None else item.text().strip()

    def typed_contacts(self) -> list[ContactEntry]:
        """Each row with something typed in it, checked by the contact's own rules."""
        found = []
        for row in range(self.contacts.rowCount()):
            name, email, phone, title = (self._cell(row, c) for c in range(4))
            if not any((name, email, phone, title)):
                continue
            said = f"Contact {row + 1}"
            if not name or not email:
                missing = "name" if not name else "email"
                raise FieldProblem(said, f"the {missing} is empty: a contact needs both")
            item = self.contacts.item(row, 0)
            held = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
            entry = ContactEntry(name, email, phone or None, title or None, held or None)
            try:
                Contact(
                    contact_id=held or new_id(),
                    name=name,
                    email=email,
                    phone=entry.phone,
                    title=entry.title,
                )
            except ValidationError as exc:
                first = exc.errors()[0]
                field = str(first["loc"][0]) if first["loc"] else "email"
                rule = plain_rule(first["msg"].removeprefix("Value error, "))
                if rule.startswith("String should match pattern"):
                    rule = "must be digits, spaces, brackets or hyphens, such as +1 212 555 0100"
                raise FieldProblem(f"{said}, {field}", rule) from None
            found.append(entry)
        return found

    def operation(self) -> BackgroundOp[Any]:
        name = text_typed(self.name.text(), "Name", self.name)
        contacts = self.typed_contacts()
        if self.lp is None:
            return add_lp(
                parent=self,
                session=self.session,
                name=name,
                lp_type=str(self.lp_type.currentData()),
                contacts=contacts,
            )
        held = [
            ContactEntry(c.name, c.email, c.phone, c.title, c.contact_id) for c in self.lp.contacts
        ]
        renamed = name if name != self.lp.name else None
        changed = contacts if contacts != held else None
        if renamed is None and changed is None:
            raise FieldProblem("Nothing to save", "the name and the contacts are as recorded")
        return update_lp(
            parent=self,
            session=self.session,
            lp_id=self.lp.lp_id,
            base_version=self.lp.version,
            name=renamed,
            contacts=changed,
        )


class CommitmentDialog(SetupDialog):
    words: ClassVar[Words] = {
        "payload": "The commitment",
        "payload.fund_id": "Fund",
        "payload.lp_id": "Investor",
        "payload.amount": "Amount",
        "payload.currency": "Fund",
        "payload.committed_on": "Committed on",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, lp_id: str | None) -> None:
        super().__init__(
            session,
            parent,
            title="Add a commitment",
            action="Record commitment",
            name="commitmentDialog",
            intro="What the investor promised to the fund: calls draw on it pro rata.",
        )
        self.investor = QComboBox()
        self.investor.setObjectName("commitmentLp")
        for lp in lp_records(session.ws):
            self.investor.addItem(lp.name, lp.lp_id)
        if lp_id is not None:
            self.investor.setCurrentIndex(max(self.investor.findData(lp_id), 0))
        self.fund = QComboBox()
        self.fund.setObjectName("commitmentFund")
        for f in fund_records(session.ws):
            self.fund.addItem(f"{f.name} ({f.currency})", (f.fund_id, f.currency))
        self.amount = QLineEdit()
        self.amount.setObjectName("commitmentAmount")
        self.committed_on = QDateEdit(QDate.currentDate())
        self.committed_on.setObjectName("commitmentDate")
        self.committed_on.setDisplayFormat("yyyy-MM-dd")
        self.committed_on.setCalendarPopup(True)
        self.form.addRow("Investor", self.investor)
        self.form.addRow("Fund", self.fund)
        if self.fund.count() == 0:
            self.form.addRow("", hint_label("No fund yet: create one on the Funds page first."))
        self.form.addRow("Amount", self.amount)
        self.form.addRow("Committed on", self.committed_on)
        self.fund.currentIndexChanged.connect(self._currency)
        self._currency()

    def _currency(self, *_: object) -> None:
        data = self.fund.currentData()
        currency = data[1] if data else ""
        self.amount.setPlaceholderText(f"in {currency}, e.g. 1000000.00".replace("in , ", ""))

    def operation(self) -> BackgroundOp[Any]:
        lp_id = self.investor.currentData()
        if lp_id is None:
            raise FieldProblem("Investor", "add the investor first")
        data = self.fund.currentData()
        if not data:
            raise FieldProblem("Fund", "create a fund on the Funds page first")
        fund_id, currency = data
        amount = amount_typed(self.amount.text(), currency, "Amount", self.amount)
        return add_commitment(
            parent=self,
            session=self.session,
            fund_id=str(fund_id),
            lp_id=str(lp_id),
            amount=amount,
            committed_on=self.committed_on.date().toPython(),  # type: ignore[arg-type]
        )
