"""A fund's set-up forms: a new fund, its name and the wire instructions its notices
print, its four-eyes threshold and a NAV mark. Each refuses on the form, naming the field,
and submits the typed command of its kind."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QLineEdit, QRadioButton, QWidget

from core.money import CURRENCY_EXPONENTS, Money
from core.ops.field_words import Words
from core.views.fund_admin import FundRecord, payment_in_words
from desktop.background import BackgroundOp
from desktop.display import format_money
from desktop.forms import FieldProblem, SetupDialog, amount_typed, hint_label, text_typed
from desktop.operations.funds import (
    BankDetails,
    close_fund,
    create_fund,
    record_nav,
    set_four_eyes,
    update_fund,
)
from desktop.session import DesktopSession

__all__ = ["EditFundDialog", "FourEyesDialog", "NavDialog", "NewFundDialog"]

_BASE: Words = {"entity_id": "The fund", "base_version": "The fund"}


def _line(name: str, placeholder: str = "", text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class NewFundDialog(SetupDialog):
    words: ClassVar[Words] = {
        "payload.name": "Name",
        "payload.currency": "Currency",
        "payload.vintage_year": "Vintage",
    }

    def __init__(self, session: DesktopSession, parent: QWidget) -> None:
        super().__init__(
            session,
            parent,
            title="New fund",
            action="Create fund",
            name="newFundDialog",
            intro="A fund reports in one currency; LPs commit to it and calls draw on it.",
        )
        self.name = _line("fundName", "e.g. Pinecrest Fund I")
        self.currency = QComboBox()
        self.currency.setObjectName("fundCurrency")
        base = session.viewer.base_currency
        self.currency.addItems([base, *sorted(c for c in CURRENCY_EXPONENTS if c != base)])
        self.vintage = _line("fundVintage", "e.g. 2026 (optional)")
        self.form.addRow("Name", self.name)
        self.form.addRow("Currency", self.currency)
        self.form.addRow("Vintage", self.vintage)

    def operation(self) -> BackgroundOp[Any]:
        name = text_typed(self.name.text(), "Name", self.name)
        raw = self.vintage.text().strip()
        vintage = None
        if raw:
            if not raw.isdigit() or len(raw) != 4:
                raise FieldProblem("Vintage", f"“{raw}” is not a year such as 2026", self.vintage)
            vintage = int(raw)
        return create_fund(
            parent=self,
            session=self.session,
            name=name,
            currency=self.currency.currentText(),
            vintage_year=vintage,
        )


class EditFundDialog(SetupDialog):
    words: ClassVar[Words] = {
        **_BASE,
        "payload": "The fund",
        "payload.name": "Name",
        "payload.bank_name": "Bank",
        "payload.account_name": "Account name",
        "payload.account_number": "Account number",
        "payload.account_number#form": "must be 4 to 40 letters, digits, spaces or hyphens",
        "payload.routing": "Routing",
        "payload.routing#form": "must be 4 to 20 letters, digits, spaces or hyphens",
        "payload.swift": "SWIFT/BIC",
        "payload.swift#form": "must be 8 or 11 letters and digits, such as CHASUS33",
        "payload.reference": "Reference",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, fund: FundRecord) -> None:
        super().__init__(
            session,
            parent,
            title=f"Edit {fund.name}",
            action="Save",
            name="editFundDialog",
        )
        self.fund = fund
        held = fund.payment
        self.name = _line("fundName", text=fund.name)
        self.bank_name = _line(
            "bankName", "e.g. First Republic Bank", held.bank_name if held else ""
        )
        self.account_name = _line(
            "accountName", "e.g. Pinecrest Fund I LP", held.account_name if held else ""
        )
        self.account_number = _line(
            "accountNumber", "account number or IBAN", held.account_number if held else ""
        )
        self.routing = _line("routing", "optional: ABA routing or sort code")
        self.swift = _line("swift", "optional: e.g. CHASUS33")
        self.reference = _line("reference", "optional: what LPs quote with a payment")
        if held is not None:
            self.routing.setText(held.routing or "")
            self.swift.setText(held.swift or "")
            self.reference.setText(held.reference or "")
        self.form.addRow("Name", self.name)
        self.form.addRow(
            hint_label(
                "<b>Payment instructions</b> — printed on every call notice, so LPs know "
                "where to wire. "
                + ("Now: " + payment_in_words(held) if held else "None recorded yet.")
            )
        )
        self.form.addRow("Bank", self.bank_name)
        self.form.addRow("Account name", self.account_name)
        self.form.addRow("Account number", self.account_number)
        self.form.addRow("Routing", self.routing)
        self.form.addRow("SWIFT/BIC", self.swift)
        self.form.addRow("Reference", self.reference)

    def _bank(self) -> BankDetails | None:
        typed = {
            "Bank": self.bank_name,
            "Account name": self.account_name,
            "Account number": self.account_number,
        }
        optional = (self.routing, self.swift, self.reference)
        if not any(w.text().strip() for w in (*typed.values(), *optional)):
            return None
        for label, widget in typed.items():
            text_typed(widget.text(), label, widget)

        def opt(edit: QLineEdit, upper: bool = False) -> str | None:
            text = edit.text().strip()
            return (text.upper() if upper else text) or None

        bank = BankDetails(
            bank_name=self.bank_name.text().strip(),
            account_name=self.account_name.text().strip(),
            account_number=self.account_number.text().strip().upper(),
            routing=opt(self.routing, upper=True),
            swift=opt(self.swift, upper=True),
            reference=opt(self.reference),
        )
        held = self.fund.payment
        if (
            held is not None
            and all(
                getattr(held, k) == getattr(bank, k)
                for k in ("bank_name", "account_name", "account_number", "routing", "swift")
            )
            and held.reference == bank.reference
        ):
            return None
        return bank

    def operation(self) -> BackgroundOp[Any]:
        name = text_typed(self.name.text(), "Name", self.name)
        bank = self._bank()
        renamed = name if name != self.fund.name else None
        if renamed is None and bank is None:
            raise FieldProblem(
                "Nothing to save", "the name and the payment instructions are as recorded"
            )
        return update_fund(
            parent=self,
            session=self.session,
            fund_id=self.fund.fund_id,
            base_version=self.fund.version,
            name=renamed,
            bank=bank,
        )


class FourEyesDialog(SetupDialog):
    words: ClassVar[Words] = {
        **_BASE,
        "payload.threshold": "Threshold",
        "payload.currency": "Currency",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, fund: FundRecord) -> None:
        super().__init__(
            session,
            parent,
            title=f"Four-eyes control of {fund.name}",
            action="Set threshold",
            name="fourEyesDialog",
            intro="Above the threshold, a call or a distribution is issued only once a second "
            "GP — not the one who drafted it — has approved it.",
        )
        self.fund = fund
        self.off = QRadioButton("Off — one GP issues calls and distributions alone")
        self.off.setObjectName("fourEyesOff")
        self.every = QRadioButton("Every call and distribution needs a second GP")
        self.every.setObjectName("fourEyesEvery")
        self.above = QRadioButton(f"Above an amount in {fund.currency}:")
        self.above.setObjectName("fourEyesAbove")
        self.threshold = _line("fourEyesThreshold", "e.g. 1000000.00")
        if fund.four_eyes is None:
            self.off.setChecked(True)
        elif fund.four_eyes == 0:
            self.every.setChecked(True)
        else:
            self.above.setChecked(True)
            self.threshold.setText(format(fund.four_eyes, "f"))
        self.form.addRow(self.off)
        self.form.addRow(self.every)
        self.form.addRow(self.above, self.threshold)
        self.threshold.textEdited.connect(lambda _t: self.above.setChecked(True))

    def operation(self) -> BackgroundOp[Any]:
        threshold: Money | None
        if self.off.isChecked():
            threshold = None
        elif self.every.isChecked():
            threshold = Money.zero(self.fund.currency)
        else:
            threshold = amount_typed(
                self.threshold.text(), self.fund.currency, "Threshold", self.threshold
            )
        return set_four_eyes(
            parent=self,
            session=self.session,
            fund_id=self.fund.fund_id,
            base_version=self.fund.version,
            threshold=threshold,
            currency=self.fund.currency,
        )


class NavDialog(SetupDialog):
    words: ClassVar[Words] = {
        **_BASE,
        "payload.as_of": "As of",
        "payload.nav": "NAV",
        "payload.note": "Note",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, fund: FundRecord) -> None:
        super().__init__(
            session,
            parent,
            title=f"Record the NAV of {fund.name}",
            action="Record NAV",
            name="navDialog",
            intro="The fund's net asset value as of a date, as its valuation states it; "
            "the fund's TVPI and RVPI read it.",
        )
        self.fund = fund
        self.as_of = QDateEdit(QDate.currentDate())
        self.as_of.setObjectName("navDate")
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setCalendarPopup(True)
        self.nav = _line("navAmount", f"in {fund.currency}, e.g. 52000000.00")
        self.note = _line("navNote", "optional: e.g. Q3 2026 valuation")
        latest = fund.navs[-1] if fund.navs else None
        self.form.addRow("As of", self.as_of)
        self.form.addRow("NAV", self.nav)
        self.form.addRow("Note", self.note)
        self.form.addRow(
            QLabel(
                "Latest: none recorded"
                if latest is None
                else f"Latest: {format_money(latest.nav, fund.currency)} as of {latest.as_of}"
            )
        )

    def operation(self) -> BackgroundOp[Any]:
        nav = amount_typed(self.nav.text(), self.fund.currency, "NAV", self.nav, zero=True)
        return record_nav(
            parent=self,
            session=self.session,
            fund_id=self.fund.fund_id,
            base_version=self.fund.version,
            as_of=self.as_of.date().toPython(),  # type: ignore[arg-type]
            nav=nav,
            note=self.note.text().strip(),
        )


class FinalCloseDialog(SetupDialog):
    words: ClassVar[Words] = {
        **_BASE,
        "payload.final_close_date": "Final close",
        "payload.note": "Note",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, fund: FundRecord) -> None:
        super().__init__(
            session,
            parent,
            title=f"Final close of {fund.name}",
            action="Hold final close",
            name="finalCloseDialog",
            intro="After the final close no new commitment may be dated later; an LP's "
            "interest then changes hands only by a transfer from an existing LP. It cannot "
            "be undone.",
        )
        self.fund = fund
        self.on = QDateEdit(QDate.currentDate())
        self.on.setObjectName("finalCloseDate")
        self.on.setDisplayFormat("yyyy-MM-dd")
        self.on.setCalendarPopup(True)
        self.note = _line("finalCloseNote", "optional: e.g. final close per LPA §3.2")
        self.form.addRow("Final close", self.on)
        self.form.addRow("Note", self.note)

    def operation(self) -> BackgroundOp[Any]:
        return close_fund(
            parent=self,
            session=self.session,
            fund_id=self.fund.fund_id,
            base_version=self.fund.version,
            on=self.on.date().toPython(),  # type: ignore[arg-type]
            note=self.note.text().strip(),
        )
