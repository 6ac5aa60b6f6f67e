"""One page of a deal document, with a quote's characters highlighted.

A PDF is shown as the page itself (QtPdf: ``QPdfView`` over the file's bytes, checked
against the hash the signed op names), the quote found by QtPdf's own search on that page
and highlighted there. Below it, for every kind of file, the page's text as
core.documents.text_pages reads it, with the quote's characters ``[start, end)`` marked:
the same characters the extraction was checked against and the confirming op names. A
page with no text layer (a scanned image) says so, and that OCR is not available yet.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, QTimer
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from core.documents.file_types import PDF
from core.documents.text_pages import DocumentText

__all__ = ["DocumentPageView", "ShownPage"]

_MARK = "background: #ffe066; color: #1b1f24;"


@dataclass(frozen=True, slots=True)
class ShownPage:
    """What the view shows: the file's name and kind, the page, and the quote's span."""

    name: str
    media_type: str
    page: int
    span: tuple[int, int] | None = None


class DocumentPageView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentPageView")
        self.caption = QLabel()
        self.caption.setObjectName("pageCaption")
        self.caption.setWordWrap(True)
        self.pdf = QPdfDocument(self)
        self.pdf_view = QPdfView(self)
        self.pdf_view.setObjectName("pdfPage")
        self.pdf_view.setDocument(self.pdf)
        self.pdf_view.setPageMode(QPdfView.PageMode.SinglePage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.pdf)
        self.pdf_view.setSearchModel(self.search)
        # QtPdf searches in steps of its own; the result is looked for once it is there
        # (from a timer: reading the model from inside its own signal is not safe).
        self._looking = QTimer(self)
        self._looking.setInterval(30)
        self._looking.timeout.connect(self._highlight_on_page)
        self._looks_left = 0
        self.text = QTextBrowser()
        self.text.setObjectName("pageText")
        self.text.setOpenLinks(False)
        self._buffer: QBuffer | None = None
        self.shown: ShownPage | None = None
        self.highlighted: str | None = None  # the quote's characters as marked
        self.pdf_highlight_page: int | None = None  # where QtPdf highlighted it (1-based)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.pdf_view)
        split.addWidget(self.text)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(split, 1)

    def show_page(self, shown: ShownPage, data: bytes | None, text: DocumentText | None) -> None:
        """Show ``shown.page`` of the file ``data`` (None: not on this computer yet)."""
        self._looking.stop()
        self.shown = shown
        self.highlighted = None
        self.pdf_highlight_page = None
        count = len(text.pages) if text is not None else 0
        of = f" of {count}" if count else ""
        self.caption.setText(f"<b>{html.escape(shown.name)}</b> · page {shown.page}{of}")
        if data is None:
            self.pdf.close()
            self.pdf_view.setVisible(False)
            self.text.setPlainText(
                "The file is not on this computer yet: sync, and it is fetched from the server."
            )
            return
        self._show_pdf(shown, data)
        page = text.page(shown.page) if text is not None else None
        if page is None:
            self.text.setPlainText(f"This document has no page {shown.page}.")
            return
        if not page.has_text_layer:
            self.text.setPlainText(
                f"Page {shown.page} has no text layer: it is a scanned image. Its words cannot "
                "be read or quoted yet (OCR is not available); read the page above and type "
                "any value by hand."
            )
            return
        self._show_text(page.text, shown.span)

    def _show_pdf(self, shown: ShownPage, data: bytes) -> None:
        is_pdf = shown.media_type == PDF
        self.pdf_view.setVisible(is_pdf)
        if not is_pdf:
            self.pdf.close()
            return
        # The buffer keeps its own copy: QtPdf reads the device as it renders, later.
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        self.pdf_view.pageNavigator().jump(shown.page - 1, QPointF(), 0)

    def _show_text(self, text: str, span: tuple[int, int] | None) -> None:
        if span is None or not (0 <= span[0] <= span[1] <= len(text)):
            self.text.setHtml(f"<pre style='white-space: pre-wrap'>{html.escape(text)}</pre>")
            return
        start, end = span
        self.highlighted = text[start:end]
        body = (
            html.escape(text[:start])
            + f"<a name='quote'></a><span style='{_MARK}'>{html.escape(self.highlighted)}</span>"
            + html.escape(text[end:])
        )
        self.text.setHtml(f"<pre style='white-space: pre-wrap'>{body}</pre>")
        self.text.scrollToAnchor("quote")
        if self.shown is not None and self.shown.media_type == PDF:
            # QtPdf's own search finds the quote's words on the page and highlights them.
            self.search.setSearchString(" ".join(self.highlighted.split()))
            self._looks_left = 100
            self._looking.start()

    def _highlight_on_page(self) -> None:
        self._looks_left -= 1
        if self.shown is None or self.pdf_highlight_page is not None or self._looks_left <= 0:
            self._looking.stop()
            return
        for index in range(self.search.count()):
            link = self.search.resultAtIndex(index)
            if link.page() == self.shown.page - 1:
                self._looking.stop()
                self.pdf_view.setCurrentSearchResultIndex(index)
                self.pdf_highlight_page = self.shown.page
                self.pdf_view.pageNavigator().jump(link)
                return
