"""The wizard page both the call and the distribution wizards end their terms on: a per-LP
preview that must sum exactly, saved as a draft when the user presses "Save as draft"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from core.commands import OpResult
from desktop.display import format_money
from desktop.error_dialogs import show_error
from desktop.records_model import RecordsModel

__all__ = ["DraftPreviewPage", "DraftingWizard", "muted_label", "preview_table"]


class DraftingWizard(Protocol):
    def save_draft(self) -> None: ...


def preview_table(name: str, model: RecordsModel[Any]) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setMinimumSectionSize(120)
    table.setAlternatingRowColors(True)
    return table


def muted_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #6b7785;")
    return label


class DraftPreviewPage(QWizardPage):
    """Table, total line and problem line; Next saves the draft once, then moves on."""

    def __init__(self, wizard: DraftingWizard, model: RecordsModel[Any], *, prefix: str) -> None:
        super().__init__()
        self.drafter = wizard
        self.setTitle("Allocation preview")
        self.model = model
        self.table = preview_table(f"{prefix}Table", model)
        self.total = QLabel()
        self.total.setObjectName(f"{prefix}Total")
        self.problem = QLabel()
        self.problem.setObjectName(f"{prefix}Problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0504d;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.problem)
        self.saved: OpResult | None = None
        self.saving = False
        self.problem_text: str | None = "not previewed yet"

    def show_sum(
        self, count: int, total: Decimal, amount: Decimal, currency: str, what: str
    ) -> None:
        mark = "✓ sums exactly" if total == amount else "✗ does not sum"
        self.total.setText(
            f"<b>{count} investors · total {format_money(total, currency)}</b> "
            f"= {what} {format_money(amount, currency)} {mark}"
        )

    def ready(self, problem: str | None) -> None:
        """End of ``initializePage``: show what blocks saving, if anything."""
        self.problem_text = problem
        self.problem.setText(problem or "")
        self.setButtonText(QWizard.WizardButton.NextButton, "Save as draft")
        self.completeChanged.emit()

    def draft_saved(self, result: OpResult) -> None:
        """The draft op was applied: leave the page for the next one."""
        self.saved = result
        self.saving = False
        QTimer.singleShot(0, self.wizard().next)

    def draft_failed(self, exc: BaseException) -> None:
        """The draft was refused: say why and let the user try again."""
        self.saving = False
        self.completeChanged.emit()
        show_error(self.wizard(), exc)

    def isComplete(self) -> bool:
        return self.problem_text is None and not self.saving

    def validatePage(self) -> bool:
        if self.saved is not None:
            return True
        if not self.saving:
            self.saving = True
            self.completeChanged.emit()
            self.drafter.save_draft()
        return False
