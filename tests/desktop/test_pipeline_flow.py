"""Pinecrest Partners, a new local org: its GP creates a deal with Ctrl+N, finds it with
Ctrl+F, walks it up the pipeline from the menu, is refused at IC without a vote (and is
told why), records the vote, and moves on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from scenes import close_notices, local_org, notices, proceed, wait_ops

from core.views.pipeline import DealFilter
from desktop.deal.page import DealPage
from desktop.main_window import MainWindow


def _trigger(menu: QMenu | None, name: str) -> QAction:
    assert menu is not None
    action = menu.findChild(QAction, name)
    assert action is not None, [a.objectName() for a in menu.actions()]
    action.setParent(None)  # outlive the menu, which deletes itself on close
    enabled = action.isEnabled()
    menu.close()
    QApplication.processEvents()
    if enabled:
        action.trigger()
    return action


def test_create_move_and_a_refused_gate(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    qtmodeltester: ModelTester,
) -> None:
    local_org(tmp_path / "data").close()
    window = open_window(tmp_path / "data")
    shell = window.shell
    assert shell is not None

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = shell.pipeline.new_deal_dialog
    assert dialog is not None
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.name, "Riverside Apartments")
    qtbot.keyClicks(dialog.sponsor.lineEdit(), "Crescent Ridge Partners")
    qtbot.keyClicks(dialog.property_type.lineEdit(), "multifamily")
    qtbot.keyClicks(dialog.asking_price, "24,500,000.00")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    wait_ops(qtbot)
    assert not dialog.isVisible()
    page = shell.stack.currentWidget()
    assert isinstance(page, DealPage)
    assert page.detail is not None
    assert page.detail.name == "Riverside Apartments"
    assert page.detail.stage == "draft"
    price = next(f for f in page.detail.fields if f.name == "asking_price")
    assert price.display == "USD 24,500,000.00"
    assert price.provenance == "manual"

    # Up the pipeline from the deal page's menu: draft → screening → underwriting → IC.
    for target in ("screening", "underwriting", "ic_review"):
        _trigger(page.open_move_menu(), f"moveTo_{target}")
        wait_ops(qtbot)
        assert page.detail.stage == target
    assert [h.summary for h in page.detail.history][:1] == [
        "Riverside Apartments moved to IC review"
    ]
    assert page.detail.history[0].actor == "Dana Reyes"
    assert page.detail.history[0].status == "pending"

    # The gate's checklist says what IC approval still needs, in the reducer's words.
    qtbot.waitUntil(lambda: bool(page.gate_checks))
    assert [c.line for c in page.gate_checks] == [
        "Underwriting: ready",
        "Approved: IC approval requires an approving IC vote recorded by a GP during this "
        "IC review",
        "Dead: ready",
    ]
    # IC approval without an approving vote: the lifecycle gate says no, and why.
    _trigger(page.open_move_menu(), "moveTo_approved")
    wait_ops(qtbot)
    shown = notices()
    assert len(shown) == 1
    assert shown[0].windowTitle() == "The lifecycle gate refused this move"
    assert "approving IC vote" in shown[0].informativeText()
    assert page.detail.stage == "ic_review"
    close_notices()

    # Record the vote, then the same move goes through.
    assert page.vote_button.isEnabled()
    menu = page._approval_menu("ic_vote")
    _trigger(menu, "decision_approve")
    proceed(qtbot, page.confirmation, f"Record your IC vote on {page.detail.name}: approve?")
    wait_ops(qtbot)
    assert [a.decision for a in page.detail.approvals] == ["approve"]
    _trigger(page.open_move_menu(), "moveTo_approved")
    wait_ops(qtbot)
    assert page.detail.stage == "approved"
    assert not notices()

    # Back to the pipeline; Ctrl+F finds it.
    qtbot.mouseClick(page.back, Qt.MouseButton.LeftButton)
    pipeline = shell.pipeline
    assert shell.stack.currentWidget() is pipeline
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is pipeline.search
    qtbot.keyClicks(pipeline.search, "riverside")
    wait_ops(qtbot)
    assert pipeline.model.rowCount() == 1
    deal = pipeline.model.deal_at(0)
    assert deal is not None
    assert deal.stage == "approved"
    assert deal.sponsor == "Crescent Ridge Partners"
    qtmodeltester.check(pipeline.model)
    qtmodeltester.check(page.history)
    qtmodeltester.check(page.fields)


def test_filter_sort_and_board_on_the_demo(
    qtbot: QtBot,
    demo_dir: Path,
    open_window: Callable[[Path], MainWindow],
    qtmodeltester: ModelTester,
) -> None:
    window = open_window(demo_dir)
    assert window.shell is not None
    pipeline = window.shell.pipeline
    model = pipeline.model
    assert model.rowCount() == 44
    qtmodeltester.check(model)

    pipeline.stage.setCurrentIndex(pipeline.stage.findData("closed"))
    wait_ops(qtbot)
    assert model.rowCount() == 8
    assert {model.deal_at(r).stage for r in range(8)} == {"closed"}  # type: ignore[union-attr]
    pipeline.stage.setCurrentIndex(0)
    wait_ops(qtbot)
    sponsor = pipeline.sponsor.itemData(1)
    pipeline.sponsor.setCurrentIndex(1)
    wait_ops(qtbot)
    assert 0 < model.rowCount() < 44
    assert all(model.deal_at(r).sponsor == sponsor for r in range(model.rowCount()))  # type: ignore[union-attr]
    pipeline.sponsor.setCurrentIndex(0)
    wait_ops(qtbot)
    assert model.filter == DealFilter()

    # Sort by asking price, highest first, by clicking the header twice.
    header = pipeline.table.horizontalHeader()
    x = header.sectionViewportPosition(5) + 10
    from PySide6.QtCore import QPoint

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    wait_ops(qtbot)
    if not model.sort_by.descending:
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        wait_ops(qtbot)
    prices = [model.deal_at(r).asking_price for r in range(model.rowCount())]  # type: ignore[union-attr]
    assert model.sort_by.column == "asking_price"
    assert model.sort_by.descending
    assert prices == sorted(prices, reverse=True)  # type: ignore[type-var]

    # The board: one column per stage; a drop asks core to move the deal.
    pipeline.show_board()
    board = pipeline.board
    for stage_model in board.models.values():
        qtmodeltester.check(stage_model)
    draft = board.models["draft"]
    screening = board.models["screening"]
    assert draft.total == 5
    assert screening.total == 6
    mime = draft.mimeData([draft.index(0, 0)])
    # Which drops a stage allows: a draft card may land on screening or dead, not approved.
    assert screening.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    approved = board.models["approved"]
    assert not approved.canDropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert board.columns["draft"].toolTip() == (
        "Deals here can move to Screening, Dead; drag a card onto that column."
    )
    assert "asking" in board.columns["screening"].header.text()
    assert (
        screening.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0, screening.index(0, 0)) is False
    )
    wait_ops(qtbot)
    assert draft.total == 4
    assert screening.total == 7
    # Dropping a screening deal on "approved" is refused by the lifecycle, with the reason.
    mime = screening.mimeData([screening.index(0, 0)])
    board.models["approved"].dropMimeData(
        mime, Qt.DropAction.MoveAction, 0, 0, screening.index(0, 0)
    )
    wait_ops(qtbot)
    shown = notices()
    assert shown
    assert "cannot move from screening to approved" in shown[0].informativeText()
    close_notices()
