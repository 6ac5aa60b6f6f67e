"""A document's text page by page, with offsets a highlight can use: a PDF memorandum
whose third page is a scanned image (reported, not silently empty), a Word term sheet
split at its page break, an Excel rent roll a page per sheet, a text file, a damaged
file refused in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_documents import OM_PAGES, offering_memorandum, rent_roll, term_sheet

from core.documents.file_types import DOCX, PDF, TEXT, XLSX
from core.documents.text_pages import UnreadableDocument, text_of
from core.extraction.quotes import find_quote


def test_a_pdf_reads_page_by_page_and_a_scanned_page_is_named(tmp_path: Path) -> None:
    text = text_of(offering_memorandum(tmp_path / "om.pdf").read_bytes(), PDF)
    assert [p.number for p in text.pages] == [1, 2, 3, 4]
    for number, lines in OM_PAGES.items():
        page = text.page(number)
        assert page is not None
        assert page.has_text_layer
        for line in lines:
            assert line in page.text, f"{line!r} not on page {number}"
    scanned = text.page(3)
    assert scanned is not None
    assert not scanned.has_text_layer
    assert text.notes == ["page 3 has no text layer (a scanned image); OCR is not available yet"]
    page2 = text.page(2)
    assert page2 is not None
    span = find_quote(page2.text, "Asking price: $48,500,000")
    assert span is not None
    assert page2.text[span[0] : span[1]] == "Asking price: $48,500,000"
    assert find_quote(page2.text, "Asking price: $49,000,000") is None


def test_a_quote_with_other_line_breaks_is_found_at_its_real_characters() -> None:
    page = "Senior loan:  $31,525,000\nat 5.85% fixed"
    start, end = find_quote(page, "Senior loan: $31,525,000 at 5.85% fixed") or (0, 0)
    assert page[start:end] == page


def test_a_word_term_sheet_is_split_at_its_page_break(tmp_path: Path) -> None:
    text = text_of(term_sheet(tmp_path / "ts.docx").read_bytes(), DOCX)
    assert len(text.pages) == 2
    assert "Purchase price: $48,500,000" in text.pages[0].text
    assert "Deposit: $1,000,000 due at signing" in text.pages[1].text
    assert "Deposit" not in text.pages[0].text
    assert text.notes == []


def test_an_excel_rent_roll_is_a_page_per_sheet(tmp_path: Path) -> None:
    text = text_of(rent_roll(tmp_path / "rr.xlsx").read_bytes(), XLSX)
    assert [p.text.splitlines()[0] for p in text.pages] == ["Sheet: Rent roll", "Sheet: Summary"]
    assert "102\t2\t2150" in text.pages[0].text
    assert "Occupancy\t94.5%" in text.pages[1].text


def test_a_text_file_is_one_page() -> None:
    text = text_of(b"Dock 9\nNOI: $781,250\n", TEXT)
    assert len(text.pages) == 1
    assert text.pages[0].text == "Dock 9\nNOI: $781,250\n"


def test_a_damaged_pdf_is_refused_in_words() -> None:
    with pytest.raises(UnreadableDocument, match=r"^the file cannot be read as a PDF$"):
        text_of(b"%PDF-1.7\nnot really", PDF)
