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
_SOURCE_ROW = re.compile(r"\[(\d+)\] [^\[]*? \d{4}-\d{2}-\d{2} (" + OP_ID.pattern + ")")


def cited_sources(text: str, heading: str = "Sources") -> tuple[str, str, dict[str, str]]:
    """A document's text split at its Sources table: the body, the table, and each
    reference number's full op id — once checked that every reference cited is listed
    and only those, numbered 1 to n, and that full op ids appear only in the table."""
    body, sources = text.split(heading, 1)
    cited = set(re.findall(r"\[(\d+)\]", body))
    listed = dict(_SOURCE_ROW.findall(sources))
    assert cited == set(listed)  # every reference cited is listed, and only those
    assert sorted(map(int, listed)) == list(range(1, len(listed) + 1))
    assert not OP_ID.search(body)  # full op ids appear only in the sources table
    return body, sources, listed


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
