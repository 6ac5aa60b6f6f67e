"""Money actions ask first and act only on what the GP can see. Pinecrest's founder drafted
a $600,000.00 call: the buttons that act on calls live on the calls tab, so the
Distributions tab offers none of them; issuing asks in one sentence with Cancel as the
default, Cancel leaves the draft a draft, and only the deliberate click issues it."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from scenes import local_org, notices, proceed, small_fund, wait_ops

from core.money import Money
from core.ops.payloads.capital import CapitalCallCreatePayload
from desktop.capital.page import CapitalPage
from desktop.main_window import MainWindow
from desktop.sync.scheduler import SyncStatus

ASKED = (
    "Issue the capital call of 2026-03-01 for Pinecrest Fund I: USD 600,000.00 from 3 LPs, "
    "due 2026-03-31?"
)


def _page(open_window: Callable[[Path], MainWindow], data: Path) -> CapitalPage:
    ws = local_org(data)
    fund = small_fund(ws)
    ws.submit(
        CapitalCallCreatePayload(
            fund_id=fund,
            amount=Money(Decimal(600_000), "USD"),
            currency="USD",
            basis="commitment",
            call_date=dt.date(2026, 3, 1),
            due_date=dt.date(2026, 3, 31),
            split_rule="as_of_date",
        )
    )
    ws.close()
    page = open_window(data).show_page("capital")
    assert isinstance(page, CapitalPage)
    page.select_call(page.calls.records[0].call_id)
    return page


def test_call_buttons_are_not_on_the_distributions_tab(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    page = _page(open_window, tmp_path / "data")
    assert page.issue_button.isVisible()
    page.tabs.setCurrentIndex(1)  # Distributions
    for button in (page.issue_button, page.approve_button, page.payment_button):
        assert not button.isVisible()
    assert page.issue_distribution_button.isVisible()


def test_cancel_leaves_the_draft_and_only_the_deliberate_click_issues(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    page = _page(open_window, tmp_path / "data")
    box = page.issue_selected()
    assert box is not None
    assert box.text() == ASKED
    assert box.informativeText() == (
        "Each LP's notice states its share; an issued call cannot be withdrawn."
    )
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    assert box.defaultButton() is cancel
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert page.selected_call() is not None
    assert page.selected_call().status == "draft"  # type: ignore[union-attr]

    qtbot.mouseClick(page.issue_button, Qt.MouseButton.LeftButton)
    proceed(qtbot, page.confirmation, ASKED)
    wait_ops(qtbot)
    assert not notices()
    page.select_call(page.calls.records[0].call_id)
    assert page.selected_call().status == "issued"  # type: ignore[union-attr]


def test_a_draft_is_changed_in_the_wizard_and_deleted_after_asking(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    page = _page(open_window, tmp_path / "data")
    wizard = page.edit_selected()
    assert wizard is not None
    assert wizard.windowTitle() == "Change the draft call"
    assert wizard.terms.amount.text() == "600000.00"
    assert not wizard.terms.fund.isEnabled()
    wizard.terms.amount.setText("900000.00")
    wizard.next()
    preview = wizard.preview_page.preview
    assert preview is not None
    assert preview.problem is None
    assert preview.total == Decimal("900000.00")
    wizard.next()
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page)
    wizard.accept()
    wait_ops(qtbot)
    [call] = page.calls.records
    assert (call.amount, call.status, call.version) == (Decimal("900000.00"), "draft", 2)

    page.select_call(call.call_id)
    qtbot.mouseClick(page.delete_call_button, Qt.MouseButton.LeftButton)
    proceed(
        qtbot,
        page.confirmation,
        "Delete the draft of the capital call of 2026-03-01 for Pinecrest Fund I: "
        "USD 900,000.00 from 3 LPs, due 2026-03-31?",
    )
    wait_ops(qtbot)
    assert page.calls.records == []
    assert not notices()


def test_the_status_bar_is_not_green_while_conflicts_wait(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    local_org(tmp_path / "data").close()
    widget = open_window(tmp_path / "data").sync_widget
    widget.show_status(SyncStatus("synced", 0, 0, time.time()))
    assert widget.state_text() == "Synced just now"
    assert "#2e8b57" in widget.dot.styleSheet()
    widget.show_status(SyncStatus("synced", 0, 2, time.time()))
    assert widget.state_text() == "Synced — changes wait for your decision"
    assert "#c77c02" in widget.dot.styleSheet()
    assert widget.conflicts.text() == "⚠ 2 conflicts"


def test_the_call_notice_and_the_spreadsheets_are_saved_from_the_capital_page(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    page = _page(open_window, tmp_path / "data")
    assert not page.notice_button.isEnabled()  # a draft has no notice
    page.issue_selected()
    proceed(qtbot, page.confirmation, ASKED)
    wait_ops(qtbot)
    page.select_call(page.calls.records[0].call_id)
    page.allocations_view.selectRow(0)
    assert page.notice_button.isEnabled()
    notice = tmp_path / "notice.pdf"
    assert page.save_notice(notice) is not None
    wait_ops(qtbot)
    assert notice.read_bytes().startswith(b"%PDF")
    assert page.reason.text() == "Saved the notice to notice.pdf."

    sheet = tmp_path / "calls.xlsx"
    assert page.export("calls", sheet) is not None
    wait_ops(qtbot)
    rows = list(openpyxl.load_workbook(sheet).active.iter_rows(values_only=True))
    assert len(rows) >= 4  # a header and one row per LP of the call
    assert page.reason.text() == "Exported calls to calls.xlsx."
