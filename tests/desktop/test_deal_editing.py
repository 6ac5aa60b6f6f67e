"""Editing a deal. At Harbor Peak, the GP opens a deal whose occupancy was extracted from
its offering memorandum, retypes the asking price and the occupancy (which becomes manual),
confirms an extracted value (same document, same page), and is stopped — nothing
submitted — when a cap rate of 140 % breaks the field's rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot
from scenes import close_notices, notices, wait_ops

from core.commands.deal_editing import field_sources
from core.commands.workspace import Workspace
from core.views.deal_view import FieldLine, deal_detail
from core.views.pipeline import DealFilter, DealSort, fetch_deals
from core.views.viewer import current_viewer
from desktop.deal.edit_dialog import DealEditDialog
from desktop.deal.page import DealPage
from desktop.main_window import MainWindow


def _deal_with_extracted_occupancy(data_dir: Path) -> str:
    ws = Workspace.open(data_dir)
    try:
        viewer = current_viewer(ws)
        for deal in fetch_deals(ws, viewer, DealFilter(), DealSort(), offset=0, limit=200):
            detail = deal_detail(ws, viewer, deal.deal_id)
            if any(f.name == "occupancy" and f.provenance == "extracted" for f in detail.fields):
                return deal.deal_id
    finally:
        ws.close()
    raise AssertionError("the demo has no deal with an extracted occupancy")


def _open(window: MainWindow, deal_id: str) -> DealPage:
    shell = window.shell
    assert shell is not None
    shell.open_deal(deal_id)
    page = shell.page("deal")
    assert isinstance(page, DealPage)
    return page


def _field(page: DealPage, name: str) -> FieldLine:
    return next(f for f in page.fields.records if f.name == name)


def _edit(qtbot: QtBot, page: DealPage) -> DealEditDialog:
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = page.edit_dialog
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


def _retype(qtbot: QtBot, dialog: DealEditDialog, name: str, text: str) -> None:
    editor = dialog.editors[name]
    assert isinstance(editor, QLineEdit)
    editor.clear()
    qtbot.keyClicks(editor, text)


def _save(qtbot: QtBot, dialog: DealEditDialog) -> None:
    save = dialog.buttons.button(dialog.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)


def test_editing_fields_updates_the_page_and_its_history(
    qtbot: QtBot, demo_dir: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    deal_id = _deal_with_extracted_occupancy(demo_dir)
    page = _open(open_window(demo_dir), deal_id)
    assert page.edit_button.isEnabled()
    ops_before = page.history.rowCount()

    dialog = _edit(qtbot, page)
    _retype(qtbot, dialog, "asking_price", "21,500,000")
    _retype(qtbot, dialog, "occupancy", "93.5")
    _save(qtbot, dialog)
    assert not notices()
    assert dialog.saved is not None
    assert not dialog.isVisible()

    price, occupancy = _field(page, "asking_price"), _field(page, "occupancy")
    assert (price.value, price.display, price.provenance) == (
        "21500000.00",
        "USD 21,500,000.00",
        "manual",
    )
    assert (occupancy.value, occupancy.provenance, occupancy.source_document) == (
        "93.5",
        "manual",  # the user's own value replaces the extracted one
        None,
    )
    assert page.history.rowCount() == ops_before + 1
    latest = page.history.records[0]
    assert (latest.kind, latest.summary, latest.status) == (
        "deal.update",
        f"{page.detail.name} changed: Asking price, Occupancy %",
        "pending",
    )


def test_confirming_an_extracted_value_keeps_its_source(
    qtbot: QtBot, demo_dir: Path, open_window: Callable[[Path], MainWindow], artifacts: Path
) -> None:
    deal_id = _deal_with_extracted_occupancy(demo_dir)
    window = open_window(demo_dir)
    page = _open(window, deal_id)
    before = _field(page, "occupancy")
    assert window.session is not None
    source = field_sources(window.session.ws, deal_id)["occupancy"]
    page.select_field("asking_price")  # typed by hand: nothing to confirm
    assert not page.confirm_button.isEnabled()
    assert page.confirm_button.toolTip() == "Select an extracted value."
    page.select_field("occupancy")
    assert page.confirm_button.isEnabled()

    qtbot.mouseClick(page.confirm_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert not notices()
    after = _field(page, "occupancy")
    assert after.provenance == "confirmed"
    assert (after.value, after.source_document, after.source_page) == (
        before.value,
        before.source_document,
        before.source_page,
    )
    assert field_sources(window.session.ws, deal_id)["occupancy"].document_id == (
        source.document_id
    )
    assert not page.confirm_button.isEnabled()  # nothing left to confirm on this row
    assert window.grab().save(str(artifacts / "deal-confirmed.png"), "PNG")


def test_a_cap_rate_of_140_is_refused_naming_the_rule_and_nothing_is_sent(
    qtbot: QtBot,
    demo_dir: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    deal_id = _deal_with_extracted_occupancy(demo_dir)
    page = _open(open_window(demo_dir), deal_id)
    ops_before = page.history.rowCount()
    version = page.detail.version if page.detail else 0

    dialog = _edit(qtbot, page)
    _retype(qtbot, dialog, "cap_rate", "140")
    _retype(qtbot, dialog, "units", "12.5")
    _save(qtbot, dialog)
    shown = notices()
    assert len(shown) == 1
    assert shown[0].windowTitle() == "Cap rate % cannot be saved"
    assert (
        shown[0]
        .informativeText()
        .startswith("Cap rate % must be a percentage between 0 and 100 (you entered 140).")
    )
    assert "1 more field(s) are marked in red" in shown[0].informativeText()
    assert dialog.submitted is None
    assert dialog.isVisible()
    assert "#c0504d" in dialog.editors["units"].styleSheet()
    assert dialog.problems.text().splitlines() == [
        "Cap rate % must be a percentage between 0 and 100 (you entered 140).",
        "Units must be a whole number (you entered 12.5).",
    ]
    close_notices()
    assert dialog.grab().save(str(artifacts / "deal-edit.png"), "PNG")
    assert page.history.rowCount() == ops_before
    assert page.detail is not None
    assert page.detail.version == version
    dialog.reject()
