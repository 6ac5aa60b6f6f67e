"""Moving a deal to another stage, from a menu, the board or the deal page.

The menu lists the stages the lifecycle allows next; those the viewer's role may not take
are greyed out with the reason. What must be on record first (an IC vote, a counsel
sign-off, a fund) is for the reducer to check: a refusal comes back with the gate's own
reason and is shown as it is.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMenu,
    QWidget,
)

from core.commands import OpResult
from core.views.capital_view import list_funds
from core.views.deal_view import stage_moves
from desktop.display import stage_label
from desktop.operations.deals import move_deal
from desktop.session import DesktopSession

__all__ = ["REQUIREMENT_LABELS", "FundChoiceDialog", "StageMover"]

REQUIREMENT_LABELS = {
    "ic_approval": "an approving IC vote cast during this IC review",
    "counsel_signoff": "a legal sign-off recorded by counsel",
    "fund_assigned": "a fund to close into",
}


class FundChoiceDialog(QDialog):
    """A deal closes into a fund: which one."""

    def __init__(self, session: DesktopSession, deal_name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("fundChoiceDialog")
        self.setWindowTitle("Close into a fund")
        self.funds = QComboBox()
        self.funds.setObjectName("fundChoice")
        for fund in list_funds(session.ws):
            self.funds.addItem(fund.name, fund.fund_id)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{deal_name}</b> closes into:"))
        form.addRow("Fund", self.funds)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def fund_id(self) -> str | None:
        value = self.funds.currentData()
        return str(value) if value else None


class StageMover(QObject):
    moved = Signal(object)  # OpResult

    def __init__(self, session: DesktopSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.parent_widget = parent
        self._dialog: FundChoiceDialog | None = None

    def menu_for(
        self, *, deal_id: str, name: str, stage: str, version: int, parent: QWidget
    ) -> QMenu:
        menu = QMenu(f"Move “{name}” to", parent)
        menu.setObjectName("stageMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.setToolTipsVisible(True)
        moves = stage_moves(stage, self.session.viewer)
        if not moves:
            action = menu.addAction(f"{stage_label(stage)} is a final stage")
            action.setEnabled(False)
        for move in moves:
            action = menu.addAction(stage_label(move.target))
            action.setObjectName(f"moveTo_{move.target}")
            needs = [REQUIREMENT_LABELS.get(r, r) for r in move.requires]
            if move.refused_because:
                action.setEnabled(False)
                action.setToolTip(move.refused_because)
            elif needs:
                action.setToolTip("Needs " + " and ".join(needs))
            action.triggered.connect(
                lambda _=False, t=move.target: self.move(
                    deal_id=deal_id, name=name, version=version, target=t
                )
            )
        return menu

    def move(self, *, deal_id: str, name: str, version: int, target: str) -> None:
        if target == "closed":
            dialog = FundChoiceDialog(self.session, name, self.parent_widget)
            self._dialog = dialog
            dialog.accepted.connect(lambda: self._run(deal_id, version, target, dialog.fund_id()))
            dialog.open()
            return
        self._run(deal_id, version, target, None)

    def _run(self, deal_id: str, version: int, target: str, fund_id: str | None) -> None:
        op = move_deal(
            parent=self.parent_widget,
            session=self.session,
            deal_id=deal_id,
            base_version=version,
            to=target,
            fund_id=fund_id,
        )
        op.success(self._moved).run_in_background()

    def _moved(self, result: OpResult) -> None:
        self.moved.emit(result)
