"""The first run of an empty data folder: create a local organization, sign in to a
server and enroll this device, sign in as an investor (desktop/investor_sign_in.py), or
load the demo organization."""

from __future__ import annotations

import socket
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.commands.workspace import Workspace
from core.money import CURRENCY_EXPONENTS
from core.onboarding import create_local_org, enroll_device, load_demo
from desktop.background import BackgroundOp
from desktop.investor_sign_in import InvestorSignInCard

__all__ = ["FirstRunPage"]


def _card(title: str, blurb: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("firstRunCard")
    frame.setStyleSheet(
        "#firstRunCard { background: white; border: 1px solid #d5dce4; border-radius: 10px; }"
    )
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(18, 16, 18, 16)
    heading = QLabel(f"<h3 style='margin:0'>{title}</h3>")
    text = QLabel(blurb)
    text.setWordWrap(True)
    text.setStyleSheet("color: #5a6573;")
    layout.addWidget(heading)
    layout.addWidget(text)
    return frame, layout


class FirstRunPage(QWidget):
    opened = Signal(object)  # Workspace

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunPage")
        self.data_dir = data_dir
        self.setStyleSheet("#firstRunPage { background: #f1f4f8; }")

        local, local_layout = _card(
            "Create a local organization",
            "Start offline on this computer. You become its GP and admin; "
            "connect a server whenever you like.",
        )
        self.org_name = QLineEdit()
        self.org_name.setObjectName("orgName")
        self.org_name.setPlaceholderText("Acme Capital")
        self.your_name = QLineEdit()
        self.your_name.setObjectName("yourName")
        self.your_email = QLineEdit()
        self.your_email.setObjectName("yourEmail")
        self.your_email.setPlaceholderText("you@firm.example")
        self.currency = QComboBox()
        self.currency.setObjectName("orgCurrency")
        self.currency.addItems(["USD", *sorted(c for c in CURRENCY_EXPONENTS if c != "USD")])
        form = QFormLayout()
        form.addRow("Organization", self.org_name)
        form.addRow("Your name", self.your_name)
        form.addRow("Your email", self.your_email)
        form.addRow("Base currency", self.currency)
        local_layout.addLayout(form)
        self.create_button = QPushButton("Create organization")
        self.create_button.setObjectName("createOrgButton")
        local_layout.addWidget(self.create_button)

        remote, remote_layout = _card(
            "Sign in to a server",
            "Join your firm's organization: this computer is enrolled as a new device and "
            "its key stays in your keyring.",
        )
        self.server = QLineEdit()
        self.server.setObjectName("serverUrl")
        self.server.setPlaceholderText("https://sync.firm.example")
        self.email = QLineEdit()
        self.email.setObjectName("signInEmail")
        self.password = QLineEdit()
        self.password.setObjectName("signInPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.code = QLineEdit()
        self.code.setObjectName("invitationCode")
        self.code.setPlaceholderText("only the first time: from your invitation email")
        self.device_name = QLineEdit(socket.gethostname())
        self.device_name.setObjectName("deviceName")
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("Invitation code", self.code)
        form.addRow("This device", self.device_name)
        remote_layout.addLayout(form)
        self.sign_in_button = QPushButton("Sign in and enroll")
        self.sign_in_button.setObjectName("signInButton")
        remote_layout.addWidget(self.sign_in_button)

        self.demo_button = QPushButton("Load the demo organization (Harbor Peak Capital)")
        self.demo_button.setObjectName("loadDemoButton")
        self.demo_button.setFlat(True)
        self.demo_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.demo_button.setStyleSheet("color: #3f6fd8; text-decoration: underline;")
        self.message = QLabel()
        self.message.setObjectName("firstRunMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)

        title = QLabel("<h1 style='margin-bottom:0'>Welcome to Deal OS</h1>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        where = QLabel(f"Data folder: {data_dir}")
        where.setAlignment(Qt.AlignmentFlag.AlignCenter)
        where.setStyleSheet("color: #5a6573;")
        cards = QHBoxLayout()
        cards.addStretch(1)
        self.investor = InvestorSignInCard(data_dir)
        self.investor.opened.connect(self.opened.emit)
        for card in (local, remote, self.investor):
            card.setFixedWidth(400)
            cards.addWidget(card)
        cards.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(title)
        outer.addWidget(where)
        outer.addSpacing(16)
        outer.addLayout(cards)
        outer.addSpacing(12)
        outer.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.message)
        outer.addStretch(2)

        self.create_button.clicked.connect(self.create_local)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.demo_button.clicked.connect(self.load_demo)

    def _busy(self, text: str) -> None:
        self.message.setStyleSheet("color: #3f6fd8;")
        self.message.setText(text)
        for b in (self.create_button, self.sign_in_button, self.demo_button):
            b.setEnabled(False)

    def _failed(self, exc: BaseException) -> None:
        for b in (self.create_button, self.sign_in_button, self.demo_button):
            b.setEnabled(True)
        self.message.setStyleSheet("color: #c0504d;")
        message = getattr(exc, "message", None) or str(exc)
        self.message.setText(message)

    def create_local(self) -> None:
        org, name, email = self.org_name.text(), self.your_name.text(), self.your_email.text()
        if not (org.strip() and name.strip() and email.strip()):
            self._failed(ValueError("Give the organization a name, and your name and email."))
            return
        self._busy("Creating the organization…")
        currency = self.currency.currentText()
        BackgroundOp(
            parent=self,
            label="Creating the organization…",
            task=lambda: create_local_org(
                self.data_dir, org_name=org, email=email, display_name=name, base_currency=currency
            ),
        ).success(self.opened.emit).failure(self._failed).run_in_background()

    def sign_in(self) -> None:
        server, email, password = self.server.text(), self.email.text(), self.password.text()
        if not (server.strip() and email.strip() and password):
            self._failed(ValueError("Enter the server address, your email and your password."))
            return
        self._busy(f"Signing in to {server} and enrolling this device…")
        device = self.device_name.text().strip() or socket.gethostname()
        # With an invitation's code, the password typed is the one being chosen.
        code = self.code.text().strip() or None

        def enroll() -> Workspace:
            ws, _report = enroll_device(
                self.data_dir,
                server=server.strip(),
                email=email.strip(),
                password=password,
                device_name=device,
                code=code,
            )
            return ws

        BackgroundOp(parent=self, label="Signing in…", task=enroll).success(
            self.opened.emit
        ).failure(self._failed).run_in_background()

    def load_demo(self) -> None:
        self._busy("Building Harbor Peak Capital through about 1,240 signed ops…")
        BackgroundOp(
            parent=self,
            label="Building the demo organization…",
            task=lambda: load_demo(self.data_dir),
        ).success(self.opened.emit).failure(self._failed).run_in_background()
