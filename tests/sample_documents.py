"""Deal documents made by the tests, with known text on known pages.

- ``offering_memorandum``: a 4-page PDF (reportlab); page 3 is a picture of a page with
  no text layer, as a scanner makes; the terms are on pages 1, 2 and 4.
- ``term_sheet``: a DOCX whose second page starts at an explicit page break.
- ``rent_roll``: an XLSX with a sheet of units and a summary sheet.
- ``long_memorandum``: a PDF of ``pages`` pages of prose, for the token budget and bench.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

__all__ = [
    "OM_PAGES",
    "OM_TERMS",
    "OM_UNVERIFIED_NOI",
    "long_memorandum",
    "offering_memorandum",
    "rent_roll",
    "term_sheet",
]

# The lines of each text page of the offering memorandum (page 3 is a scanned image).
OM_PAGES: dict[int, list[str]] = {
    1: [
        "Confidential Offering Memorandum",
        "Harbor Point Apartments",
        "Sponsor: Meridian Residential Partners",
        "Property type: Multifamily",
        "Address: 1200 Harbor Way, Tampa, FL 33602",
    ],
    2: [
        "Investment Summary",
        "Asking price: $48,500,000",
        "Net operating income: $2,910,000",
        "Going-in cap rate: 6.00%",
        "Units: 312 apartment homes",
        "Occupancy: 94.5% as of October 2026",
    ],
    4: [
        "Financing",
        "Senior loan: $31,525,000 at 5.85% fixed, 5-year term, 30-year amortization",
        "Key dates: call for offers 15 January 2027; closing 31 March 2027",
    ],
}


# What a model reading the memorandum proposes: (term, value, page, the exact quote).
OM_TERMS: tuple[tuple[str, str, int, str], ...] = (
    ("sponsor", "Meridian Residential Partners", 1, "Sponsor: Meridian Residential Partners"),
    ("asking_price", "$48,500,000", 2, "Asking price: $48,500,000"),
    ("cap_rate", "6.00%", 2, "Going-in cap rate: 6.00%"),
    ("units", "312", 2, "Units: 312 apartment homes"),
    ("debt_terms", "$31,525,000 at 5.85% fixed", 4, "Senior loan: $31,525,000 at 5.85% fixed"),
)
# A proposal whose quote is on page 2, not on the page the model names: unverified.
OM_UNVERIFIED_NOI = ("noi", "$2,910,000", 1, "Net operating income: $2,910,000")


def _image_png() -> bytes:
    """A grey page-sized picture: what a scanner puts on a page instead of text."""
    from PIL import Image

    picture = Image.new("L", (200, 260), color=200)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def offering_memorandum(path: Path) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=LETTER)
    for number in range(1, 5):
        if number == 3:
            pdf.drawImage(ImageReader(io.BytesIO(_image_png())), 72, 200, 400, 500)
        else:
            y = 720.0
            for line in OM_PAGES[number]:
                pdf.drawString(72, y, line)
                y -= 20
        pdf.showPage()
    pdf.save()
    return path


def long_memorandum(path: Path, pages: int) -> Path:
    pdf = canvas.Canvas(str(path), pagesize=LETTER)
    for number in range(1, pages + 1):
        y = 740.0
        pdf.drawString(72, y, f"Section {number}: market overview and rent comparables")
        for line in range(40):
            y -= 16
            pdf.drawString(
                72, y, f"Line {line} of page {number}: comparable rents rose 3.{line % 10}% "
                "year over year across the submarket."
            )  # fmt: skip
        pdf.showPage()
    pdf.save()
    return path


def term_sheet(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Term Sheet — Harbor Point Apartments")
    document.add_paragraph("Purchase price: $48,500,000")
    breaker = document.add_paragraph().add_run()
    breaker.add_break(docx.enum.text.WD_BREAK.PAGE)
    document.add_paragraph("Deposit: $1,000,000 due at signing")
    document.add_paragraph("Closing: 31 March 2027")
    document.save(str(path))
    return path


def rent_roll(path: Path) -> Path:
    book = openpyxl.Workbook()
    units = book.active
    assert units is not None
    units.title = "Rent roll"
    units.append(["Unit", "Beds", "Rent"])
    units.append(["101", 1, 1650])
    units.append(["102", 2, 2150])
    summary = book.create_sheet("Summary")
    summary.append(["Occupancy", "94.5%"])
    book.save(str(path))
    return path
