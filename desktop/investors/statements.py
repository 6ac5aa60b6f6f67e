"""An LP's capital account statement from the Investors page: the selected investor, one
of its funds and a quarter or a year, saved as the same PDF ``dealos report statement``
writes (a period not yet ended is marked preliminary, as there)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from core.reports import parse_period, write_statement
from core.views.investors_view import CapitalAccount
from desktop.background import BackgroundOp
from desktop.session import DesktopSession

__all__ = ["StatementDialog", "recent_periods", "save_statement"]


def recent_periods(today: dt.date, count: int = 8) -> list[str]:
    """The current quarter and the ones before it, newest first, then this year and last."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        out.append(f"{year}Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return [*out, str(today.year), str(today.year - 1)]


def save_statement(
    *,
    parent: QWidget,
    session: DesktopSession,
    lp_id: str,
    fund_id: str,
    period: str,
    out: Path,
) -> BackgroundOp[Path]:
    def run() -> Path:
        write_statement(session.ws, lp_id, parse_period(period), out, fund_id=fund_id)
        return out

    return BackgroundOp(
        parent=parent, label="Writing the statement…", bridge=session.bridge, task=run
    )


class StatementDialog(QDialog):
    """Which fund and which period; the page asks where to save."""

    def __init__(
        self, name: str, accounts: tuple[CapitalAccount, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statementDialog")
        self.setWindowTitle(f"Capital account statement — {name}")
        self.fund = QComboBox()
        self.fund.setObjectName("statementFund")
        for account in accounts:
            self.fund.addItem(account.fund_name, account.fund_id)
        self.period = QComboBox()
        self.period.setObjectName("statementPeriod")
        self.period.addItems(recent_periods(dt.date.today()))
        self.period.setCurrentIndex(1)  # the last quarter that has ended
        form = QFormLayout(self)
        form.addRow(QLabel("A quarter not yet ended is marked preliminary on the statement."))
        form.addRow("Fund", self.fund)
        form.addRow("Period", self.period)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
