"""A document's text, page by page, with character offsets a span can be highlighted by.

Every page is a string; a position is a character offset into its page's string, so a
quote found at ``[start, end)`` on page 3 is the same characters a viewer highlights.

- PDF through pypdfium2: PDFium is the engine Chromium renders PDFs with, so the text it
  reads (and its character order) is what a person sees; it reads a 40-page memorandum in
  a fraction of a second, and its character indexes map to boxes on the page for a
  highlight later. pypdf is pure Python and several times slower on large files.
- DOCX through python-docx: a page per explicit page break (Word decides the other
  breaks only when it lays the text out, which no file records), else one page.
- XLSX through openpyxl: a page per sheet, one line per row, cells joined by tabs.
- Text files: one page.

A PDF page with no text layer (a scanned image) is reported as such, never silently
empty: OCR is not available yet.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from core.documents.file_types import CSV, DOCX, MARKDOWN, PDF, TEXT, XLSX
from core.errors import DealOSError

__all__ = ["DocumentText", "PageText", "UnreadableDocument", "text_of"]

_WORD_BREAK: Final = "\n"


class UnreadableDocument(DealOSError):
    """A document whose text cannot be read (said in words)."""


@dataclass(frozen=True, slots=True)
class PageText:
    number: int  # 1-based, as people count pages
    text: str
    has_text_layer: bool = True


@dataclass(frozen=True, slots=True)
class DocumentText:
    pages: tuple[PageText, ...]

    def page(self, number: int) -> PageText | None:
        if 1 <= number <= len(self.pages):
            return self.pages[number - 1]
        return None

    @property
    def notes(self) -> list[str]:
        """What a reader must be told: the pages whose text could not be read."""
        return [
            f"page {p.number} has no text layer (a scanned image); OCR is not available yet"
            for p in self.pages
            if not p.has_text_layer
        ]


def text_of(data: bytes, media_type: str) -> DocumentText:
    """The text of a document's bytes, a :class:`PageText` per page."""
    try:
        if media_type == PDF:
            return DocumentText(tuple(_pdf_pages(data)))
        if media_type == DOCX:
            return DocumentText(tuple(_docx_pages(data)))
        if media_type == XLSX:
            return DocumentText(tuple(_xlsx_pages(data)))
    except UnreadableDocument:
        raise
    except Exception as exc:  # a damaged file: every reader raises its own kind
        raise UnreadableDocument(f"the file cannot be read as {_words(media_type)}") from exc
    if media_type in (TEXT, CSV, MARKDOWN):
        return DocumentText((PageText(1, data.decode("utf-8", errors="replace")),))
    raise UnreadableDocument(f"Deal OS cannot read the text of {_words(media_type)} yet")


def _words(media_type: str) -> str:
    return {PDF: "a PDF", DOCX: "a Word document", XLSX: "an Excel workbook"}.get(
        media_type, "this kind of file"
    )


def _pdf_pages(data: bytes) -> Iterator[PageText]:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            finally:
                textpage.close()
                page.close()
            yield PageText(index + 1, text, has_text_layer=bool(text.strip()))
    finally:
        pdf.close()


def _docx_pages(data: bytes) -> Iterator[PageText]:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(data))
    pages: list[list[str]] = [[]]
    for paragraph in document.paragraphs:
        line: list[str] = []
        for run in paragraph.runs:
            for child in run._r.iterchildren():
                if child.tag == qn("w:br") and child.get(qn("w:type")) == "page":
                    pages[-1].append("".join(line))
                    line = []
                    pages.append([])
                elif child.tag == qn("w:t"):
                    line.append(child.text or "")
                elif child.tag == qn("w:tab"):
                    line.append("\t")
        pages[-1].append("".join(line))
    for table in document.tables:
        for row in table.rows:
            pages[-1].append("\t".join(cell.text for cell in row.cells))
    for number, lines in enumerate(pages, start=1):
        yield PageText(number, _WORD_BREAK.join(lines).strip("\n"))


def _xlsx_pages(data: bytes) -> Iterator[PageText]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for number, sheet in enumerate(workbook.worksheets, start=1):
            lines = [f"Sheet: {sheet.title}"]
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if v is None else str(v) for v in row]
                if any(cells):
                    lines.append("\t".join(cells).rstrip("\t"))
            yield PageText(number, "\n".join(lines))
    finally:
        workbook.close()
