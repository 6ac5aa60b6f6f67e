"""The emails of an issued call or distribution: one row per LP and address, with what
became of each (sent when, waiting to try again, failed and why), as the server records
them. Asked of the server on a worker; an organization kept only on this machine is told
that notices are emailed once it is attached.

Open it with :func:`show_deliveries` (the capital page's "Emails…" button).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.reports.presentation import long_date
from core.sync.notice_messages import NoticeDeliveries, NoticeDelivery
from core.sync.notice_status import (
    NoticeRef,
    fetch_deliveries,
    moment_text,
    status_text,
    summary_text,
)
from core.views.capital_view import CallLine, DistributionLine
from desktop.background import BackgroundOp
from desktop.records_model import Column, RecordsModel

__all__ = ["DELIVERY_COLUMNS", "DeliveriesDialog", "show_deliveries"]

_STATUS_COLORS = {"sent": "#2e8b57", "queued": "#c77c02", "sending": "#3f6fd8", "failed": "#c0504d"}

_LAST_ERROR_WIDTH = 380


def _status_word(d: NoticeDelivery) -> str:
    """The status in a word or two; its tooltip says when (:func:`status_text`)."""
    if d.status == "queued":
        return "waiting to try again" if d.attempts else "waiting"
    return {"sending": "being sent"}.get(d.status, d.status)


DELIVERY_COLUMNS: list[Column[NoticeDelivery]] = [
    Column("LP", lambda d: d.lp_name),
    Column("Recipient", lambda d: d.recipient or "no address"),
    Column(
        "Status",
        _status_word,
        color=lambda d: _STATUS_COLORS.get(d.status),
        tooltip=status_text,
    ),
    Column("Attempts", lambda d: str(d.attempts), numeric=True),
    Column("Last error", lambda d: d.last_error or "", tooltip=lambda d: d.last_error or ""),
    Column("Sent at", lambda d: moment_text(d.sent_at) if d.sent_at else ""),
]


def _day(iso: str) -> str:
    return long_date(dt.date.fromisoformat(iso))


def _ref(line: CallLine | DistributionLine) -> tuple[NoticeRef, str]:
    if isinstance(line, CallLine):
        return NoticeRef("capital_call", line.call_id), (
            f"{line.fund_name} · capital call of {_day(line.call_date)}"
        )
    return NoticeRef("distribution", line.distribution_id), (
        f"{line.fund_name} · distribution of {_day(line.distribution_date)}"
    )


class DeliveriesDialog(QDialog):
    def __init__(self, parent: QWidget, ws: Workspace, line: CallLine | DistributionLine) -> None:
        super().__init__(parent)
        self.ws = ws
        self.notice, heading = _ref(line)
        self.setObjectName("noticeDeliveries")
        self.setWindowTitle("Emails of the notice")
        self.setMinimumSize(980, 340)
        self.heading = QLabel(f"<b>{heading}</b>")
        self.status = QLabel("Asking the server…")
        self.status.setObjectName("deliveriesStatus")
        self.status.setWordWrap(True)
        self.model: RecordsModel[NoticeDelivery] = RecordsModel(DELIVERY_COLUMNS)
        self.table = QTableView()
        self.table.setObjectName("deliveriesTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.refresh)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.loading: BackgroundOp[NoticeDeliveries] | None = None

    def refresh(self) -> BackgroundOp[NoticeDeliveries]:
        """Ask the server again, on a worker."""
        self.refresh_button.setEnabled(False)
        self.status.setText("Asking the server…")
        notice = self.notice
        self.loading = (
            BackgroundOp(
                parent=self,
                label="Asking the server how the notice's emails went…",
                task=lambda: fetch_deliveries(self.ws, notice),
            )
            .success(self._show)
            .failure(self._failed)
            .run_in_background()
        )
        return self.loading

    def _show(self, deliveries: NoticeDeliveries) -> None:
        self.refresh_button.setEnabled(True)
        self.model.set_records(deliveries.deliveries)
        self.table.resizeColumnsToContents()
        if self.table.columnWidth(4) > _LAST_ERROR_WIDTH:  # the reason wraps; its tooltip is whole
            self.table.setColumnWidth(4, _LAST_ERROR_WIDTH)
        self.table.resizeRowsToContents()
        if deliveries.deliveries:
            self.status.setText(summary_text(deliveries).capitalize() + ".")
        else:
            self.status.setText(
                "No emails for this notice: notices are emailed when they are issued, to "
                "each LP with a share in them."
            )

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.model.set_records([])
        if isinstance(exc, DealOSError):  # no server attached, unreachable, refused
            text = str(exc)
            self.status.setText(text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))
        else:
            self.status.setText("The server's answer could not be read; try Refresh.")


def show_deliveries(
    parent: QWidget, ws: Workspace, call_or_distribution: CallLine | DistributionLine
) -> DeliveriesDialog:
    """Open the dialog for an issued call or distribution and ask the server."""
    dialog = DeliveriesDialog(parent, ws, call_or_distribution)
    dialog.open()
    dialog.refresh()
    return dialog
