"""Harbor Peak Capital's founder Gina (GP and admin) sets Fund I's four-eyes threshold at
$1,000,000.00, gives its notices wire instructions (a SWIFT code typed with spaces is
refused naming the field), records a NAV and its first LPA terms; revokes Alex's laptop
and withdraws one of Morgan's deals, each after a confirmation that says exactly what will
happen; makes Alex a GP too. At Pinecrest, the analyst sees what only a GP or an admin may
do disabled, with the reason. Pictures of each screen are saved for the docs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from scenes import add_member, local_org, proceed, small_fund, switch_identity, wait_ops

from core.domain.roles import Role
from core.views.fund_admin import fund_records
from core.views.investor_sheet import COLUMNS
from core.views.people_admin import device_records, entitlement_records, user_records
from desktop.forms import SetupDialog
from desktop.funds.fund_dialogs import EditFundDialog, FourEyesDialog, NavDialog
from desktop.funds.page import FundsPage
from desktop.funds.terms_dialog import TermsDialog
from desktop.investors.import_dialog import ImportDialog
from desktop.investors.lp_dialog import LpDialog
from desktop.investors.page import InvestorsPage
from desktop.main_window import MainWindow
from desktop.people.dialogs import RolesDialog
from desktop.people.page import PeoplePage


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def submit(qtbot: QtBot, dialog: SetupDialog) -> None:
    click(qtbot, dialog.ok_button)
    wait_ops(qtbot)


def retype(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def grab(widget: QWidget, path: Path) -> None:
    for _ in range(5):
        QApplication.processEvents()
    assert widget.grab().save(str(path), "PNG")
    assert path.stat().st_size > 10_000


def test_admin_sets_controls_and_manages_people(
    qtbot: QtBot,
    demo_dir: Path,
    tmp_path: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(demo_dir)
    ws = window.session.ws  # type: ignore[union-attr]
    funds = window.show_page("funds")
    assert isinstance(funds, FundsPage)
    assert [f.name for f in funds.funds.records] == [
        "Harbor Peak Real Estate Fund I",
        "Harbor Peak Real Estate Fund II",
    ]
    assert funds.selected_fund() == funds.funds.records[0]

    click(qtbot, funds.four_eyes_button)
    four = funds.dialog
    assert isinstance(four, FourEyesDialog)
    assert four.off.isChecked()
    qtbot.keyClicks(four.threshold, "1,000,000.00")
    assert four.above.isChecked()
    submit(qtbot, four)
    assert fund_records(ws)[0].four_eyes == Decimal("1000000.00")
    assert "Calls and distributions above $1,000,000.00 need a second GP" in funds.detail.text()

    click(qtbot, funds.edit_button)
    edit = funds.dialog
    assert isinstance(edit, EditFundDialog)
    qtbot.keyClicks(edit.bank_name, "First Meridian Bank")
    qtbot.keyClicks(edit.account_name, "Harbor Peak Real Estate Fund I LP")
    qtbot.keyClicks(edit.account_number, "4411 0098 77")
    qtbot.keyClicks(edit.swift, "FMBK US 33")
    submit(qtbot, edit)
    assert edit.error.text() == "SWIFT/BIC: must be 8 or 11 letters and digits, such as CHASUS33"
    retype(qtbot, edit.swift, "fmbkus33")
    submit(qtbot, edit)
    assert not edit.isVisible()
    payment = fund_records(ws)[0].payment
    assert payment is not None
    assert (payment.bank_name, payment.account_number, payment.swift) == (
        "First Meridian Bank",
        "4411 0098 77",
        "FMBKUS33",
    )

    click(qtbot, funds.nav_button)
    nav = funds.dialog
    assert isinstance(nav, NavDialog)
    qtbot.keyClicks(nav.nav, "52,000,000.00")
    qtbot.keyClicks(nav.note, "Quarterly valuation")
    submit(qtbot, nav)
    assert fund_records(ws)[0].navs[-1].nav == Decimal("52000000.00")

    click(qtbot, funds.terms_button)
    terms = funds.dialog
    assert isinstance(terms, TermsDialog)
    terms.fill_example()
    grab(terms, artifacts / "terms-dialog.png")
    submit(qtbot, terms)
    assert fund_records(ws)[0].terms is not None
    grab(window, artifacts / "setup-funds.png")

    # -- people: a device revoked, an access withdrawn, a role added ---------------------
    people = window.show_page("people")
    assert isinstance(people, PeoplePage)
    grab(window, artifacts / "setup-people.png")
    people.tabs.setCurrentIndex(1)
    row = next(i for i, d in enumerate(people.devices.records) if d.user_name == "Alex Chen")
    people.devices_view.selectRow(row)
    click(qtbot, people.revoke_device_button)
    assert people.confirmation is not None
    assert "Every change it signs from now on is refused" in people.confirmation.informativeText()
    proceed(qtbot, people.confirmation, "Revoke “Alex Chen's laptop” (Alex Chen)?")
    wait_ops(qtbot)
    alex_device = next(d for d in device_records(ws) if d.user_name == "Alex Chen")
    assert not alex_device.active
    assert people.selected_device() == alex_device
    assert people.revoke_device_button.toolTip() == "This device is already revoked."

    people.tabs.setCurrentIndex(0)
    first = next(e for e in people.entitlements.records if e.user_name == "Morgan Lee")
    people.entitlements_view.selectRow(people.entitlements.records.index(first))
    click(qtbot, people.withdraw_button)
    proceed(
        qtbot,
        people.confirmation,
        f"Withdraw Morgan Lee's access to deal {first.scope_name}?",
    )
    wait_ops(qtbot)
    after = next(e for e in entitlement_records(ws) if e.entitlement_id == first.entitlement_id)
    assert not after.active

    row = next(i for i, u in enumerate(people.users.records) if u.display_name == "Alex Chen")
    people.users_view.selectRow(row)
    click(qtbot, people.roles_button)
    roles = people.dialog
    assert isinstance(roles, RolesDialog)
    assert roles.roles[Role.GP_ANALYST].isChecked()
    click(qtbot, roles.roles[Role.GP])
    submit(qtbot, roles)
    alex = next(u for u in user_records(ws) if u.display_name == "Alex Chen")
    assert alex.roles == {Role.GP, Role.GP_ANALYST}

    # -- investors: the page, and an import refused by row and column ---------------------
    investors = window.show_page("investors")
    assert isinstance(investors, InvestorsPage)
    grab(window, artifacts / "setup-investors.png")
    first_lp = investors.selected_lp()
    assert first_lp is not None
    click(qtbot, investors.edit_button)
    lp_form = investors.dialog
    assert isinstance(lp_form, LpDialog)
    submit(qtbot, lp_form)
    assert lp_form.error.text() == "Nothing to save: the name and the contacts are as recorded"
    retype(qtbot, lp_form.name, f"{first_lp.name} Trust")
    submit(qtbot, lp_form)
    assert not lp_form.isVisible()
    assert investors.selected_lp().name == f"{first_lp.name} Trust"  # type: ignore[union-attr]
    monkeypatch.chdir(tmp_path)
    with (tmp_path / "investors.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(
            [
                ["Juniper Foundation", "institution", "Ada Park", "ada@juniper.example",
                 "Harbor Peak Real Estate Fund II", "2500000.00", "2026-03-02"],
                ["Juniper Foundation", "", "Ben Ito", "ben@juniper.example", "", "", ""],
                ["Kestrel Family Office", "family office", "Kim Vale", "kim.kestrel.example",
                 "Harbor Peak Real Estate Fund II", "750000.00", "2026-03-02"],
                ["Larch Partners", "fund of funds", "", "", "Harbor Peak Real Estate Fund III",
                 "1000000.00", "2026-03-02"],
            ]
        )  # fmt: skip
    click(qtbot, investors.import_button)
    importer = investors.dialog
    assert isinstance(importer, ImportDialog)
    qtbot.keyClicks(importer.path, "investors.csv")
    click(qtbot, importer.preview_button)
    wait_ops(qtbot)
    assert [r.problem for r in importer.rows.records] == [False, False, True, True]
    assert importer.rows.records[2].text.startswith("column ‘Contact email’:")
    assert importer.verdict.text().startswith(
        "investors.csv cannot be imported, nothing will be written: 2 problems, the first: "
        "row 4, column ‘Contact email’"
    )
    assert not importer.import_button.isEnabled()
    grab(importer, artifacts / "investor-import.png")
    importer.reject()


def test_an_analyst_sees_what_only_a_gp_or_an_admin_may_do_disabled_with_the_reason(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    ws = local_org(tmp_path / "data")
    small_fund(ws)
    user_id, device_id = add_member(
        ws, email="alex@pinecrest.example", name="Alex Chen", roles=["gp_analyst"]
    )
    switch_identity(ws, user_id=user_id, device_id=device_id)
    ws.close()
    window = open_window(tmp_path / "data")
    funds = window.show_page("funds")
    assert isinstance(funds, FundsPage)
    assert not funds.new_button.isEnabled()
    assert funds.new_button.toolTip() == (
        "Only a GP may create funds; you are signed in as GP analyst."
    )
    assert funds.four_eyes_button.toolTip() == (
        "Only an admin may set the four-eyes threshold; you are signed in as GP analyst."
    )
    assert funds.new_fund() is None
    people = window.show_page("people")
    assert isinstance(people, PeoplePage)
    assert not people.invite_button.isEnabled()
    assert people.invite_button.toolTip() == (
        "Only an admin may manage people and access; you are signed in as GP analyst."
    )
    investors = window.show_page("investors")
    assert isinstance(investors, InvestorsPage)
    assert investors.add_button.isEnabled()
    assert not investors.commitment_button.isEnabled()
    assert investors.commitment_button.toolTip() == (
        "Only a GP may record commitments; you are signed in as GP analyst."
    )
