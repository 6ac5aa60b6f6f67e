"""First run as an investor: Pension Fund's officer types the server's address and their
email into "Sign in as an investor", reads "Check your email and approve this computer"
with the check code and a progress bar, approves from the emailed link (the page's form,
POSTed as a browser does), and the desktop opens the read-only replica in LP mode, on the
investor overview. A second try is cancelled while it waits: nothing is made. An address
the server does not know waits like any other; the card says so only by never opening."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from desktop_approval import press, wait_for_approval_link
from live_server import create_org
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from scenes import wait_ops

from core.ids import new_id
from core.onboarding import enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from desktop.main_window import MainWindow

PASSWORD = "correct horse battery staple"


def _pension_fund(server: Any, folder: Path) -> str:
    """Harbor Point Fund I: Pension Fund commits $1,000,000.00 and is called $250,000.00;
    its officer is an LP user. Returns the officer's email."""
    maria = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point Capital", email=maria, password=PASSWORD)
    gp, _ = enroll_device(
        folder, server=server.url, email=maria, password=PASSWORD, device_name="maria laptop"
    )
    fund, lp, call, user = new_id(), new_id(), new_id(), new_id()
    officer = f"officer+{new_id()[-12:]}@pension.example"
    usd = {"currency": "USD"}
    gp.submit_wire("fund.create", entity_id=fund, payload={"name": "Harbor Point Fund I", **usd})
    gp.submit_wire(
        "lp.create", entity_id=lp, payload={"name": "Pension Fund", "lp_type": "institution"}
    )
    gp.submit_wire(
        "commitment.create",
        entity_id=new_id(),
        payload={
            "fund_id": fund,
            "lp_id": lp,
            "amount": "1000000.00",
            "committed_on": "2026-01-15",
            **usd,
        },
    )
    gp.submit_wire(
        "capital_call.create",
        entity_id=call,
        payload={"fund_id": fund, "amount": "250000.00", "basis": "commitment",
                 "call_date": "2026-03-01", "due_date": "2026-03-31", **usd},
    )  # fmt: skip
    gp.submit_wire("capital_call.issue", entity_id=call, base_version=1, payload={})
    gp.submit_wire(
        "user.invite",
        entity_id=user,
        payload={"email": officer, "display_name": "Pension Officer", "roles": ["lp"]},
    )
    gp.submit_wire(
        "entitlement.grant",
        entity_id=new_id(),
        payload={"user_id": user, "scope_type": "lp", "scope_id": lp},
    )
    client = SyncClient(server.url, token=gp.keys.secret(f"session:{gp.device_id}"))
    try:
        SyncEngine(gp, client).run_once()
    finally:
        client.close()
        gp.close()
    return officer


def test_an_investor_approves_this_computer_from_the_email_and_lands_on_the_overview(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    live_server: Any,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    officer = _pension_fund(live_server, tmp_path / "maria")
    drop = live_server.settings.mail_drop_dir
    window = open_window(tmp_path / "officer")
    page = window.first_run
    assert page is not None
    card = page.investor
    assert window.grab().save(str(artifacts / "first-run-investor.png"))

    # Cancelled while it waits: the card comes back, nothing is made.
    qtbot.keyClicks(card.server, live_server.url)
    qtbot.keyClicks(card.email, officer)
    qtbot.mouseClick(card.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.code.text().startswith("Check code: "), timeout=20_000)
    assert card.pages.currentIndex() == 1
    assert card.heading.text() == "<b>Check your email and approve this computer</b>"
    assert card.progress.maximum() == 0  # busy
    qtbot.mouseClick(card.cancel_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, timeout=30_000)
    assert card.pages.currentIndex() == 0
    assert card.message.text() == "Cancelled: nothing was signed in."
    assert not (tmp_path / "officer" / "dealos.db").exists()
    assert window.shell is None

    # Again, and approved from the email this time.
    qtbot.mouseClick(card.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.code.text().startswith("Check code: "), timeout=20_000)
    code = card.code.text().removeprefix("Check code: ")
    assert f"to {officer}" in card.waiting_text.text()
    assert window.grab().save(str(artifacts / "first-run-investor-waiting.png"))
    link = wait_for_approval_link(drop, officer, count=2)
    with httpx.Client(base_url=live_server.url, follow_redirects=False) as browser:
        shown, approved = press(browser, link)
    assert code in shown.text
    assert approved.status_code == 200
    qtbot.waitUntil(lambda: window.shell is not None, timeout=60_000)
    shell = window.shell
    assert shell is not None
    assert shell.current_key() == "overview"
    assert "read-only" in window.identity.text()
    assert "Pension Officer" in window.identity.text()
    assert window.windowTitle() == "Harbor Point Capital — Deal OS"
    overview = window.show_page("overview")
    assert "Your positions as an investor: 1 fund" in overview.headline.text()  # type: ignore[union-attr]
    assert window.grab().save(str(artifacts / "first-run-investor-opened.png"))


def test_an_empty_form_and_an_unreachable_server_are_said_in_words(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    window = open_window(tmp_path / "nowhere")
    page = window.first_run
    assert page is not None
    card = page.investor
    qtbot.mouseClick(card.send_button, Qt.MouseButton.LeftButton)
    assert card.message.text() == "Enter the server address and your email."
    qtbot.keyClicks(card.server, "http://127.0.0.1:9")
    qtbot.keyClicks(card.email, "officer@pension.example")
    qtbot.mouseClick(card.send_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, timeout=60_000)
    assert card.pages.currentIndex() == 0
    assert "unreachable" in card.message.text()
    assert window.shell is None
