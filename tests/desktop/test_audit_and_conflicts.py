"""Pinecrest's GP verifies the audit chain (and sees exactly where it was tampered with),
then works through the conflicts inbox: re-applies one refused change on the current
version and discards another with a note."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from scenes import local_org, proceed, refuse_as_server, wait_ops

from core.ids import new_id
from core.views.audit_view import AuditFilter, audit_page
from desktop.audit.page import AuditPage
from desktop.main_window import MainWindow
from desktop.sync.conflicts_page import ConflictsPage


def test_verify_the_audit_log_then_catch_an_edit(
    qtbot: QtBot,
    demo_dir: Path,
    open_window: Callable[[Path], MainWindow],
    qtmodeltester: ModelTester,
) -> None:
    window = open_window(demo_dir)
    page = window.show_page("audit")
    assert isinstance(page, AuditPage)
    assert page.model.rowCount() == 1239
    qtmodeltester.check(page.model)
    page.kind.setCurrentIndex(page.kind.findData("capital_call.issue"))
    assert 0 < page.model.rowCount() < 20
    page.kind.setCurrentIndex(0)

    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert page.verdict is not None
    assert page.verdict.ok
    assert page.banner.text().startswith("✓ Audit chain intact: 1,239 entries")

    with sqlite3.connect(demo_dir / "dealos.db") as db:
        db.execute("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 700")
    window.verify_audit()  # the File menu's "Verify audit log"
    wait_ops(qtbot)
    assert page.verdict is not None
    assert not page.verdict.ok
    assert page.verdict.first_bad_seq == 700
    assert "broken at entry 700" in page.banner.text()
    selected = page.table.selectionModel().selectedRows()
    assert selected
    assert page.model.line(selected[0].row()).seq == 700


def test_resolve_conflicts_by_reapplying_and_by_discarding(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    qtmodeltester: ModelTester,
) -> None:
    ws = local_org(tmp_path / "data")
    deal_id = new_id()
    ws.submit_wire(
        "deal.create",
        entity_id=deal_id,
        payload={"name": "Cedar Shops", "currency": "USD", "fields": {}},
    )
    moved = ws.submit_wire(
        "deal.transition", entity_id=deal_id, payload={"to": "screening"}, base_version=1
    )
    refuse_as_server(
        ws,
        moved.op_id,
        code="version_conflict",
        message="the deal is at version 2, the op was written against version 1",
    )
    renamed = ws.submit_wire(
        "deal.update",
        entity_id=deal_id,
        payload={"fields": {"sponsor": {"value": "Larkspur Holdings"}}},
        base_version=1,
    )
    refuse_as_server(ws, renamed.op_id, code="forbidden", message="that sponsor is embargoed")
    ws.close()

    window = open_window(tmp_path / "data")
    assert window.sync_widget is not None
    page = window.show_page("conflicts")
    assert isinstance(page, ConflictsPage)
    qtmodeltester.check(page.model)
    assert page.model.rowCount() == 2
    first = page.selected()
    assert first is not None
    assert first.kind == "deal.transition"
    assert first.entity_label == "deal “Cedar Shops”"
    assert first.base_version == 1
    assert first.current_version == 1
    assert page.yours_title.text() == "<b>Your change</b> — Cedar Shops moved to Screening"
    assert page.yours.toPlainText().splitlines()[1].split() == ["To", "screening", "—"]
    assert "Stage: draft" in page.theirs.toPlainText().splitlines()  # the record now
    assert first.kind_words == "Deal moved"
    assert not page.discard_button.isEnabled()  # a discard needs a note

    qtbot.mouseClick(page.reapply_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert page.model.rowCount() == 1
    assert window.shell is not None
    deal = window.shell.pipeline.model.deal_at(0)
    assert deal is not None
    assert deal.stage == "screening"

    second = page.selected()
    assert second is not None
    assert second.code == "forbidden"
    qtbot.keyClicks(page.note, "Sponsor confirmed embargoed by compliance")
    assert page.discard_button.isEnabled()
    qtbot.mouseClick(page.discard_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot)
    assert page.model.rowCount() == 0
    assert "No conflicts" in page.empty.text()
    assert window.session is not None
    trail = audit_page(
        window.session.ws, AuditFilter(event="conflict.discarded"), offset=0, limit=5
    )
    assert [line.detail for line in trail] == ["Sponsor confirmed embargoed by compliance"]
    qtbot.waitUntil(lambda: not window.sync_widget.conflicts.isVisible())  # type: ignore[union-attr]


def test_bulk_discard_resolves_every_conflict_with_one_note_after_asking(
    qtbot: QtBot, tmp_path: Path, keyring_file: Path, open_window: Callable[[Path], MainWindow]
) -> None:
    ws = local_org(tmp_path / "data")
    for name in ("Cedar Shops", "Birch Plaza"):
        made = ws.submit_wire(
            "deal.create", entity_id=new_id(), payload={"name": name, "currency": "USD"}
        )
        refuse_as_server(ws, made.op_id, code="forbidden", message="the server refused it")
    ws.close()
    window = open_window(tmp_path / "data")
    page = window.show_page("conflicts")
    assert isinstance(page, ConflictsPage)
    assert not page.discard_all_button.isEnabled()  # a note first
    qtbot.keyClicks(page.note, "Duplicates of deals entered on the other laptop")
    qtbot.mouseClick(page.discard_all_button, Qt.MouseButton.LeftButton)
    proceed(
        qtbot,
        page.confirmation,
        "Discard all 2 refused changes with the note “Duplicates of deals entered on the "
        "other laptop”?",
    )
    wait_ops(qtbot)
    assert page.model.rowCount() == 0
