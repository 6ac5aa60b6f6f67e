"""A GP's first fund, from an empty folder to an LP's statement, by clicks only.

Dana (Pinecrest Partners, GP and admin) creates Pinecrest Fund I, records its LPA terms
(European, 8 % simple pref, full catch-up, 20 % carry), adds Ash Pension Fund ($3,000,000)
and Birch Family Office ($1,000,000) with their commitments, holds the final close, calls
$400,000 (Ash $300,000, Birch $100,000) and issues it after its confirmation, records
Ash's payment by hand and Birch's from a bank statement CSV, distributes $500,000 through
the waterfall and issues it, and saves Ash's capital account statement. The screens of
the round are saved as screenshots.

The waterfall's figures by the LPA, by hand: both LPs paid on the day of the distribution,
so no preferred return has accrued; $400,000 returns capital (Ash 300,000, Birch 100,000);
the full catch-up then gives the GP 20 % of the $100,000 profit, $20,000, and the LPs share
$80,000 pro rata to contributions: Ash $360,000.00, Birch $120,000.00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot
from scenes import local_org, notices, proceed, wait_ops

from core.reports import read_fund_ledger
from core.views.fund_admin import fund_records, lp_records
from desktop.capital.page import CapitalPage
from desktop.forms import SetupDialog
from desktop.funds.fund_dialogs import FinalCloseDialog
from desktop.funds.page import FundsPage
from desktop.funds.terms_dialog import TermsDialog
from desktop.investors.lp_dialog import CommitmentDialog, LpDialog
from desktop.investors.page import InvestorsPage
from desktop.investors.transfer_dialog import TransferDialog
from desktop.main_window import MainWindow

D = Decimal
TODAY = dt.date.today()


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def submit(qtbot: QtBot, dialog: SetupDialog) -> None:
    click(qtbot, dialog.ok_button)
    wait_ops(qtbot)
    assert not dialog.isVisible(), dialog.error.text()


def grab(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    assert widget.grab().save(str(path), "PNG")


def _investor(qtbot: QtBot, page: InvestorsPage, name: str, amount: str) -> None:
    click(qtbot, page.add_button)
    lp = page.dialog
    assert isinstance(lp, LpDialog)
    qtbot.keyClicks(lp.name, name)
    submit(qtbot, lp)
    row = next(i for i, line in enumerate(page.lps.records) if line.name == name)
    page.lp_view.selectRow(row)
    click(qtbot, page.commitment_button)
    commit = page.dialog
    assert isinstance(commit, CommitmentDialog)
    assert commit.investor.currentText() == name
    commit.committed_on.setDate(dt.date(2026, 1, 15))
    qtbot.keyClicks(commit.amount, amount)
    submit(qtbot, commit)


def _new_fund(qtbot: QtBot, window: MainWindow) -> FundsPage:
    """Pinecrest Fund I, by New fund…; the Funds page it was made on."""
    funds = window.show_page("funds")
    assert isinstance(funds, FundsPage)
    click(qtbot, funds.new_button)
    new = funds.dialog
    assert new is not None
    qtbot.keyClicks(new.name, "Pinecrest Fund I")  # type: ignore[attr-defined]
    submit(qtbot, new)
    return funds


def test_a_gp_runs_a_first_fund_by_clicks_from_an_empty_folder(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    local_org(tmp_path / "data").close()
    window = open_window(tmp_path / "data")
    ws = window.session.ws  # type: ignore[union-attr]

    # -- the fund and its terms -----------------------------------------------------------
    funds = _new_fund(qtbot, window)
    click(qtbot, funds.terms_button)
    terms = funds.dialog
    assert isinstance(terms, TermsDialog)
    qtbot.keyClicks(terms.preferred_return, "8")
    qtbot.keyClicks(terms.catch_up, "100")
    qtbot.keyClicks(terms.carried_interest, "20")
    qtbot.keyClicks(terms.gp_name, "Pinecrest GP LLC")
    submit(qtbot, terms)
    [fund] = fund_records(ws)
    assert fund.terms is not None
    assert fund.terms.effective_date is None  # in force from the fund's start

    # -- investors and commitments --------------------------------------------------------
    investors = window.show_page("investors")
    assert isinstance(investors, InvestorsPage)
    _investor(qtbot, investors, "Ash Pension Fund", "3000000.00")
    _investor(qtbot, investors, "Birch Family Office", "1000000.00")
    lps = {lp.name: lp for lp in lp_records(ws)}
    ash, birch = lps["Ash Pension Fund"].lp_id, lps["Birch Family Office"].lp_id

    # -- the final close --------------------------------------------------------------------
    window.show_page("funds")
    click(qtbot, funds.close_button)
    close = funds.dialog
    assert isinstance(close, FinalCloseDialog)
    close.on.setDate(dt.date(2026, 3, 31))
    grab(close, artifacts / "setup-final-close.png")
    submit(qtbot, close)
    assert "Held on 2026-03-31: new LPs join only by transfer" in funds.detail.text()
    assert not funds.close_button.isEnabled()
    assert funds.close_button.toolTip() == "The final close was held on 2026-03-31."

    # -- a call of $400,000, issued after its confirmation ----------------------------------
    capital = window.show_page("capital")
    assert isinstance(capital, CapitalPage)
    click(qtbot, capital.new_call_button)
    wizard = capital.wizard
    assert wizard is not None
    qtbot.keyClicks(wizard.terms.amount, "400000.00")
    qtbot.keyClicks(wizard.terms.purpose, "Cedar Shops acquisition")
    wizard.next()
    preview = wizard.preview_page.preview
    assert preview is not None
    assert preview.problem is None
    assert sorted((line.lp_name, line.share) for line in preview.lines) == [
        ("Ash Pension Fund", D("300000.00")),
        ("Birch Family Office", D("100000.00")),
    ]
    wizard.next()
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page)
    click(qtbot, wizard.done_page.issue_button)
    on = wizard.terms.call_date.date().toString("yyyy-MM-dd")
    due = wizard.terms.due_date.date().toString("yyyy-MM-dd")
    proceed(
        qtbot,
        wizard.confirmation,
        f"Issue the capital call of {on} for Pinecrest Fund I: USD 400,000.00 from 2 LPs, "
        f"due {due}?",
    )
    wait_ops(qtbot)
    assert wizard.issued is not None
    wizard.accept()
    [call] = capital.calls.records
    assert (call.status, call.amount) == ("issued", D("400000.00"))
    # Kept on this laptop only: no server has emailed the LPs yet, and the GP is told so.
    capital.select_call(call.call_id)
    click(qtbot, capital.call_emails_button)
    emails = capital.deliveries
    assert emails is not None
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: emails.status.text() != "Asking the server…")
    assert emails.status.text() == (
        "No server attached: notices are emailed once this organization is attached."
    )
    emails.close()

    # -- Ash pays by hand, Birch by the bank statement ---------------------------------------
    capital.select_call(call.call_id)
    click(qtbot, capital.payment_button)
    payment = capital.payment_dialog
    assert payment is not None
    payment.lp.setCurrentIndex(
        payment.lp.findText("Ash Pension Fund", Qt.MatchFlag.MatchStartsWith)
    )
    assert D(payment.amount.text()) == D("300000.00")
    click(qtbot, payment.buttons.button(payment.buttons.StandardButton.Ok))
    wait_ops(qtbot)
    assert not notices()
    statement = tmp_path / "bank.csv"
    statement.write_text(
        f"Date,Amount,Reference,Payer\n{TODAY},100000.00,,Birch Family Office\n", "utf-8"
    )
    bank = capital.import_statement(statement)
    assert bank is not None
    assert [m.status for m in bank.matches] == ["matched"]
    grab(bank, artifacts / "first-fund-bank-import.png")
    click(qtbot, bank.record_button)
    wait_ops(qtbot)
    bank.close()
    [call] = capital.calls.records
    assert call.paid == D("400000.00")

    # -- $500,000 through the waterfall --------------------------------------------------------
    capital.tabs.setCurrentIndex(1)
    click(qtbot, capital.new_distribution_button)
    dist = capital.distribution_wizard
    assert dist is not None
    assert dist.terms.waterfall_enabled
    dist.terms.basis.setCurrentIndex(dist.terms.basis.findData("waterfall"))
    qtbot.keyClicks(dist.terms.amount, "500000.00")
    dist.next()
    dist.next()  # save as draft: the reducer runs the waterfall
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: dist.currentPage() is dist.done_page)
    drafted = dist.drafted
    assert drafted is not None
    shares = {s.lp_id: s.amount for s in drafted.shares}
    assert shares == {ash: D("360000.00"), birch: D("120000.00")}
    assert drafted.gp_carry == D("20000.00")
    click(qtbot, dist.done_page.issue_button)
    assert dist.confirmation is not None
    qtbot.mouseClick(dist.confirmation.proceed, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert dist.issued is not None
    dist.accept()

    # -- Ash's statement -------------------------------------------------------------------------
    window.show_page("investors")
    row = next(i for i, line in enumerate(investors.lps.records) if line.lp_id == ash)
    investors.lp_view.selectRow(row)
    asked = investors.ask_statement()
    assert asked is not None
    asked.reject()
    out = tmp_path / "ash.pdf"
    quarter = f"{TODAY.year}Q{(TODAY.month - 1) // 3 + 1}"
    assert investors.save_statement(fund.fund_id, quarter, out) is not None
    wait_ops(qtbot)
    assert out.read_bytes().startswith(b"%PDF")
    ledger = read_fund_ledger(ws, fund.fund_id).of(ash)
    assert ledger is not None
    assert ledger.paid_in() == D("300000.00")
    assert ledger.distributed() == D("360000.00")
    assert not notices()


def test_a_transfer_by_clicks_moves_unfunded_commitment(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    local_org(tmp_path / "data").close()
    window = open_window(tmp_path / "data")
    ws = window.session.ws  # type: ignore[union-attr]
    _new_fund(qtbot, window)
    investors = window.show_page("investors")
    assert isinstance(investors, InvestorsPage)
    _investor(qtbot, investors, "Ash Pension Fund", "3000000.00")
    click(qtbot, investors.add_button)
    cedar = investors.dialog
    assert isinstance(cedar, LpDialog)
    qtbot.keyClicks(cedar.name, "Cedar Family Office")
    submit(qtbot, cedar)

    row = next(i for i, line in enumerate(investors.lps.records) if line.name == "Ash Pension Fund")
    investors.lp_view.selectRow(row)
    click(qtbot, investors.transfer_button)
    transfer = investors.dialog
    assert isinstance(transfer, TransferDialog)
    assert transfer.fund.currentText() == "Pinecrest Fund I — USD 3,000,000.00 unfunded"
    assert transfer.target.currentText() == "Cedar Family Office"
    qtbot.keyClicks(transfer.amount, "3500000.00")
    transfer.on.setDate(dt.date(2026, 4, 1))
    click(qtbot, transfer.ok_button)
    wait_ops(qtbot)
    assert transfer.isVisible()
    assert transfer.error.text() == (
        "Amount: Ash Pension Fund has $3,000,000.00 of unfunded commitment to Pinecrest Fund I "
        "left to transfer; $3,500,000.00 exceeds it by $500,000.00 (only unfunded commitment "
        "moves; issued and draft calls count)"
    )
    transfer.amount.clear()
    qtbot.keyClicks(transfer.amount, "1000000.00")
    grab(transfer, artifacts / "setup-transfer.png")
    submit(qtbot, transfer)
    held = {lp.name: lp.commitment_to(fund_records(ws)[0].fund_id) for lp in lp_records(ws)}
    assert held["Ash Pension Fund"] is not None
    assert held["Ash Pension Fund"].amount == D("2000000.00")
    assert held["Cedar Family Office"] is not None
    assert held["Cedar Family Office"].amount == D("1000000.00")
