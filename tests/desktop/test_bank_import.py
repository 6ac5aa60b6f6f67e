"""Payments from a bank statement in the desktop: the lines are matched to the issued
call's unpaid shares for review, nothing is recorded until the GP says so, then the
matched payments are recorded together; a second import of the same file records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from scenes import local_org, small_fund, wait_ops

from core.money import Money
from core.ops.payloads.capital import CapitalCallCreatePayload, CapitalCallIssuePayload
from desktop.capital.page import CapitalPage
from desktop.main_window import MainWindow

STATEMENT = (
    "Date,Amount,Reference,Payer\n"
    "2026-03-20,100000.00,,First LP of Pinecrest\n"
    '2026-03-21,"200,000.00",,Second LP of Pinecrest\n'
    "2026-03-22,12345.00,,Someone else\n"
)


def _page(open_window: Callable[[Path], MainWindow], data: Path) -> CapitalPage:
    ws = local_org(data)
    fund = small_fund(ws)
    call = ws.submit(
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
    ws.submit(CapitalCallIssuePayload(), entity_id=call.entity_id, base_version=1)
    ws.close()
    page = open_window(data).show_page("capital")
    assert isinstance(page, CapitalPage)
    return page


def test_a_statement_is_reviewed_then_recorded_once(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    page = _page(open_window, tmp_path / "data")
    csv = tmp_path / "march.csv"
    csv.write_text(STATEMENT, encoding="utf-8")
    dialog = page.import_statement(csv)
    assert dialog is not None
    assert [m.status for m in dialog.matches] == ["matched", "matched", "unmatched"]
    assert dialog.summary.text() == (
        "2 line(s) match an unpaid share; 1 unmatched (left alone); 0 recorded by an earlier "
        "import."
    )
    [call] = page.calls.records
    assert call.paid == 0  # nothing recorded while the GP reviews
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert len(dialog.recorded) == 2
    assert dialog.summary.text() == (
        "Recorded 2 payment(s); the calls and investors show them now."
    )
    assert not dialog.record_button.isEnabled()
    [call] = page.calls.records
    assert call.paid == Decimal("300000.00")

    again = page.import_statement(csv)
    assert again is not None
    assert [m.status for m in again.matches] == ["recorded", "recorded", "unmatched"]
    assert not again.record_button.isEnabled()
