"""Reading generated documents back as a person would: PDF text, PNG renderings, amounts."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pypdf
import pypdfium2 as pdfium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
OP_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DOLLARS = re.compile(r"\(?\$[0-9,]+\.[0-9]{2}\)?")


def pdf_text(data: bytes) -> str:
    """All pages' text, runs of whitespace folded to one space (table cells wrap)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def save_png(data: bytes, name: str) -> list[Path]:
    """Render every page to test-artifacts/reports/NAME-pN.png, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob(f"{name}-p*.png"):
        stale.unlink()
    pdf = pdfium.PdfDocument(data)
    paths = []
    try:
        for i in range(len(pdf)):
            path = ARTIFACTS / f"{name}-p{i + 1}.png"
            page = pdf[i]
            page.render(scale=1.5).to_pil().save(path)
            page.close()
            paths.append(path)
    finally:
        pdf.close()
    return paths


def dollars(amount: Decimal) -> str:
    """How the documents print a USD amount: $1,234.56, negatives in parentheses."""
    text = f"${abs(amount):,.2f}"
    return f"({text})" if amount < 0 else text


def dollar_amounts(text: str) -> set[Decimal]:
    """Every dollar amount printed in ``text``, as Decimals (parentheses negative)."""
    found = set()
    for token in DOLLARS.findall(text):
        value = Decimal(token.strip("()").lstrip("$").replace(",", ""))
        found.add(-value if token.startswith("(") else value)
    return found
