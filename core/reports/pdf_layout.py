"""The page every LP document is printed on: letterhead, footer, tables, in reportlab.

One layout for notices and statements, so an LP sees the same document family: the GP
and fund at the top left, the document title and date at the top right, and on every page
a footer with the document id, who it was prepared for and "Page n of N". Money columns
are right-aligned. A document cites its ops by short references (``[1]``) and resolves them
in a "Sources" table at its end (:func:`sources_table`), full op ids in a fixed-width face
large enough to read and copy; :data:`OP_ID` is the small face older tables still use.
PDFs are built with reportlab's ``invariant`` flag: the same ledger gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.reports.ledger_values import Investor, LpLedger
from core.reports.op_references import References

__all__ = [
    "BODY",
    "CONTENT_WIDTH",
    "NOTE",
    "OP_ID",
    "Letterhead",
    "addressee_rows",
    "facts_table",
    "figure_table",
    "heading",
    "letterhead_for",
    "para",
    "render_pdf",
    "section",
    "sources_table",
]

PAGE_WIDTH, PAGE_HEIGHT = LETTER
MARGIN: Final = 0.6 * inch
CONTENT_WIDTH: Final = PAGE_WIDTH - 2 * MARGIN
INK: Final = colors.HexColor("#1F2933")
MUTED: Final = colors.HexColor("#616E7C")
RULE: Final = colors.HexColor("#9AA5B1")
BAND: Final = colors.HexColor("#E4E7EB")
ACCENT: Final = colors.HexColor("#0B3C5D")

BODY: Final = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12, textColor=INK)
NOTE: Final = ParagraphStyle("note", parent=BODY, fontSize=8, leading=10.5, textColor=MUTED)
TITLE: Final = ParagraphStyle(
    "title", parent=BODY, fontName="Helvetica-Bold", fontSize=16, leading=20, textColor=ACCENT
)
HEADING: Final = ParagraphStyle(
    "heading", parent=BODY, fontName="Helvetica-Bold", fontSize=10.5, leading=14, spaceBefore=10
)
CELL: Final = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)
OP_ID: Final = ParagraphStyle(
    "op", parent=BODY, fontName="Courier", fontSize=6.2, leading=8, textColor=MUTED
)
MONEY: Final = ParagraphStyle("money", parent=CELL, alignment=TA_RIGHT)
FULL_OP_ID: Final = ParagraphStyle("full_op", parent=CELL, fontName="Courier", fontSize=8)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What every page of one document repeats."""

    gp_name: str
    fund_name: str
    title: str
    dated: str
    recipient: str
    document_id: str
    draft: bool = False


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: an LP named "A & B <Trust>" prints as such)."""
    return Paragraph(escape(text), style)


def heading(text: str) -> Paragraph:
    return para(text, HEADING)


def section(text: str) -> list[Flowable]:
    """A heading that never stands alone at the foot of a page: with less than an inch
    left, it starts the next page; a table under it still splits across pages."""
    return [CondPageBreak(1.0 * inch), heading(text)]


def figure_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float],
    *,
    money_columns: Sequence[int] = (),
    op_columns: Sequence[int] = (),
    strong_rows: Sequence[int] = (),
    ruled_rows: Sequence[int] = (),
) -> Table:
    """A table of figures: header band, money right-aligned, op ids small and fixed-width.

    Row indexes in ``strong_rows`` (bold) and ``ruled_rows`` (a rule above) count the body
    rows from 0, not the header.
    """
    data: list[list[Any]] = [
        [para(h, _HEAD_MONEY if i in money_columns else _HEAD_CELL) for i, h in enumerate(header)]
    ]
    for row in rows:
        cells: list[Any] = []
        for i, cell in enumerate(row):
            if not isinstance(cell, str):
                cells.append(cell)
            elif i in op_columns:
                cells.append(para(cell, OP_ID))
            else:
                cells.append(para(cell, MONEY if i in money_columns else CELL))
        data.append(cells)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for i in money_columns:
        style.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
    for r in strong_rows:
        for c, cell in enumerate(data[r + 1]):
            if isinstance(cell, Paragraph) and c not in op_columns:
                strong = MONEY if c in money_columns else CELL
                data[r + 1][c] = Paragraph(f"<b>{cell.text}</b>", strong)
    for r in ruled_rows:
        style.append(("LINEABOVE", (0, r + 1), (-1, r + 1), 0.6, RULE))
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


_HEAD_CELL: Final = ParagraphStyle(
    "head", parent=CELL, fontName="Helvetica-Bold", fontSize=8, textColor=INK
)
_HEAD_MONEY: Final = ParagraphStyle("head_money", parent=_HEAD_CELL, alignment=TA_RIGHT)


def _letterhead(canvas: Canvas, head: Letterhead) -> None:
    canvas.saveState()
    top = PAGE_HEIGHT - 0.55 * inch
    canvas.setFillColor(ACCENT)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(MARGIN, top, head.gp_name)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top, head.title)
    canvas.setFillColor(MUTED)
    canvas.setFont("Helvetica", 8.5)
    canvas.drawString(MARGIN, top - 12, head.fund_name)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 12, head.dated)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1.2)
    canvas.line(MARGIN, top - 20, PAGE_WIDTH - MARGIN, top - 20)
    bottom = 0.5 * inch
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, bottom + 10, PAGE_WIDTH - MARGIN, bottom + 10)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(MARGIN, bottom, f"Document ID {head.document_id}")
    canvas.drawCentredString(
        PAGE_WIDTH / 2, bottom, f"Confidential \u2014 prepared for {head.recipient}"
    )
    if head.draft:
        canvas.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.12))
        canvas.setFont("Helvetica-Bold", 50)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, 0, "DRAFT \u2014 NOT ISSUED")
    canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Holds pages until the end so each footer can say "Page n of N"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        # reportlab's own "page n of N" recipe: start a fresh page without emitting this one.
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont("Helvetica", 7)
            self.setFillColor(MUTED)
            self.drawRightString(PAGE_WIDTH - MARGIN, 0.5 * inch, f"Page {number} of {total}")
            super().showPage()
        super().save()


def sources_table(refs: References) -> list[Flowable]:
    """The "Sources" section: every reference the document cited, with its full op id."""
    entries = refs.entries()
    if not entries:
        return []
    rows: list[list[Flowable | str]] = [
        [ref, source.what, source.on.isoformat(), Paragraph(source.op_id, FULL_OP_ID)]
        for ref, source in entries
    ]
    w = CONTENT_WIDTH
    return [
        *section("Sources"),
        para(
            "Each reference in this document names the signed Deal OS operation the figure "
            "derives from. The general partner can verify any op id below against the "
            "fund's audit trail.",
            NOTE,
        ),
        Spacer(1, 3),
        figure_table(
            ["Ref", "Operation", "Dated", "Op id"],
            rows,
            [0.07 * w, 0.42 * w, 0.13 * w, 0.38 * w],
        ),
    ]


def facts_table(left: Sequence[tuple[str, str]], right: Sequence[tuple[str, str]]) -> Table:
    """Two columns of label/value pairs: who the document is for, and what it is about."""
    rows = []
    for i in range(max(len(left), len(right))):
        row: list[Flowable | str] = []
        for side in (left, right):
            label, value = side[i] if i < len(side) else ("", "")
            row += [para(label, NOTE), para(value)]
        rows.append(row)
    quarter = CONTENT_WIDTH / 4
    table = Table(
        rows,
        colWidths=[0.62 * quarter, 1.25 * quarter, 0.62 * quarter, 1.51 * quarter],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def addressee_rows(investor: Investor) -> list[tuple[str, str]]:
    rows = [("To", investor.name)]
    contact = investor.contact
    if contact is not None:
        title = f", {contact.title}" if contact.title else ""
        rows.append(("Attention", f"{contact.name}{title}"))
        rows.append(("Email", contact.email))
        if contact.phone:
            rows.append(("Phone", contact.phone))
    return rows


def letterhead_for(
    ledger: LpLedger, title: str, dated: str, doc_id: str, *, draft: bool
) -> Letterhead:
    return Letterhead(
        gp_name=ledger.fund.gp_name,
        fund_name=ledger.fund.name,
        title=title,
        dated=dated,
        recipient=ledger.investor.name,
        document_id=doc_id,
        draft=draft,
    )


def render_pdf(head: Letterhead, story: list[Flowable], *, subject: str) -> bytes:
    """The document as PDF bytes; the title block heads the first page."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=1.0 * inch,
        bottomMargin=0.85 * inch,
        title=f"{head.title} \u2014 {head.recipient}",
        author=head.gp_name,
        subject=subject,
        creator="Deal OS",
        invariant=1,
    )
    title = KeepTogether([para(head.title, TITLE), Spacer(1, 6)])

    def on_page(canvas: Canvas, _doc: Any) -> None:
        _letterhead(canvas, head)

    doc.build(
        [title, *story], onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_NumberedCanvas
    )
    return out.getvalue()
