"""An LP's capital account statement is saved from the Investors page: the fund and the
period are chosen in a small dialog, and the PDF is the one ``dealos report statement``
writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
from pytestqt.qtbot import QtBot
from scenes import wait_ops

from desktop.investors.page import InvestorsPage
from desktop.investors.statements import recent_periods
from desktop.main_window import MainWindow


def test_recent_periods_run_back_from_the_current_quarter() -> None:
    assert recent_periods(dt.date(2026, 2, 10), count=3) == [
        "2026Q1",
        "2025Q4",
        "2025Q3",
        "2026",
        "2025",
    ]


def test_a_statement_is_saved_for_the_selected_investor(
    qtbot: QtBot, demo_dir: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    page = open_window(demo_dir).show_page("investors")
    assert isinstance(page, InvestorsPage)
    lp = page.selected_lp()
    assert lp is not None
    assert lp.funds >= 1
    assert page.statement_button.isEnabled()
    dialog = page.ask_statement()
    assert dialog is not None
    assert dialog.fund.count() == lp.funds
    assert dialog.period.currentText() == recent_periods(dt.date.today())[1]
    fund_id = str(dialog.fund.itemData(0))
    dialog.reject()

    out = demo_dir.parent / "statement.pdf"
    assert page.save_statement(fund_id, "2025Q4", out) is not None
    wait_ops(qtbot)
    assert out.read_bytes().startswith(b"%PDF")
    assert page.notice.text() == "Saved the statement to statement.pdf."


def test_the_capital_accounts_are_exported_from_the_investors_page(
    qtbot: QtBot, demo_dir: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    page = open_window(demo_dir).show_page("investors")
    assert isinstance(page, InvestorsPage)
    out = demo_dir.parent / "accounts.xlsx"
    assert page.export_accounts(out) is not None
    wait_ops(qtbot, timeout=60_000)  # 120 LPs' accounts: slow on a busy CI machine
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) > 110  # a header and a row per LP and fund
    assert page.notice.text() == "Exported capital accounts to accounts.xlsx."
