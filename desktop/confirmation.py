"""Confirming an action that moves money or cannot be taken back.

Issuing a call or a distribution, approving one as the second GP, recording a vote: each
asks first, in one sentence that says exactly what will happen ("Issue the capital call
of 2026-12-06 for Fund I: USD 5,000,000.00 from 110 LPs, due 2026-12-20."). Cancel is
the default button and Escape cancels, so only a deliberate click on the action's own
button goes ahead. The box is window-modal and opened, not executed, so the window keeps
painting and a test can press its buttons.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

__all__ = ["Confirmation", "confirm"]


class Confirmation(QMessageBox):
    """An open confirmation; ``proceed`` is the button that goes ahead."""

    proceed: QPushButton


def confirm(
    parent: QWidget,
    *,
    title: str,
    text: str,
    action: str,
    detail: str = "",
    on_confirm: Callable[[], None],
) -> Confirmation:
    box = Confirmation(parent)
    box.setObjectName("confirmation")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    if detail:
        box.setInformativeText(detail)
    box.proceed = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.proceed.setObjectName("confirmProceed")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.proceed.clicked.connect(on_confirm)
    box.open()
    return box
