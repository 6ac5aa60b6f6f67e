"""Pinecrest's founder Dana files documents from the desktop.

On the Riverside deal's page she adds the offering memorandum (a PDF) with "Add
document…", sees it listed, and opens it in its program: a checked copy of its exact bytes
is handed to the system's viewer. On the Funds page she adds the Q4 letter to Pinecrest Fund I with
"Share with the fund's LPs" ticked. Pictures of both are saved for the docs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from scenes import local_org, small_fund, wait_ops

from core.documents import list_documents
from core.ops.payloads.deals import DealCreatePayload
from desktop.deal.page import DealPage
from desktop.documents import FundDocumentDialog
from desktop.funds.page import FundsPage
from desktop.main_window import MainWindow


def test_a_gp_adds_and_opens_documents_from_the_deal_and_funds_pages(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
) -> None:
    data = tmp_path / "pinecrest"
    ws = local_org(data)
    fund = small_fund(ws)
    deal = ws.submit(DealCreatePayload(name="Riverside", currency="USD", fund_id=fund)).entity_id
    ws.close()
    memorandum = b"%PDF-1.7\nRiverside offering memorandum\n" * 1000
    (tmp_path / "Riverside OM.pdf").write_bytes(memorandum)
    (tmp_path / "Q4 letter.pdf").write_bytes(b"%PDF-1.7\nDear partners\n")

    window = open_window(data)
    shell = window.shell
    assert shell is not None
    shell.open_deal(deal)
    page = shell.page("deal")
    assert isinstance(page, DealPage)
    page.tabs.setCurrentIndex(1)
    assert page.document_bar.add_button.isEnabled()
    page.document_bar.add_file(tmp_path / "Riverside OM.pdf")
    wait_ops(qtbot)
    assert [d.filename for d in page.documents.records] == ["Riverside OM.pdf"]
    page.documents_view.selectRow(0)
    qtbot.mouseClick(page.document_bar.system_button, Qt.MouseButton.LeftButton)
    opened = page.document_bar.last_opened
    assert opened is not None
    assert opened.name == "Riverside OM.pdf"
    assert opened.read_bytes() == memorandum
    for _ in range(5):
        QApplication.processEvents()
    assert window.grab().save(str(artifacts / "deal-documents.png"))

    funds = window.show_page("funds")
    assert isinstance(funds, FundsPage)
    assert funds.document_button.isEnabled(), funds.document_button.toolTip()
    qtbot.mouseClick(funds.document_button, Qt.MouseButton.LeftButton)
    dialog = funds.document_dialog
    assert isinstance(dialog, FundDocumentDialog)
    dialog.set_file(tmp_path / "Q4 letter.pdf")
    qtbot.keyClicks(dialog.title, "Q4 2025 letter")
    dialog.share.setChecked(True)
    assert dialog.grab().save(str(artifacts / "fund-document-dialog.png"))
    dialog.submit()
    wait_ops(qtbot)
    assert not dialog.isVisible()
    session = window.session
    assert session is not None
    shared = list_documents(session.ws, fund_id=fund)
    assert [(d.name, d.shared_with_lps) for d in shared] == [("Q4 2025 letter", True)]
