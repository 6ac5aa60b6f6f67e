"""Working offline. Harbor Point's GP signs in to the firm's server from the first-run
screen; the server goes down; every action still works and the pending count grows; the
server comes back, the queue drains, and this replica's digest equals the server's."""

from __future__ import annotations

import importlib.util
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from scenes import notices, wait_ops

from core.ids import new_id
from core.sync.client import SyncClient
from core.sync.status import pending_count, server_url, session_secret_name
from desktop.main_window import MainWindow
from desktop.sync.scheduler import SyncStatus


def _server_missing() -> str | None:
    if importlib.util.find_spec("sync_server.app") is None:
        return "sync_server.app (the server's create_app factory) is not there yet"
    from sync_server import app

    if not hasattr(app, "create_app"):
        return "sync_server.app has no create_app factory yet"
    return None


pytestmark = pytest.mark.skipif(_server_missing() is not None, reason=str(_server_missing()))

PASSWORD = "correct horse battery staple"


@pytest.fixture
def server(live_server: Any) -> Any:
    return live_server


def _org_on(server: Any) -> str:
    from sync_server.bootstrap import create_org
    from sync_server.credentials import Passwords
    from sync_server.database import owner_engine
    from sync_server.server_keys import ServerKeys

    settings = server.settings
    email = f"maria+{new_id()[-12:]}@harborpoint.example"
    engine = owner_engine(settings.database_url)
    try:
        create_org(
            engine,
            ServerKeys.from_file(settings.secret_file),
            name="Harbor Point Capital",
            admin_email=email,
            admin_name="Maria Founder",
            password_hash=Passwords(settings.password_cost).hash(PASSWORD),
        )
    finally:
        engine.dispose()
    return email


def _status(window: MainWindow) -> SyncStatus:
    assert window.sync_widget is not None
    return window.sync_widget.status


def _sync_and_wait(qtbot: QtBot, window: MainWindow, *states: str) -> SyncStatus:
    assert window.sync is not None
    rounds = window.sync.rounds
    window.sync_now()
    qtbot.waitUntil(lambda: window.sync is not None and window.sync.rounds > rounds, timeout=60_000)
    qtbot.waitUntil(lambda: _status(window).state in states, timeout=10_000)
    return _status(window)


def test_offline_work_queues_and_drains_when_the_server_returns(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    server: Any,
    open_window: Callable[[Path], MainWindow],
) -> None:
    email = _org_on(server)
    children = set(multiprocessing.active_children())
    window = open_window(tmp_path / "laptop")
    page = window.first_run
    assert page is not None
    qtbot.keyClicks(page.server, server.url)
    qtbot.keyClicks(page.email, email)
    qtbot.keyClicks(page.password, PASSWORD)
    qtbot.mouseClick(page.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=60_000)
    assert "Maria Founder" in window.identity.text()
    first = _sync_and_wait(qtbot, window, "synced")
    assert first.pending == 0
    # Signing in loaded the server's snapshot; its history replays beside the rounds.
    sync = window.sync
    assert sync is not None
    qtbot.waitUntil(lambda: sync.history_checks == 1, timeout=60_000)
    qtbot.waitUntil(lambda: "history verified" in _status(window).message, timeout=10_000)
    # Its process ends once it has answered; the sync process stays for the next rounds.
    qtbot.waitUntil(lambda: not sync.history_pool_running, timeout=10_000)
    assert len(set(multiprocessing.active_children()) - children) == 1

    server.stop()  # the plane takes off
    shell = window.shell
    assert shell is not None
    for name in ("Summit Logistics Center", "Juniper Residences"):
        shell.pipeline.new_deal()
        dialog = shell.pipeline.new_deal_dialog
        assert dialog is not None
        qtbot.keyClicks(dialog.name, name)
        qtbot.keyClicks(dialog.asking_price, "31000000.00")
        dialog.submit()
        wait_ops(qtbot)
    deal_page = shell.pages["deal"]
    deal = deal_page.detail  # type: ignore[attr-defined]
    deal_page.mover.move(  # type: ignore[attr-defined]
        deal_id=deal.deal_id, name=deal.name, version=deal.version, target="screening"
    )
    wait_ops(qtbot)
    assert not notices()
    assert shell.pipeline.model.rowCount() == 2
    status = _sync_and_wait(qtbot, window, "offline")
    assert status.pending == 3
    assert window.sync_widget is not None
    assert window.sync_widget.pending.text() == "3 pending"
    # "Offline", or, once the client's breaker has opened, "Offline — retrying at 14:05".
    assert window.sync_widget.state_text().startswith("Offline")
    assert "unreachable" in status.message

    server.start()  # landed
    status = _sync_and_wait(qtbot, window, "synced")
    assert status.pending == 0
    assert status.conflicts == 0
    session = window.session
    assert session is not None
    assert pending_count(session.ws) == 0
    url = server_url(session.ws)
    assert url == server.url
    client = SyncClient(
        url, token=session.ws.keys.secret(session_secret_name(session.ws.device_id))
    )
    try:
        state = client.state()
    finally:
        client.close()
    assert state.digest == session.ws.digest()


def test_the_status_says_when_the_client_tries_the_server_again(
    demo_dir: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    window = open_window(demo_dir)
    widget = window.sync_widget
    assert widget is not None
    message = "server unreachable, retrying at 14:05: https://sync.example; working offline"
    widget.show_status(SyncStatus("offline", 2, 0, None, message))
    assert widget.state_text() == "Offline — retrying at 14:05"
    assert widget.toolTip() == message
    widget.show_status(SyncStatus("offline", 2, 0, None, "the server did not answer"))
    assert widget.state_text() == "Offline"
