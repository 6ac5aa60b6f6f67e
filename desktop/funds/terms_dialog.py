"""LPA terms: the waterfall a fund's distributions run through, typed as the LPA states
it — percentages as people write them — and recorded as a new version of the terms.

The form shows the version in force and says that saving records the next one; the
versions before stay on record. Each percentage is read where it was typed ("8" or "8 %"
is 8 %); whether the terms hold together (a catch-up above the carry share, …) is the
reducer's rule, and its refusal comes back on the form.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLineEdit, QWidget

from core.ops.field_words import Words
from core.views.fund_admin import FundRecord, lp_records, terms_in_words
from desktop.background import BackgroundOp
from desktop.forms import (
    PERCENT_HINT,
    FieldProblem,
    SetupDialog,
    hint_label,
    percent_shown,
    percent_typed,
    text_typed,
)
from desktop.operations.funds import LpaTerms, set_terms
from desktop.session import DesktopSession

__all__ = ["TermsDialog"]

_RATE_FORM = "must be a percentage from 0 to 100 with at most 4 decimals"


def _combo(name: str, items: tuple[tuple[str, str], ...], current: str | None) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    for label, value in items:
        box.addItem(label, value)
    if current is not None:
        box.setCurrentIndex(max(box.findData(current), 0))
    return box


def _percent(name: str, placeholder: str, value: Any) -> QLineEdit:
    edit = QLineEdit(percent_shown(value))
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(PERCENT_HINT)
    return edit


class TermsDialog(SetupDialog):
    words: ClassVar[Words] = {
        "entity_id": "The fund",
        "base_version": "The fund",
        "payload": "The terms",
        "payload.style": "Waterfall",
        "payload.preferred_return": "Preferred return",
        "payload.preferred_return#form": _RATE_FORM,
        "payload.compounding": "Compounding",
        "payload.carried_interest": "Carried interest",
        "payload.carried_interest#form": _RATE_FORM,
        "payload.catch_up": "GP catch-up",
        "payload.catch_up#form": _RATE_FORM,
        "payload.apportionment": "Apportioned by",
        "payload.gp_name": "GP name",
        "payload.gp_commitment_lp_id": "GP commitment held by",
        "payload.withholding_rate": "Withholding",
        "payload.withholding_rate#form": _RATE_FORM,
        "payload.clawback_tax_rate": "Clawback tax rate",
        "payload.clawback_tax_rate#form": _RATE_FORM,
        "payload.label": "Where the LPA states them",
        "payload.effective_date": "Takes effect",
    }

    def __init__(self, session: DesktopSession, parent: QWidget, fund: FundRecord) -> None:
        held = fund.terms
        next_version = 1 if held is None else held.version + 1
        super().__init__(
            session,
            parent,
            title=f"LPA terms of {fund.name}",
            action=f"Record version {next_version}",
            name="termsDialog",
            intro=(
                "No terms are recorded yet: a waterfall distribution needs them. Saving "
                "records them as version 1."
                if held is None
                else f"In force: {terms_in_words(held)}. Saving records version "
                f"{next_version}; the versions before stay on record."
            ),
        )
        self.setMinimumWidth(620)
        self.fund = fund
        self.waterfall = _combo(
            "termsStyle",
            (
                ("European — whole fund", "european"),
                ("American — deal by deal", "american"),
            ),
            held.style if held else None,
        )
        self.preferred_return = _percent(
            "termsPreferredReturn", "e.g. 8", held.preferred_return if held else None
        )
        self.compounding = _combo(
            "termsCompounding",
            (("Simple", "simple"), ("Compounded", "compound")),
            held.compounding if held else None,
        )
        self.catch_up = _percent(
            "termsCatchUp", "e.g. 100 for a full catch-up; empty for none", held and held.catch_up
        )
        self.carried_interest = _percent(
            "termsCarry", "e.g. 20", held.carried_interest if held else None
        )
        self.apportionment = _combo(
            "termsApportionment",
            (("Contributions (paid-in)", "contributions"), ("Commitments", "commitments")),
            held.apportionment if held else None,
        )
        self.gp_name = QLineEdit(held.gp_name if held else "")
        self.gp_name.setObjectName("termsGpName")
        self.gp_name.setPlaceholderText("who receives the carry, e.g. Pinecrest GP LLC")
        self.gp_lp = QComboBox()
        self.gp_lp.setObjectName("termsGpLp")
        self.gp_lp.addItem("— none —", None)
        for lp in lp_records(session.ws, fund_id=fund.fund_id):
            self.gp_lp.addItem(lp.name, lp.lp_id)
        if held is not None and held.gp_commitment_lp_id:
            self.gp_lp.setCurrentIndex(max(self.gp_lp.findData(held.gp_commitment_lp_id), 0))
        self.withholding = _percent(
            "termsWithholding", "optional, e.g. 15", held and held.withholding_rate
        )
        self.clawback_tax = _percent(
            "termsClawbackTax", "optional, e.g. 40", held and held.clawback_tax_rate
        )
        self.label = QLineEdit(held.label if held else "")
        self.label.setObjectName("termsLabel")
        self.label.setPlaceholderText("optional: e.g. LPA §8")
        f = self.form
        f.addRow("Waterfall", self.waterfall)
        f.addRow("Preferred return", self.preferred_return)
        f.addRow("", hint_label(f"{PERCENT_HINT}; 0 for no hurdle"))
        f.addRow("Compounding", self.compounding)
        f.addRow("GP catch-up", self.catch_up)
        f.addRow("", hint_label("in percent: 100 is a full catch-up; empty for none"))
        f.addRow("Carried interest", self.carried_interest)
        f.addRow("", hint_label(f"{PERCENT_HINT}: 20 is an 80/20 split"))
        f.addRow("Apportioned by", self.apportionment)
        f.addRow("GP name", self.gp_name)
        f.addRow("GP commitment held by", self.gp_lp)
        f.addRow("Withholding", self.withholding)
        f.addRow("", hint_label("of each LP's distribution, in percent; empty for none"))
        f.addRow("Clawback tax rate", self.clawback_tax)
        f.addRow("", hint_label("the LPA's rate for a clawback net of taxes; empty for gross"))
        f.addRow("Where the LPA states them", self.label)
        self.effective = QCheckBox("Takes effect on")
        self.effective.setObjectName("termsEffective")
        self.effective_date = QDateEdit(QDate.currentDate())
        self.effective_date.setObjectName("termsEffectiveDate")
        self.effective_date.setDisplayFormat("yyyy-MM-dd")
        self.effective_date.setCalendarPopup(True)
        self.effective_date.setEnabled(False)
        self.effective.toggled.connect(self.effective_date.setEnabled)
        f.addRow(self.effective, self.effective_date)
        f.addRow(
            "",
            hint_label(
                "an amendment's day: distributions dated before it keep the terms in force "
                "then; unticked, these terms apply from the fund's start"
            ),
        )

    def fill_example(self) -> None:
        """Typical 8 % / full catch-up / 20 % terms: for the screenshot and a first look."""
        self.preferred_return.setText("8")
        self.catch_up.setText("100")
        self.carried_interest.setText("20")
        if not self.gp_name.text():
            self.gp_name.setText(f"{self.fund.name} GP LLC")
        self.label.setText("LPA §8.2")

    def terms(self) -> LpaTerms:
        pref = percent_typed(
            self.preferred_return.text(), "Preferred return", self.preferred_return
        )
        if pref is None:
            raise FieldProblem(
                "Preferred return", "must not be empty: type 0 for none", self.preferred_return
            )
        carry = percent_typed(
            self.carried_interest.text(), "Carried interest", self.carried_interest
        )
        if carry is None:
            raise FieldProblem(
                "Carried interest", "must not be empty: type 0 for none", self.carried_interest
            )
        return LpaTerms(
            style=str(self.waterfall.currentData()),
            preferred_return=pref,
            compounding=str(self.compounding.currentData()),
            carried_interest=carry,
            catch_up=percent_typed(self.catch_up.text(), "GP catch-up", self.catch_up),
            apportionment=str(self.apportionment.currentData()),
            gp_name=text_typed(self.gp_name.text(), "GP name", self.gp_name),
            gp_commitment_lp_id=self.gp_lp.currentData(),
            withholding_rate=percent_typed(
                self.withholding.text(), "Withholding", self.withholding
            ),
            clawback_tax_rate=percent_typed(
                self.clawback_tax.text(), "Clawback tax rate", self.clawback_tax
            ),
            label=self.label.text().strip(),
            effective_date=self.effective_date.date().toPython()  # type: ignore[arg-type]
            if self.effective.isChecked()
            else None,
        )

    def operation(self) -> BackgroundOp[Any]:
        return set_terms(
            parent=self,
            session=self.session,
            fund_id=self.fund.fund_id,
            base_version=self.fund.version,
            terms=self.terms(),
        )
