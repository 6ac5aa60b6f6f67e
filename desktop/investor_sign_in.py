"""The first run's "Sign in as an investor": an LP approves this computer from an email.

The investor types the server's address and their email; the server mails them a link
(:func:`core.onboarding.join_by_email_approval`). The card then says "Check your email and
approve this computer", shows the check code the approval page shows too, and waits —
polling on a worker, with a progress bar and Cancel — until the approval; then the
read-only replica opens (LP mode, on the investor overview). No token is copied by hand.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.commands.workspace import Workspace
from core.onboarding import SignInCancelled, join_by_email_approval
from core.sync.desktop_sign_in_messages import DesktopSignInStarted
from desktop.background import BackgroundOp

__all__ = ["InvestorSignInCard"]

_MUTED = "color: #5a6573;"


class InvestorSignInCard(QFrame):
    """A first-run card: the form, then the wait for the emailed approval."""

    opened = Signal(object)  # Workspace
    _requested = Signal(object)  # DesktopSignInStarted, from the worker

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setObjectName("firstRunCard")
        self.setStyleSheet(
            "#firstRunCard { background: white; border: 1px solid #d5dce4; border-radius: 10px; }"
        )
        self._cancel = threading.Event()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.addWidget(QLabel("<h3 style='margin:0'>Sign in as an investor</h3>"))
        self.pages = QStackedWidget()
        self.pages.addWidget(self._form_page())
        self.pages.addWidget(self._waiting_page())
        layout.addWidget(self.pages)
        self._requested.connect(self._show_code)

    def _form_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        blurb = QLabel(
            "Read your funds on this computer, also offline. We email you a link; "
            "approve this computer there. No password."
        )
        blurb.setWordWrap(True)
        blurb.setStyleSheet(_MUTED)
        self.server = QLineEdit()
        self.server.setObjectName("investorServerUrl")
        self.server.setPlaceholderText("https://sync.firm.example")
        self.email = QLineEdit()
        self.email.setObjectName("investorEmail")
        self.email.setPlaceholderText("you@example.com")
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Email", self.email)
        self.send_button = QPushButton("Email me a sign-in link")
        self.send_button.setObjectName("investorSignInButton")
        self.message = QLabel()
        self.message.setObjectName("investorSignInMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0504d;")
        layout.addWidget(blurb)
        layout.addLayout(form)
        layout.addWidget(self.send_button)
        layout.addWidget(self.message)
        self.send_button.clicked.connect(self.sign_in)
        self.email.returnPressed.connect(self.sign_in)
        return page

    def _waiting_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("<b>Check your email and approve this computer</b>")
        self.heading.setObjectName("investorWaitHeading")
        self.waiting_text = QLabel()
        self.waiting_text.setObjectName("investorWaitText")
        self.waiting_text.setWordWrap(True)
        # The stack is as tall as the form page: room for the sentence's four lines.
        self.waiting_text.setMinimumHeight(5 * self.waiting_text.fontMetrics().lineSpacing())
        self.code = QLabel()
        self.code.setObjectName("investorCheckCode")
        self.code.setStyleSheet("font-size: 20px; font-weight: 600; letter-spacing: 2px;")
        code_note = QLabel("The page you open from the email shows the same check code.")
        code_note.setWordWrap(True)
        code_note.setStyleSheet(_MUTED)
        self.progress = QProgressBar()
        self.progress.setObjectName("investorWaitProgress")
        self.progress.setRange(0, 0)  # busy: no end known
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("investorCancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        for widget in (
            self.heading,
            self.waiting_text,
            self.code,
            code_note,
            self.progress,
            self.cancel_button,
        ):
            layout.addWidget(widget)
        layout.addStretch(1)
        return page

    # -- the flow --------------------------------------------------------------------------

    def sign_in(self) -> None:
        server, email = self.server.text().strip(), self.email.text().strip()
        if not (server and email):
            self.message.setText("Enter the server address and your email.")
            return
        self.message.clear()
        self._cancel = threading.Event()
        cancel = self._cancel
        self.waiting_text.setText(f"Asking {server} to email {email}…")
        self.code.clear()
        self.cancel_button.setEnabled(True)
        self.pages.setCurrentIndex(1)

        def wait() -> Workspace:
            ws, _report = join_by_email_approval(
                self.data_dir,
                server=server,
                email=email,
                device_name=socket.gethostname(),
                on_requested=self._requested.emit,
                cancelled=cancel,
            )
            return ws

        BackgroundOp(parent=self, label="Waiting for your approval…", task=wait).success(
            self.opened.emit
        ).failure(self._failed).run_in_background()

    def _show_code(self, started: DesktopSignInStarted) -> None:
        self.waiting_text.setText(
            f"A sign-in link is on its way to {self.email.text().strip()}. Open it and "
            "press Approve; this computer then opens your investor records. The link "
            "works for 15 minutes."
        )
        self.code.setText(f"Check code: {started.check_code}")

    def cancel(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.waiting_text.setText("Cancelling…")

    def _failed(self, exc: BaseException) -> None:
        self.pages.setCurrentIndex(0)
        if isinstance(exc, SignInCancelled):
            self.message.setStyleSheet(_MUTED)
            self.message.setText("Cancelled: nothing was signed in.")
            return
        self.message.setStyleSheet("color: #c0504d;")
        self.message.setText(getattr(exc, "message", None) or str(exc))
