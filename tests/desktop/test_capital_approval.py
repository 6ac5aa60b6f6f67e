"""Four-eyes in the desktop. Pinecrest's administrator (Dana, also a GP) set Fund I's
threshold at $500,000.00. Alex, the analyst, drafted a $600,000.00 call. Dana cannot issue
it and is told why; Sam, the second GP, approves it on his machine; then Dana issues it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from scenes import (
    add_member,
    local_org,
    notices,
    proceed,
    small_fund,
    switch_identity,
    wait_ops,
)

from core.commands.workspace import Workspace
from core.ids import new_id
from desktop.capital.page import CapitalPage
from desktop.main_window import MainWindow


def _draft_call(data: Path, keyring_file: Path) -> tuple[str, str, str, str, str]:
    ws = local_org(data)
    fund_id = small_fund(ws)
    dana = (ws.user_id, ws.device_id)
    ws.submit_wire(
        "fund.four_eyes.set",
        entity_id=fund_id,
        base_version=1,
        payload={"threshold": "500000.00", "currency": "USD"},
    )
    alex = add_member(ws, email="alex@pinecrest.example", name="Alex Chen", roles=["gp_analyst"])
    sam = add_member(ws, email="sam@pinecrest.example", name="Sam Okafor", roles=["gp"])
    switch_identity(ws, user_id=alex[0], device_id=alex[1])
    ws.close()
    ws = Workspace.open(data)  # now Alex's machine
    call_id = new_id()
    ws.submit_wire(
        "capital_call.create",
        entity_id=call_id,
        payload={
            "fund_id": fund_id,
            "amount": "600000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
            "split_rule": "as_of_date",
        },
    )
    ws.close()
    return call_id, dana[0], dana[1], sam[0], sam[1]


def _page_as(
    open_window: Callable[[Path], MainWindow], data: Path, user_id: str, device_id: str
) -> tuple[MainWindow, CapitalPage]:
    ws = Workspace.open(data)
    switch_identity(ws, user_id=user_id, device_id=device_id)
    ws.close()
    window = open_window(data)
    page = window.show_page("capital")
    assert isinstance(page, CapitalPage)
    return window, page


def test_a_call_above_the_threshold_needs_a_second_gp(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
) -> None:
    data = tmp_path / "data"
    call_id, dana, dana_device, sam, sam_device = _draft_call(data, keyring_file)

    window, page = _page_as(open_window, data, dana, dana_device)
    page.select_call(call_id)
    call = page.selected_call()
    assert call is not None
    assert call.approval.summary == "needs a second GP"
    assert call.approval.drafted_by == "Alex Chen"
    assert not page.issue_button.isEnabled()
    assert "above the fund's four-eyes threshold" in page.issue_button.toolTip()
    assert page.approve_button.isEnabled()  # Dana did not draft it: she may be the second GP
    window.close()

    window, page = _page_as(open_window, data, sam, sam_device)
    page.select_call(call_id)
    qtbot.mouseClick(page.approve_button, Qt.MouseButton.LeftButton)
    proceed(
        qtbot,
        page.confirmation,
        "Approve the capital call of 2026-03-01 for Pinecrest Fund I: USD 600,000.00 from "
        "3 LPs, due 2026-03-31, as the second GP?",
    )
    wait_ops(qtbot)
    assert not notices()
    page.select_call(call_id)
    approved = page.selected_call()
    assert approved is not None
    assert approved.approval.summary == "approved by Sam Okafor"
    assert not page.issue_button.isEnabled()  # the approver does not also issue
    assert page.issue_button.toolTip() == "You approved this call; another GP must issue it."
    window.close()

    window, page = _page_as(open_window, data, dana, dana_device)
    page.select_call(call_id)
    assert page.issue_button.isEnabled()
    assert not page.approve_button.isEnabled()
    qtbot.mouseClick(page.issue_button, Qt.MouseButton.LeftButton)
    proceed(
        qtbot,
        page.confirmation,
        "Issue the capital call of 2026-03-01 for Pinecrest Fund I: USD 600,000.00 from "
        "3 LPs, due 2026-03-31?",
    )
    wait_ops(qtbot)
    assert not notices()
    page.select_call(call_id)
    issued = page.selected_call()
    assert issued is not None
    assert issued.status == "issued"
