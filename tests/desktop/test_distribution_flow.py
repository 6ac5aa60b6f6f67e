"""Distributions. Harbor Peak's GP drafts a distribution pro rata to paid-in capital, sees
each LP's share sum to the cent, saves and issues it; the saved allocations equal the
preview. The waterfall basis stays greyed out, with the reason, until the fund's LPA terms
are recorded; then the reducer computes the split when the draft is saved. At Pinecrest
(LPs committed 1M, 2M, 3M), the analyst may draft but sees Issue disabled, with why."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from scenes import (
    add_member,
    entity_version,
    local_org,
    notices,
    proceed,
    small_fund,
    switch_identity,
    wait_ops,
)

from core.reports import read_fund_ledger
from core.views.distribution_view import drafted_distribution
from desktop.background import BackgroundOp
from desktop.capital.distribution_wizard import WATERFALL_NOTE, DistributionWizard
from desktop.capital.page import CapitalPage
from desktop.main_window import MainWindow

TERMS = {
    "style": "european",
    "preferred_return": "0.08",
    "compounding": "simple",
    "carried_interest": "0.20",
    "catch_up": "1",
    "gp_name": "Harbor Peak GP LLC",
    "label": "LPA of 2024",
}


def _open_wizard(qtbot: QtBot, page: CapitalPage) -> DistributionWizard:
    page.tabs.setCurrentIndex(1)
    qtbot.mouseClick(page.new_distribution_button, Qt.MouseButton.LeftButton)
    wizard = page.distribution_wizard
    assert wizard is not None
    assert wizard.isVisible()
    return wizard


def _to_preview(qtbot: QtBot, wizard: DistributionWizard, amount: str, basis: str) -> None:
    wizard.terms.basis.setCurrentIndex(wizard.terms.basis.findData(basis))
    qtbot.keyClicks(wizard.terms.amount, amount)
    wizard.next()
    assert wizard.currentPage() is wizard.preview_page


def _save(qtbot: QtBot, wizard: DistributionWizard) -> None:
    wizard.next()  # "Save as draft": the op runs on a worker, then the wizard moves on
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.done_page)
    assert not notices()


def test_gp_drafts_and_issues_a_distribution_that_matches_its_preview(
    qtbot: QtBot,
    demo_dir: Path,
    open_window: Callable[[Path], MainWindow],
    qtmodeltester: ModelTester,
    artifacts: Path,
) -> None:
    window = open_window(demo_dir)
    page = window.show_page("capital")
    assert isinstance(page, CapitalPage)
    before = page.distributions.rowCount()
    wizard = _open_wizard(qtbot, page)
    assert not wizard.terms.waterfall_enabled
    assert "no LPA terms" in wizard.terms.basis_reason.text()

    wizard.terms.note.setText("Q3 operating income")
    wizard.terms.recallable.setChecked(True)
    _to_preview(qtbot, wizard, "1234567.89", "paid_in")
    preview = wizard.preview_page.preview
    assert preview is not None
    assert preview.problem is None
    assert preview.total == Decimal("1234567.89")
    assert "✓ sums exactly" in wizard.preview_page.total.text()
    qtmodeltester.check(wizard.preview_page.model)
    assert wizard.grab().save(str(artifacts / "distribution-wizard.png"), "PNG")

    _save(qtbot, wizard)
    drafted = wizard.drafted
    assert drafted is not None
    assert drafted.status == "draft"
    expected = {line.lp_id: line.share for line in preview.lines if line.share}
    assert {s.lp_id: s.amount for s in drafted.shares} == expected  # to the cent
    assert drafted.total == Decimal("1234567.89")
    assert wizard.done_page.issue_button.isEnabled()
    qtbot.mouseClick(wizard.done_page.issue_button, Qt.MouseButton.LeftButton)
    on = wizard.terms.date.date().toString("yyyy-MM-dd")
    proceed(
        qtbot,
        wizard.confirmation,
        f"Issue the income distribution of {on} for Harbor Peak Real Estate Fund I: "
        f"USD 1,234,567.89 to {len(drafted.shares)} LPs?",
    )
    wait_ops(qtbot)
    assert wizard.issued is not None
    assert not notices()
    assert wizard.done_page.title() == "Issued"
    wizard.accept()

    assert page.distributions.rowCount() == before + 1
    line = next(
        d for d in page.distributions.records if d.distribution_id == drafted.distribution_id
    )
    assert (line.status, line.amount, line.basis) == ("issued", Decimal("1234567.89"), "paid_in")
    # Ticked on the terms page: each LP's notice says it is recallable.
    lp_id = next(iter(expected))
    ledger = read_fund_ledger(window.session.ws, wizard.terms.fund_id()).of(lp_id)
    assert ledger is not None
    entry = ledger.distribution(drafted.distribution_id)
    assert entry is not None
    assert entry.recallable
    assert not entry.offsets_unpaid_calls


def test_waterfall_is_offered_once_the_fund_has_lpa_terms(
    qtbot: QtBot, demo_dir: Path, open_window: Callable[[Path], MainWindow], artifacts: Path
) -> None:
    window = open_window(demo_dir)
    page = window.show_page("capital")
    assert isinstance(page, CapitalPage)
    wizard = _open_wizard(qtbot, page)
    assert not wizard.terms.waterfall_enabled
    session = window.session
    assert session is not None
    fund_id = wizard.terms.fund_id()
    version = entity_version(session.ws, fund_id)
    BackgroundOp(
        parent=page,
        label="Recording terms…",
        bridge=session.bridge,
        task=lambda: session.ws.submit_wire(
            "fund.terms.set", entity_id=fund_id, payload=TERMS, base_version=version
        ),
    ).run_in_background()
    wait_ops(qtbot)
    assert not notices()
    assert wizard.terms.waterfall_enabled  # redrawn from the bridge's signal
    assert "European waterfall: 8 % preferred return, 20 % carried interest" in (
        wizard.terms.basis_reason.text()
    )

    _to_preview(qtbot, wizard, "5000000.00", "waterfall")
    assert WATERFALL_NOTE in wizard.preview_page.total.text()
    assert not wizard.preview_page.table.isVisible()
    _save(qtbot, wizard)
    drafted = wizard.drafted
    assert drafted is not None
    assert (drafted.basis, drafted.terms_version) == ("waterfall", 1)
    assert drafted.total == Decimal("5000000.00")
    assert drafted.shares
    assert wizard.done_page.model.rowCount() == len(drafted.shares)
    assert "✓ sums exactly" in wizard.done_page.summary.text()
    assert wizard.grab().save(str(artifacts / "distribution-waterfall-result.png"), "PNG")
    wizard.accept()


def test_analyst_drafts_a_distribution_but_cannot_issue_it(
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
    page = window.show_page("capital")
    assert isinstance(page, CapitalPage)
    wizard = _open_wizard(qtbot, page)
    _to_preview(qtbot, wizard, "600000.00", "commitment")
    preview = wizard.preview_page.preview
    assert preview is not None
    assert [line.share for line in preview.lines] == [
        Decimal("100000.00"),
        Decimal("200000.00"),
        Decimal("300000.00"),
    ]
    _save(qtbot, wizard)
    reason = "Only a GP may issue distributions; you are signed in as GP analyst."
    assert not wizard.done_page.issue_button.isEnabled()
    assert wizard.done_page.reason.text() == reason
    wizard.accept()

    assert wizard.distribution is not None
    saved = drafted_distribution(window.session.ws, wizard.distribution.entity_id)  # type: ignore[union-attr]
    assert saved is not None
    assert saved.status == "draft"
    page.distributions_view.selectRow(0)
    assert page.selected_distribution() is not None
    assert not page.issue_distribution_button.isEnabled()
    assert "Only a GP may issue distributions" in page.issue_distribution_button.toolTip()
