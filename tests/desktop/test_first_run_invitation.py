"""First run with an invitation: Sam, invited to Harbor Point Capital as GP analyst, types
the server, his email, the password he chooses and the code from his invitation email
into "Sign in to a server", and the desktop opens on the firm's organization with this
computer enrolled. A wrong code is refused on the form in words."""

from __future__ import annotations

import email
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from live_server import create_org
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from scenes import wait_ops

from core.ids import new_id
from core.onboarding import enroll_device
from core.ops.payloads.access import UserInvitePayload
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from core.sync.status import session_secret_name
from desktop.main_window import MainWindow

PASSWORD = "correct horse battery staple"


def _invitation_code(folder: Path, to: str, timeout: float = 20.0) -> str:
    """The sign-in code of the invitation the server wrote to its mail folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
            message = email.message_from_bytes(path.read_bytes())
            if message["To"] == to:
                body = message.get_payload(decode=True)
                assert isinstance(body, bytes)
                found = re.search(r"--code (\S+)", body.decode())
                assert found is not None
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no invitation to {to}")


def test_an_invited_analyst_signs_in_with_the_code_from_the_first_run_screen(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    live_server: Any,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    settings = live_server.settings.with_(notice_poll_seconds=0.2)
    live_server.stop()
    live_server.settings = settings
    live_server.start()
    maria = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(settings, name="Harbor Point Capital", email=maria, password=PASSWORD)
    ws, _ = enroll_device(
        tmp_path / "maria", server=live_server.url, email=maria, password=PASSWORD,
        device_name="maria laptop",
    )  # fmt: skip
    sam = f"sam+{new_id()[-12:]}@harborpoint.example"
    ws.submit(UserInvitePayload(email=sam, display_name="Sam Okafor", roles=["gp_analyst"]))
    client = SyncClient(live_server.url, token=ws.keys.secret(session_secret_name(ws.device_id)))
    try:
        SyncEngine(ws, client).run_once()
    finally:
        client.close()
        ws.close()
    assert settings.mail_drop_dir is not None
    code = _invitation_code(settings.mail_drop_dir, sam)

    window = open_window(tmp_path / "sam")
    page = window.first_run
    assert page is not None
    qtbot.keyClicks(page.server, live_server.url)
    qtbot.keyClicks(page.email, sam)
    qtbot.keyClicks(page.password, "sam's own long passphrase")
    qtbot.keyClicks(page.code, code[:-1] + ("A" if code[-1] != "A" else "B"))
    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, timeout=30_000)
    assert page.message.text() == (
        f"the invitation code was not accepted for {sam}: it is wrong, already used or expired"
    )
    assert window.shell is None

    page.code.clear()
    qtbot.keyClicks(page.code, code)
    assert window.grab().save(str(artifacts / "first-run-invitation.png"))
    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=60_000)
    assert window.windowTitle() == "Harbor Point Capital — Deal OS"
    assert "Sam Okafor · GP analyst" in window.identity.text()
