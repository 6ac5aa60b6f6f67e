"""Pinecrest Partners starts from nothing. Dana, its founder (GP and admin), sets the
fund up by clicks and typing only: creates Pinecrest Fund I (USD, vintage 2026), records
its LPA terms (8 % simple, full catch-up, 20 % carry — after a carry of "120" is refused
naming the field), adds Ash Pension Fund by hand with a commitment of $3,000,000.00, and
Birch Family Office with $1,000,000.00 by importing a CSV (after a first file is refused
whole, naming the row and the column). She invites Morgan Lee as counsel and lets Morgan
see the deal Cedar Shops. Then the call wizard lists the fund and a $400,000.00 call
splits 300,000.00 / 100,000.00 — exactly the amount."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from scenes import local_org, notices, wait_ops

from core.views.fund_admin import fund_records, lp_records
from core.views.investor_sheet import COLUMNS
from core.views.people_admin import entitlement_records, user_records
from desktop.capital.page import CapitalPage
from desktop.forms import SetupDialog
from desktop.funds.page import FundsPage
from desktop.funds.terms_dialog import TermsDialog
from desktop.investors.import_dialog import ImportDialog
from desktop.investors.lp_dialog import CommitmentDialog, LpDialog
from desktop.investors.page import InvestorsPage
from desktop.main_window import MainWindow
from desktop.people.page import PeoplePage


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def submit(qtbot: QtBot, dialog: SetupDialog) -> None:
    click(qtbot, dialog.ok_button)
    wait_ops(qtbot)


def type_in_cell(qtbot: QtBot, dialog: LpDialog, row: int, column: int, text: str) -> None:
    table = dialog.contacts
    item = table.item(row, column)
    assert item is not None
    where = table.visualItemRect(item).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    [editor] = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits the cell on its next turn
    assert item.text() == text


def grab(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    assert widget.grab().save(str(path), "PNG")


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def test_a_gp_sets_up_a_fund_from_an_empty_organization(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    qtmodeltester: ModelTester,
    artifacts: Path,
) -> None:
    local_org(tmp_path / "data").close()
    window = open_window(tmp_path / "data")
    shell = window.shell
    assert shell is not None
    ws = window.session.ws  # type: ignore[union-attr]
    labels = [shell.nav.item(i).text() for i in range(shell.nav.count())]
    assert labels[:6] == ["Overview", "Pipeline", "Funds", "Investors", "Capital calls", "People"]

    # -- the fund -----------------------------------------------------------------------
    funds = window.show_page("funds")
    assert isinstance(funds, FundsPage)
    assert funds.empty.isVisible()
    assert not funds.terms_button.isEnabled()
    assert funds.terms_button.toolTip() == "Select a fund first."
    click(qtbot, funds.new_button)
    new = funds.dialog
    assert new is not None
    assert new.isVisible()
    qtbot.keyClicks(new.name, "Pinecrest Fund I")  # type: ignore[attr-defined]
    qtbot.keyClicks(new.vintage, "20x6")  # type: ignore[attr-defined]
    submit(qtbot, new)
    assert new.error.text() == "Vintage: “20x6” is not a year such as 2026"
    assert fund_records(ws) == []
    retype(qtbot, new.vintage, "2026")  # type: ignore[attr-defined]
    submit(qtbot, new)
    assert not new.isVisible()
    assert [(f.name, f.currency, f.vintage_year) for f in funds.funds.records] == [
        ("Pinecrest Fund I", "USD", 2026)
    ]
    assert not funds.empty.isVisible()
    qtmodeltester.check(funds.funds)

    # -- its LPA terms: a carry of 120 is refused on the form, naming the field ----------
    click(qtbot, funds.terms_button)
    terms = funds.dialog
    assert isinstance(terms, TermsDialog)
    assert terms.ok_button.text() == "Record version 1"
    assert "8 or 8 % means 8 %" in terms.preferred_return.toolTip()
    qtbot.keyClicks(terms.preferred_return, "8 %")
    qtbot.keyClicks(terms.catch_up, "100")
    qtbot.keyClicks(terms.carried_interest, "120")
    qtbot.keyClicks(terms.gp_name, "Pinecrest GP LLC")
    submit(qtbot, terms)
    assert terms.error.text() == "Carried interest: 120 % is more than 100 %"
    assert terms.isVisible()
    retype(qtbot, terms.carried_interest, "20")
    grab(terms, artifacts / "setup-terms.png")
    submit(qtbot, terms)
    assert not terms.isVisible()
    fund = fund_records(ws)[0]
    assert fund.terms is not None
    assert (fund.terms.preferred_return, fund.terms.catch_up, fund.terms.carried_interest) == (
        Decimal("0.08"),
        Decimal("1"),
        Decimal("0.2"),
    )
    assert fund.terms.gp_name == "Pinecrest GP LLC"
    assert "8% preferred return, simple" in funds.detail.text()
    click(qtbot, funds.terms_button)
    again = funds.dialog
    assert isinstance(again, TermsDialog)
    assert again.ok_button.text() == "Record version 2"
    assert again.preferred_return.text() == "8"
    again.reject()

    # -- Ash Pension Fund, by hand, with a contact and a commitment ------------------------
    investors = window.show_page("investors")
    assert isinstance(investors, InvestorsPage)
    assert not investors.edit_button.isEnabled()
    click(qtbot, investors.add_button)
    lp = investors.dialog
    assert isinstance(lp, LpDialog)
    qtbot.keyClicks(lp.name, "Ash Pension Fund")
    type_in_cell(qtbot, lp, 0, 0, "Jane Roe")
    type_in_cell(qtbot, lp, 0, 1, "jane.ash.example")
    submit(qtbot, lp)
    assert lp.error.text().startswith("Contact 1, email:")
    type_in_cell(qtbot, lp, 0, 1, "jane@ash.example")
    submit(qtbot, lp)
    assert not lp.isVisible()
    [ash] = lp_records(ws)
    assert [(c.name, c.email) for c in ash.contacts] == [("Jane Roe", "jane@ash.example")]

    click(qtbot, investors.commitment_button)
    commit = investors.dialog
    assert isinstance(commit, CommitmentDialog)
    assert commit.investor.currentText() == "Ash Pension Fund"
    assert commit.fund.currentText() == "Pinecrest Fund I (USD)"
    qtbot.keyClicks(commit.amount, "3,000,000.005")
    submit(qtbot, commit)
    assert commit.error.text() == (
        "Amount: USD amounts have at most 2 decimal places; 3000000.005 has 3"
    )
    retype(qtbot, commit.amount, "3,000,000.00")
    submit(qtbot, commit)
    assert not commit.isVisible()

    # -- Birch Family Office, by import: a bad file is refused whole, then a good one ----
    bad = _csv(
        tmp_path / "lps.csv",
        [["Birch Family Office", "family office", "Sam Birch", "sam@birch.example",
          "Pinecrest Fund I", "1,000.005", "2026-02-01"]],
    )  # fmt: skip
    click(qtbot, investors.import_button)
    importer = investors.dialog
    assert isinstance(importer, ImportDialog)
    qtbot.keyClicks(importer.path, str(bad))
    click(qtbot, importer.preview_button)
    wait_ops(qtbot)
    assert importer.verdict.text() == (
        "lps.csv cannot be imported, nothing will be written: 1 problem, the first: "
        "row 2, column ‘Commitment amount’: 1,000.005 has more decimals than USD allows "
        "(USD amounts have at most 2 decimal places)"
    )
    assert not importer.import_button.isEnabled()
    _csv(
        bad,
        [["Birch Family Office", "family office", "Sam Birch", "sam@birch.example",
          "Pinecrest Fund I", "1000000.00", "2026-02-01"],
         ["Ash Pension Fund", "", "", "", "Pinecrest Fund I", "3000000.00", "15/01/2026"]],
    )  # fmt: skip
    click(qtbot, importer.preview_button)
    wait_ops(qtbot)
    assert [r.problem for r in importer.rows.records] == [False, True]
    assert "row 3, column ‘Commitment date’" in importer.verdict.text()
    _csv(
        bad,
        [["Birch Family Office", "family office", "Sam Birch", "sam@birch.example",
          "Pinecrest Fund I", "1000000.00", "2026-02-01"]],
    )  # fmt: skip
    click(qtbot, importer.preview_button)
    wait_ops(qtbot)
    assert [r.text for r in importer.rows.records] == [
        "Birch Family Office — new LP (family office), contact Sam Birch <sam@birch.example>, "
        "commitment $1,000,000.00 to Pinecrest Fund I on 2026-02-01"
    ]
    assert importer.verdict.text().startswith("lps.csv would add 1 new LP, 1 commitment.")
    qtmodeltester.check(importer.rows)
    grab(importer, artifacts / "setup-import.png")
    click(qtbot, importer.import_button)
    wait_ops(qtbot)
    assert not importer.isVisible()
    assert investors.notice.text() == "Imported lps.csv: added 1 new LP, 1 commitment."
    assert sorted(lp.name for lp in investors.lps.records) == [
        "Ash Pension Fund",
        "Birch Family Office",
    ]

    # The template a GP fills next time.
    template = investors.save_template()
    template.selectFile(str(tmp_path / "template.csv"))
    template.accept()
    QApplication.processEvents()
    assert (tmp_path / "template.csv").read_text("utf-8").strip() == ",".join(COLUMNS)

    # -- a deal, counsel invited, and given that deal --------------------------------------
    window.show_page("pipeline")
    click(qtbot, shell.pipeline.new_deal_button)
    deal = shell.pipeline.new_deal_dialog
    assert deal is not None
    qtbot.keyClicks(deal.name, "Cedar Shops")
    qtbot.keyClick(deal.name, Qt.Key.Key_Return)
    wait_ops(qtbot)

    people = window.show_page("people")
    assert isinstance(people, PeoplePage)
    assert [u.display_name for u in people.users.records] == ["Dana Reyes"]
    assert not people.revoke_device_button.isEnabled()
    assert people.revoke_device_button.toolTip() == (
        "This is the device you are using: revoke it from another device."
    )
    click(qtbot, people.invite_button)
    invite = people.dialog
    assert invite is not None
    qtbot.keyClicks(invite.email, "morgan@lee-legal.example")  # type: ignore[attr-defined]
    qtbot.keyClicks(invite.name, "Morgan Lee")  # type: ignore[attr-defined]
    submit(qtbot, invite)
    assert invite.error.text() == "Roles: tick at least one"
    click(qtbot, invite.roles[next(r for r in invite.roles if r.value == "counsel")])  # type: ignore[attr-defined]
    submit(qtbot, invite)
    assert not invite.isVisible()
    morgan = next(u for u in user_records(ws) if u.display_name == "Morgan Lee")
    assert {r.value for r in morgan.roles} == {"counsel"}
    assert people.selected_user() == morgan

    click(qtbot, people.grant_button)
    grant = people.dialog
    assert grant is not None
    assert grant.person.currentText() == "Morgan Lee (Counsel)"  # type: ignore[attr-defined]
    grant.target.setCurrentIndex(-1)  # type: ignore[attr-defined]
    qtbot.keyClicks(grant.target.lineEdit(), "Cedar Shops")  # type: ignore[attr-defined]
    submit(qtbot, grant)
    assert not grant.isVisible()
    [access] = entitlement_records(ws)
    assert (access.user_name, access.scope_type, access.scope_name, access.active) == (
        "Morgan Lee",
        "deal",
        "Cedar Shops",
        True,
    )
    assert people.entitlements.records == [access]
    qtmodeltester.check(people.users)
    qtmodeltester.check(people.entitlements)
    qtmodeltester.check(people.devices)

    # -- the call wizard lists the fund and splits a call to the cent ----------------------
    capital = window.show_page("capital")
    assert isinstance(capital, CapitalPage)
    click(qtbot, capital.new_call_button)
    wizard = capital.wizard
    assert wizard is not None
    assert [wizard.terms.fund.itemText(i) for i in range(wizard.terms.fund.count())] == [
        "Pinecrest Fund I (USD)"
    ]
    qtbot.keyClicks(wizard.terms.amount, "400000.00")
    wizard.next()
    preview = wizard.preview_page.preview
    assert preview is not None
    assert preview.problem is None
    assert sorted((line.lp_name, line.share) for line in preview.lines) == [
        ("Ash Pension Fund", Decimal("300000.00")),
        ("Birch Family Office", Decimal("100000.00")),
    ]
    assert preview.total == Decimal("400000.00")
    assert "✓ sums exactly" in wizard.preview_page.total.text()
    wizard.reject()
    assert not notices()
