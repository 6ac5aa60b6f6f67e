"""Capital calls. Harbor Peak's GP drafts a call in the wizard, sees each LP's share sum to
the cent, issues it and records a payment. At Pinecrest, the analyst may draft a call but
sees Issue disabled, with the reason."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.modeltest import ModelTester
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

from core.views.capital_view import call_allocations_of
from desktop.capital.page import CapitalPage
from desktop.main_window import MainWindow


def _wizard_to_preview(qtbot: QtBot, page: CapitalPage, amount: str) -> QWizard:
    qtbot.mouseClick(page.new_call_button, Qt.MouseButton.LeftButton)
    wizard = page.wizard
    assert wizard is not None
    assert wizard.isVisible()
    qtbot.keyClicks(wizard.terms.amount, amount)
    qtbot.keyClicks(wizard.terms.purpose, "Acquisition equity")
    wizard.next()
    assert wizard.currentPage() is wizard.preview_page
    return wizard


def test_gp_drafts_previews_issues_and_records_a_payment(
    qtbot: QtBot,
    demo_dir: Path,
    open_window: Callable[[Path], MainWindow],
    qtmodeltester: ModelTester,
) -> None:
    window = open_window(demo_dir)
    page = window.show_page("capital")
    assert isinstance(page, CapitalPage)
    calls_before = page.calls.rowCount()
    qtmodeltester.check(page.calls)
    qtmodeltester.check(page.allocations)

    wizard = _wizard_to_preview(qtbot, page, "1234567.89")
    preview = wizard.preview_page.preview
    assert preview is not None
    assert preview.problem is None
    assert len(preview.lines) == 110
    assert preview.total == Decimal("1234567.89")  # largest remainder: exact to the cent
    assert "✓ sums exactly" in wizard.preview_page.total.text()
    qtmodeltester.check(wizard.preview_page.model)

    wizard.next()  # "Save as draft": the op runs in the background, then the wizard moves on
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page)
    assert wizard.call is not None
    issue = wizard.done_page.issue_button
    assert issue.isEnabled()
    qtbot.mouseClick(issue, Qt.MouseButton.LeftButton)
    on = wizard.terms.call_date.date().toString("yyyy-MM-dd")
    due = wizard.terms.due_date.date().toString("yyyy-MM-dd")
    proceed(
        qtbot,
        wizard.confirmation,
        f"Issue the capital call of {on} for Harbor Peak Real Estate Fund I: "
        f"USD 1,234,567.89 from 110 LPs, due {due}?",
    )
    wait_ops(qtbot)
    assert wizard.issued is not None
    assert not notices()
    wizard.accept()

    assert page.calls.rowCount() == calls_before + 1
    new = next(c for c in page.calls.records if c.call_id == wizard.call.entity_id)
    assert new.status == "issued"
    assert new.amount == Decimal("1234567.89")
    shares = call_allocations_of(window.session.ws, new.call_id)  # type: ignore[union-attr]
    assert sum((a.amount for a in shares), Decimal(0)) == Decimal("1234567.89")
    assert [s.amount for s in shares] == [
        line.share for line in sorted(preview.lines, key=lambda line: line.lp_name)
    ]

    page.select_call(new.call_id)
    assert page.payment_button.isEnabled()
    qtbot.mouseClick(page.payment_button, Qt.MouseButton.LeftButton)
    dialog = page.payment_dialog
    assert dialog is not None
    owed = Decimal(dialog.amount.text())
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    wait_ops(qtbot)
    assert not notices()
    paid = next(c for c in page.calls.records if c.call_id == new.call_id)
    assert paid.paid == owed
    assert paid.state == "partly paid"


def test_analyst_drafts_but_cannot_issue_and_is_told_why(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
) -> None:
    ws = local_org(tmp_path / "data")
    small_fund(ws)
    user_id, device_id = add_member(
        ws, email="alex@pinecrest.example", name="Alex Chen", roles=["gp_analyst"]
    )
    switch_identity(ws, user_id=user_id, device_id=device_id)
    ws.close()
    window = open_window(tmp_path / "data")
    assert "Alex Chen · GP analyst" in window.identity.text()
    page = window.show_page("capital")
    assert isinstance(page, CapitalPage)
    assert page.new_call_button.isEnabled()

    wizard = _wizard_to_preview(qtbot, page, "600000.00")
    preview = wizard.preview_page.preview
    assert preview is not None
    assert [line.share for line in preview.lines] == [
        Decimal("100000.00"),
        Decimal("200000.00"),
        Decimal("300000.00"),
    ]
    wizard.next()
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page)
    reason = "Only a GP may issue capital calls; you are signed in as GP analyst."
    assert not wizard.done_page.issue_button.isEnabled()
    assert wizard.done_page.reason.text() == reason
    wizard.accept()

    page.select_call(wizard.call.entity_id)  # type: ignore[union-attr]
    assert page.selected_call() is not None
    assert page.selected_call().status == "draft"  # type: ignore[union-attr]
    assert not page.issue_button.isEnabled()
    assert "Only a GP may issue calls and record payments" in page.issue_button.toolTip()
    assert not page.payment_button.isEnabled()
    assert "you are signed in as GP analyst" in page.reason.text()
