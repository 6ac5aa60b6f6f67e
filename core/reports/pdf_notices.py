"""Capital call and distribution notices as PDF: what goes on the page, in what order.

Layout (page, letterhead, tables) is :mod:`core.reports.pdf_layout`; this module decides
the content. Nothing here computes a figure: every number comes from the notice value, so
the PDF cannot disagree with the ledger it was built from.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.platypus import Flowable, Spacer, Table

from core.reports.fund_records import PaymentInstructions
from core.reports.notices import ActivityLine, CallNotice, DistributionNotice, NoticeLine
from core.reports.pdf_layout import (
    CONTENT_WIDTH,
    NOTE,
    addressee_rows,
    facts_table,
    figure_table,
    heading,
    letterhead_for,
    para,
    render_pdf,
)
from core.reports.presentation import long_date, money_text, percent_text

__all__ = ["NO_INSTRUCTIONS", "TRACE_NOTE", "call_notice_pdf", "distribution_notice_pdf"]

NO_INSTRUCTIONS = "Payment instructions will follow under separate cover."
TRACE_NOTE = (
    "Op ids identify the signed Deal OS operation each figure derives from; the general "
    "partner can verify any of them against the fund's audit trail."
)


def _lines_table(lines: Sequence[NoticeLine], currency: str, share: Decimal) -> Table:
    rows: list[list[Flowable | str]] = []
    strong = []
    for line in lines:
        if line.emphasis:
            strong.append(len(rows))
        rows.append([line.label, money_text(line.amount, currency), line.source])
        if line.label == "Commitment":
            rows.append(
                ["Share of fund commitments", percent_text(share), "commitment / fund total"]
            )
    widths = [0.40 * CONTENT_WIDTH, 0.20 * CONTENT_WIDTH, 0.40 * CONTENT_WIDTH]
    return figure_table(
        ["Item", "Amount", "Source (op id)"],
        rows,
        widths,
        money_columns=[1],
        op_columns=[2],
        strong_rows=strong,
    )


def _history_table(history: Sequence[ActivityLine], currency: str) -> Table:
    def cell(amount: Decimal | None) -> str:
        return "" if amount is None else money_text(amount, currency)

    rows: list[Sequence[Flowable | str]] = [
        [h.date, h.description, cell(h.called), cell(h.paid), cell(h.distributed), h.op_id]
        for h in history
    ]
    w = CONTENT_WIDTH
    return figure_table(
        ["Date", "Activity", "Called", "Paid", "Distributed", "Op id"],
        rows,
        [0.10 * w, 0.205 * w, 0.14 * w, 0.14 * w, 0.14 * w, 0.275 * w],
        money_columns=[2, 3, 4],
        op_columns=[5],
    )


def _instructions(instructions: PaymentInstructions | None) -> list[Flowable]:
    if instructions is None:
        return [para(NO_INSTRUCTIONS)]
    return [facts_table(instructions.lines(), [])]


def call_notice_pdf(notice: CallNotice) -> bytes:
    ledger, call = notice.ledger, notice.call
    fund, currency = ledger.fund, ledger.currency
    about = [
        ("Call", call.title),
        ("Notice date", long_date(call.call_date)),
        ("Due date", long_date(call.due_date)),
        ("Fund", fund.name),
        ("Purpose", call.purpose or "\u2014"),
    ]
    if call.deal_name:
        about.append(("Investment", call.deal_name))
    story: list[Flowable] = [
        facts_table(addressee_rows(ledger.investor), about),
        Spacer(1, 10),
        para(
            f"Under the limited partnership agreement of {fund.name}, {fund.gp_name} calls "
            f"{money_text(call.fund_amount, currency)} of capital from the fund's partners, "
            f"pro rata to their commitments. Your share is "
            f"{money_text(call.amount, currency)}, due by {long_date(call.due_date)}."
        ),
        heading("Your capital call"),
        _lines_table(notice.lines, currency, ledger.share()),
        Spacer(1, 3),
        para(f"Amounts are in {currency}. {TRACE_NOTE}", NOTE),
        heading("Payment instructions"),
        *_instructions(notice.payment_instructions),
        heading("Capital activity to date"),
        _history_table(notice.history, currency),
    ]
    head = letterhead_for(
        ledger,
        "Capital Call Notice",
        long_date(call.call_date),
        notice.document_id,
        draft=notice.is_draft,
    )
    return render_pdf(head, story, subject=f"{call.title}, {fund.name}")


def _classes_note(notice: DistributionNotice) -> str:
    """How the amount was classified, and whether it adds back to unfunded."""
    entry = notice.distribution
    if entry.tiers:
        rule = (
            "The return-of-capital tier is return of capital; the other tiers are "
            f"{'income' if entry.source == 'income' else 'gain'}."
        )
    elif entry.source == "income":
        rule = "A distribution of income is income."
    else:
        rule = (
            "It is return of capital up to your paid-in capital not yet returned on its "
            "date, and gain beyond that."
        )
    when = (
        "derived when this notice was produced, the distribution having been recorded "
        "before classes were kept"
        if notice.classes_derived
        else "fixed when the distribution was drafted"
    )
    recall = (
        " It is recallable: the general partner may call it again, and it adds back to "
        "your unfunded commitment."
        if entry.recallable
        else ""
    )
    return f"Classes are {when}. {rule}{recall}"


def distribution_notice_pdf(notice: DistributionNotice) -> bytes:
    ledger, entry = notice.ledger, notice.distribution
    fund, currency = ledger.fund, ledger.currency
    about = [
        ("Distribution", f"No. {entry.number}" if entry.number else "draft"),
        ("Distribution date", long_date(entry.distribution_date)),
        ("Source", entry.source_title),
        ("Recallable", "Yes" if entry.recallable else "No"),
        ("Fund", fund.name),
    ]
    if entry.deal_name:
        about.append(("Investment", entry.deal_name))
    paid = (
        f"Your share is {money_text(entry.amount, currency)}, paid on "
        f"{long_date(entry.distribution_date)}."
    )
    if entry.paid != entry.amount:
        paid = (
            f"Your share is {money_text(entry.amount, currency)} before withholding and "
            f"offsets; {money_text(entry.paid, currency)} is paid to you on "
            f"{long_date(entry.distribution_date)}."
        )
    story: list[Flowable] = [
        facts_table(addressee_rows(ledger.investor), about),
        Spacer(1, 10),
        para(
            f"{fund.gp_name} is distributing {money_text(entry.fund_amount, currency)} from "
            f"{fund.name} ({entry.source_title}{': ' + entry.note if entry.note else ''}). "
            f"{paid}"
        ),
        heading("Your distribution"),
        _lines_table(notice.lines, currency, ledger.share()),
        Spacer(1, 3),
        para(f"Amounts are in {currency}. {_classes_note(notice)} {TRACE_NOTE}", NOTE),
    ]
    if entry.explanation:
        story += [heading("How the waterfall applied"), *(para(t, NOTE) for t in entry.explanation)]
    story += [
        heading("Capital activity to date"),
        _history_table(notice.history, currency),
    ]
    head = letterhead_for(
        ledger,
        "Distribution Notice",
        long_date(entry.distribution_date),
        notice.document_id,
        draft=notice.is_draft,
    )
    return render_pdf(head, story, subject=f"Distribution, {fund.name}")
