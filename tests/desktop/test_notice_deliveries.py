"""The capital page's emails dialog: for an issued call, one row per LP and address with
what became of its email, as the server records it; for an organization kept on this
machine only, the sentence that notices are emailed once it is attached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import LiveServer, free_port, settings_for
from notice_setup import enrolled_gp, issue_call, wait_settled
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from core.commands.workspace import Workspace
from core.views.capital_view import list_calls
from desktop.capital.deliveries import DeliveriesDialog, show_deliveries

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "desktop"


@pytest.fixture
def server(pg_database: object, tmp_path: Path) -> Iterator[LiveServer]:
    port = free_port()
    settings = settings_for(pg_database, tmp_path / "server", port).with_(notice_poll_seconds=0.2)
    live = LiveServer(settings, port)
    live.start()
    yield live
    live.close()


def _rows(dialog: DeliveriesDialog) -> list[list[str]]:
    model = dialog.model
    return [
        [str(model.data(model.index(r, c))) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_dialog_lists_each_lp_and_address_with_its_email_status(
    server: LiveServer, tmp_path: Path, qtbot: QtBot, keyring_file: Path
) -> None:
    ws = enrolled_gp(server, tmp_path / "laptop")
    call, officer = issue_call(ws)
    wait_settled(ws, call)
    [line] = [c for c in list_calls(ws) if c.call_id == call]
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = show_deliveries(parent, ws, line)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=15_000)
    headers = [dialog.model.headerData(c, _horizontal()) for c in range(6)]
    assert headers == ["LP", "Recipient", "Status", "Attempts", "Last error", "Sent at"]
    pension, quiet = _rows(dialog)
    assert pension[:2] == ["Pension Fund", officer]
    assert pension[2:5] == ["sent", "1", ""]
    assert pension[5].endswith(" UTC")
    assert quiet[:4] == ["Quiet Holdings", "no address", "failed", "0"]
    assert quiet[4].startswith("nobody to send it to: the investor has no contact email")
    assert dialog.status.text() == "2 emails: 1 sent, 1 failed."
    assert dialog.heading.text() == "<b>Harbor Fund I · capital call of 1 March 2026</b>"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(ARTIFACTS / "notice-deliveries.png"))
    dialog.refresh()
    qtbot.waitUntil(dialog.refresh_button.isEnabled, timeout=15_000)
    assert len(_rows(dialog)) == 2
    ws.close()


def test_an_organization_kept_here_only_is_told_notices_wait_for_a_server(
    tmp_path: Path, qtbot: QtBot, keyring_file: Path
) -> None:
    ws = Workspace.init(
        tmp_path / "offline", org_name="Harbor", email="gp@harbor.example", display_name="GP"
    )
    call, _ = issue_call(ws, sync=False)
    [line] = [c for c in list_calls(ws) if c.call_id == call]
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = show_deliveries(parent, ws, line)
    qtbot.waitUntil(dialog.refresh_button.isEnabled, timeout=15_000)
    assert dialog.status.text() == (
        "No server attached: notices are emailed once this organization is attached."
    )
    assert dialog.model.rowCount() == 0
    ws.close()


def _horizontal() -> object:
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal
