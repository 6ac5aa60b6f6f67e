"""The set-up forms' common shape: read what was typed, refuse on the form naming the field
in words, or submit the typed command and close.

A value is read where it was typed — an amount in the fund's currency, a percentage as a
person writes it ("8" or "8 %" is 8 %, held as the fraction ``0.08`` the terms store) —
and a problem stays on the form, in red, as ``Carried interest: 120 % is more than
100 %``. What the form lets through, the typed command and then the reducers still check;
their refusal comes back on the same form in the same words (:mod:`core.ops.field_words`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import OpRejected
from core.money import Money, MoneyError
from core.ops.field_words import Words, in_words, rejection_of
from desktop.background import BackgroundOp
from desktop.error_dialogs import describe
from desktop.session import DesktopSession

__all__ = [
    "PERCENT_HINT",
    "FieldProblem",
    "SetupDialog",
    "amount_typed",
    "hint_label",
    "percent_shown",
    "percent_typed",
    "refusal_text",
    "text_typed",
]

PERCENT_HINT = "in percent: 8 or 8 % means 8 %"


class FieldProblem(ValueError):
    """What was typed into the field ``label`` cannot be what it says; ``widget`` is where
    the cursor goes back to."""

    def __init__(self, label: str, message: str, widget: QWidget | None = None) -> None:
        super().__init__(f"{label}: {message}")
        self.widget = widget


def text_typed(raw: str, label: str, widget: QWidget | None = None) -> str:
    """The text of a field that must not be empty."""
    text = raw.strip()
    if not text:
        raise FieldProblem(label, "must not be empty", widget)
    return text


def amount_typed(
    raw: str, currency: str, label: str, widget: QWidget | None = None, *, zero: bool = False
) -> Money:
    """An amount as typed (``1,000,000.00``, no currency sign) in ``currency``."""
    text = raw.strip().replace(",", "").replace(" ", "")
    if not text:
        raise FieldProblem(label, "must not be empty", widget)
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise FieldProblem(
            label, f"“{raw.strip()}” is not an amount: type digits such as 1000000.00", widget
        )
    try:
        money = Money.parse(text, currency)
    except MoneyError as exc:
        raise FieldProblem(label, str(exc), widget) from None
    if money.amount == 0 and not zero:
        raise FieldProblem(label, "must be more than zero", widget)
    return money


def percent_typed(raw: str, label: str, widget: QWidget | None = None) -> str | None:
    """A percentage as a person types it — ``8``, ``8 %``, ``8.5%`` — as the fraction the
    terms hold (``"0.08"``); None for an empty field."""
    text = raw.strip().removesuffix("%").strip()
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise FieldProblem(
            label, f"“{raw.strip()}” is not a percentage: type 8 or 8 % for 8 %", widget
        )
    if value < 0:
        raise FieldProblem(label, f"{raw.strip()} is below 0 %", widget)
    if value > 100:
        raise FieldProblem(label, f"{_plain(value)} % is more than 100 %", widget)
    fraction = value / 100
    exponent = fraction.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        raise FieldProblem(label, f"{raw.strip()} has more than 4 decimals", widget)
    return _plain(fraction)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def percent_shown(fraction: Decimal | None) -> str:
    """``Decimal("0.08")`` → ``8``: a stored rate as the form shows it."""
    return "" if fraction is None else _plain(fraction * 100)


def refusal_text(exc: BaseException, words: Words) -> str:
    """A refusal of the command or the reducers in the form's words, as one sentence."""
    if isinstance(exc, OpRejected) and exc.code == "version_conflict":
        return "Someone changed this record first: close the form and open it again."
    if isinstance(exc, ValidationError | OpRejected):
        text = in_words(rejection_of(exc), words)
    else:
        _title, text = describe(exc)
    return text[:1].upper() + text[1:]


def hint_label(text: str = "", name: str = "") -> QLabel:
    """A grey line under a field or a form: what to type, or what will happen."""
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setStyleSheet("color: #6b7785;")
    label.setWordWrap(True)
    return label


class SetupDialog(QDialog):
    """A form whose Ok button says its action. A subclass fills :attr:`form` and returns
    the op to run from :meth:`operation`, raising :class:`FieldProblem` for a field it
    refuses; ``words`` name the command's fields for the refusals that come back."""

    submitted = Signal(object)  # the op's result
    words: ClassVar[Words] = {}

    def __init__(
        self,
        session: DesktopSession,
        parent: QWidget,
        *,
        title: str,
        action: str,
        name: str,
        intro: str = "",
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.result_value: Any = None
        self.form = QFormLayout()
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setStyleSheet("color: #c0504d;")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button.setText(action)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if intro:
            layout.addWidget(hint_label(intro, "formIntro"))
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def operation(self) -> BackgroundOp[Any]:
        raise NotImplementedError

    def submit(self) -> None:
        try:
            op = self.operation()
        except FieldProblem as problem:
            self.refuse(str(problem))
            if problem.widget is not None:
                problem.widget.setFocus()
            return
        self.error.clear()
        self.buttons.setEnabled(False)
        op.success(self._done).failure(self._failed).run_in_background()

    def refuse(self, text: str) -> None:
        self.error.setText(text[:1].upper() + text[1:])

    def _done(self, result: object) -> None:
        self.buttons.setEnabled(True)
        self.result_value = result
        self.submitted.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.refuse(refusal_text(exc, self.words))
