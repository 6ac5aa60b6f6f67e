"""Dana reads the Harbor Point offering memorandum into the deal, by clicks only.

She drops the memorandum (a 4-page PDF whose page 3 is a scanned image) on the deal's
page; it is added as the deal's document. "Review terms…" reads it with the AI endpoint
(the real ``openai`` client against a local chat-completions server, named by
``OPENAI_BASE_URL`` as anywhere else) and lands as a draft: each proposed term beside its
quote, the page shown by QtPdf with the quote highlighted. The net operating income's
quote is not on the page the model named: it is unverified, and "Accept" stays off until
she types the value herself. She rejects the cap rate, types the NOI, and accepts every
verified term at once. Then, on the deal's fields, "Where from?" on the asking price opens
the memorandum's page 2 with "Asking price: $48,500,000" highlighted, and the chain:
the document, the extraction, her signed confirmation, and the capital call that funds
the deal. She reads page 3 in the document viewer: a scanned image, said in words.
Screenshots of each step are saved and looked at.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chat_server import ChatServer, terms_reply
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from pytestqt.qtbot import QtBot
from sample_documents import OM_TERMS, OM_UNVERIFIED_NOI, offering_memorandum
from scenes import local_org, notices, small_fund, wait_ops

from core.ids import new_id
from core.ops.payloads.deals import DealCreatePayload
from desktop.capital.page import CapitalPage
from desktop.deal.page import DealPage
from desktop.documents.provenance_dialog import ProvenanceDialog
from desktop.documents.review_dialog import ExtractionReviewDialog
from desktop.documents.viewer_dialog import DocumentViewerDialog
from desktop.main_window import MainWindow

ANSWER = terms_reply(*OM_TERMS, OM_UNVERIFIED_NOI)


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def settle(seconds: float = 0.6) -> None:
    """Let QtPdf render the page before a picture is taken."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def grab(widget: QWidget, path: Path) -> None:
    settle()
    assert widget.grab().save(str(path), "PNG")


def drop_file(page: DealPage, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    where = page.rect().center()
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        QPointF(where), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(page, enter)
    assert enter.isAccepted(), "the deal page refused a PDF dropped on it"
    drop = QDropEvent(
        QPointF(where),
        actions,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, drop)


def states(dialog: ExtractionReviewDialog) -> dict[str, str]:
    assert dialog.loaded is not None
    return {line.proposal.term: line.state.value for line in dialog.loaded.lines}


def select(qtbot: QtBot, dialog: ExtractionReviewDialog, term: str) -> None:
    dialog.select_term(term)
    line = dialog.selected_line()
    assert line is not None
    assert line.proposal.term == term


def reloaded(qtbot: QtBot, dialog: ExtractionReviewDialog, term: str, state: str) -> None:
    def settled() -> None:
        assert states(dialog).get(term) == state, (states(dialog), notices_shown())

    qtbot.waitUntil(settled, timeout=10_000)


def notices_shown() -> list[str]:
    return [box.text() for box in notices()]


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatServer]:
    """The chat-completions endpoint, named as anywhere else: OPENAI_BASE_URL and the rest."""
    with ChatServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("DEALOS_AI_MODEL", "harbor-test-model")
        yield server


def test_dana_drops_reviews_accepts_and_traces_the_memorandum(
    qtbot: QtBot,
    tmp_path: Path,
    keyring_file: Path,
    open_window: Callable[[Path], MainWindow],
    artifacts: Path,
    endpoint: ChatServer,
) -> None:
    data = tmp_path / "pinecrest"
    ws = local_org(data)
    fund = small_fund(ws)
    deal = ws.submit(DealCreatePayload(name="Harbor Point", currency="USD", fund_id=fund)).entity_id
    ws.close()
    memo = offering_memorandum(tmp_path / "Harbor Point OM.pdf")

    window = open_window(data)
    shell = window.shell
    assert shell is not None
    shell.open_deal(deal)
    page = shell.page("deal")
    assert isinstance(page, DealPage)

    # Dropped on the deal: added as its document.
    drop_file(page, memo)
    wait_ops(qtbot)
    qtbot.waitUntil(lambda: [d.filename for d in page.documents.records] == [memo.name])
    assert page.tabs.currentIndex() == 1

    # Review terms…: a draft, each term beside its quote, the page highlighted by QtPdf.
    endpoint.script(ANSWER)
    page.documents_view.selectRow(0)
    click(qtbot, page.document_bar.review_button)
    review = page.document_bar.dialog
    assert isinstance(review, ExtractionReviewDialog)
    qtbot.waitUntil(lambda: review.loaded is not None, timeout=20_000)
    assert states(review) == {
        "sponsor": "to review",
        "units": "to review",
        "asking_price": "to review",
        "noi": "unverified",
        "cap_rate": "to review",
        "debt_terms": "to review",
    }
    assert "page 3 has no text layer (a scanned image); OCR is not available yet" in (
        review.notes.text()
    )
    assert "nothing is in the deal until you accept it" in review.heading.text()
    select(qtbot, review, "asking_price")
    qtbot.waitUntil(lambda: review.page.pdf_highlight_page == 2, timeout=10_000)
    assert review.page.highlighted == "Asking price: $48,500,000"
    grab(review, artifacts / "extraction-review.png")

    # The cap rate: rejected, kept in the draft, out of "accept all".
    select(qtbot, review, "cap_rate")
    click(qtbot, review.reject_button)
    reloaded(qtbot, review, "cap_rate", "rejected")

    # The NOI's quote is not on page 1: accepted only as a value she types.
    select(qtbot, review, "noi")
    assert not review.accept_button.isEnabled()
    assert "not shown as fact" in review.accept_button.toolTip()
    review.value.clear()
    qtbot.keyClicks(review.value, "2,910,000")
    click(qtbot, review.accept_button)
    reloaded(qtbot, review, "noi", "accepted")

    click(qtbot, review.accept_all_button)
    reloaded(qtbot, review, "asking_price", "accepted")
    assert states(review) == {
        "sponsor": "accepted",
        "units": "accepted",
        "asking_price": "accepted",
        "noi": "accepted",
        "cap_rate": "rejected",
        "debt_terms": "accepted",
    }
    assert len(endpoint.requests) == 1  # the kept draft served every reload
    grab(review, artifacts / "extraction-reviewed.png")
    review.reject()

    # What was signed: confirmed values naming the document, page and quote; the NOI typed.
    session = window.session
    assert session is not None
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.version >= 3)
    fields = {f.name: f for f in page.fields.records}
    assert (fields["asking_price"].value, fields["asking_price"].provenance) == (
        "48500000.00",
        "confirmed",
    )
    assert (fields["asking_price"].source_document, fields["asking_price"].source_page) == (
        memo.name,
        2,
    )
    assert (fields["noi"].value, fields["noi"].provenance) == ("2910000.00", "manual")
    assert fields["cap_rate"].value is None
    assert fields["debt_terms"].value == "$31,525,000 at 5.85% fixed"

    # A capital call funds the deal: it is where the confirmed terms went.
    call_id = new_id()
    session.ws.submit_wire(
        "capital_call.create",
        entity_id=call_id,
        payload={
            "fund_id": fund,
            "deal_id": deal,
            "purpose": "Acquisition of Harbor Point",
            "amount": "600000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
            "split_rule": "as_of_date",
        },
    )

    # Where from? on the asking price: the page, the quote, and the chain.
    page.tabs.setCurrentIndex(0)
    page.select_field("asking_price")
    click(qtbot, page.source_button)
    source = page.source_dialog
    assert isinstance(source, ProvenanceDialog)
    qtbot.waitUntil(lambda: source.loaded is not None, timeout=10_000)
    qtbot.waitUntil(lambda: source.page.pdf_highlight_page == 2, timeout=10_000)
    assert source.page.highlighted == "Asking price: $48,500,000"
    assert source.loaded is not None
    chain = source.loaded.found.chain
    assert [link.step for link in chain] == ["Document", "Extraction", "Confirmed", "Used by"]
    assert chain[0].text == f"{memo.name} added by Dana Reyes"
    assert chain[1].text == "harbor-test-model proposed “$48,500,000” from page 2"
    assert chain[2].text.startswith("Dana Reyes signed asking price = ")
    assert "(as the model read it)" in chain[2].text
    assert "600,000.00" in chain[3].text
    assert source.loaded.text is not None
    page_two = source.loaded.text.pages[1].text
    grab(source, artifacts / "field-provenance.png")
    source.reject()

    # Open: the document viewer, at the scanned page.
    page.tabs.setCurrentIndex(1)
    page.documents_view.selectRow(0)
    click(qtbot, page.document_bar.open_button)
    viewer = page.document_bar.dialog
    assert isinstance(viewer, DocumentViewerDialog)
    qtbot.waitUntil(lambda: viewer.loaded is not None, timeout=10_000)
    viewer.page.setValue(3)
    assert "scanned image" in viewer.view.text.toPlainText()
    assert "OCR is not available" in viewer.view.text.toPlainText()
    grab(viewer, artifacts / "document-viewer-scanned-page.png")
    viewer.reject()

    # From the capital page: the call's investment line, traced to the same page.
    capital = window.show_page("capital")
    assert isinstance(capital, CapitalPage)
    capital.reload()
    qtbot.waitUntil(lambda: any(c.call_id == call_id for c in capital.calls.records))
    capital.select_call(call_id)
    click(qtbot, capital.call_source_button)
    traced = capital.call_source_button.dialog
    assert isinstance(traced, ProvenanceDialog)
    qtbot.waitUntil(lambda: traced.loaded is not None, timeout=10_000)
    assert traced.loaded is not None
    assert traced.loaded.found.field.name == "asking_price"  # no equity required was read
    qtbot.waitUntil(lambda: traced.page.pdf_highlight_page == 2, timeout=10_000)
    assert traced.loaded.found.chain[-1].op_id is not None
    grab(traced, artifacts / "call-investment-source.png")
    traced.reject()

    # The signed confirmation names the quote's characters on its page of the file.
    con = sqlite3.connect(data / "dealos.db")
    try:
        (envelope,) = con.execute(
            "SELECT envelope FROM op_log WHERE op_id = ?", (chain[2].op_id,)
        ).fetchone()
    finally:
        con.close()
    quote = json.loads(envelope)["payload"]["fields"]["asking_price"]["quote"]
    assert (quote["method"], quote["model_name"]) == ("ai", "harbor-test-model")
    assert page_two[quote["start"] : quote["end"]] == "Asking price: $48,500,000"
