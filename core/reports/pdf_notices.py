"""Capital call and distribution notices as PDF: what goes on the page, in what order.

Layout (page, letterhead, tables) is :mod:`core.reports.pdf_layout`; this module decides
the content. Nothing here computes a figure: every number comes from the notice value, so
the PDF cannot disagree with the ledger it was built from.

The call notice cites ops by short reference (``[1]``) and lists them with their full op
ids in a "Sources" table at its end (:mod:`core.reports.op_references`); it states the
LP's payment reference with the wire instructions, and its earlier calls past due, one
line each with their total.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.platypus import Flowable, Spacer, Table

from core.reports.fund_records import PaymentInstructions
from core.reports.notices import (
    ActivityLine,
    CallNotice,
    DistributionNotice,
    NoticeLine,
    OverdueLine,
)
from core.reports.op_references import References, ledger_sources
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
    section,
    sources_table,
)
from core.reports.presentation import long_date, money_text, percent_text

__all__ = [
    "NO_INSTRUCTIONS",
    "REFERENCE_NOTE",
    "call_notice_pdf",
    "distribution_notice_pdf",
]

NO_INSTRUCTIONS = "Payment instructions will follow under separate cover."
REFERENCE_NOTE = (
    "A reference such as [1] names the signed Deal OS operation a figure derives from; "
    "the sources table at the end gives each one's full op id."
)


def _lines_table(
    lines: Sequence[NoticeLine],
    currency: str,
    share: Decimal,
    refs: References | None = None,
) -> Table:
    """The notice's money lines; with ``refs``, sources cite ops as ``[n]``."""
    rows: list[list[Flowable | str]] = []
    strong = []
    for line in lines:
        if line.emphasis:
            strong.append(len(rows))
        source = line.source if refs is None else refs.cite(line.source)
        rows.append([line.label, money_text(line.amount, currency), source])
        if line.label == "Commitment":
            rows.append(
                ["Share of fund commitments", percent_text(share), "commitment / fund total"]
            )
    widths = [0.40 * CONTENT_WIDTH, 0.20 * CONTENT_WIDTH, 0.40 * CONTENT_WIDTH]
    return figure_table(
        ["Item", "Amount", "Source (op id)" if refs is None else "Source"],
        rows,
        widths,
        money_columns=[1],
        op_columns=[2] if refs is None else [],
        strong_rows=strong,
    )


def _history_table(
    history: Sequence[ActivityLine], currency: str, refs: References | None = None
) -> Table:
    def cell(amount: Decimal | None) -> str:
        return "" if amount is None else money_text(amount, currency)

    def source(op_id: str) -> str:
        return op_id if refs is None else refs.ref(op_id)

    rows: list[Sequence[Flowable | str]] = [
        [h.date, h.description, cell(h.called), cell(h.paid), cell(h.distributed), source(h.op_id)]
        for h in history
    ]
    w = CONTENT_WIDTH
    if refs is not None:
        return figure_table(
            ["Date", "Activity", "Called", "Paid", "Distributed", "Ref"],
            rows,
            [0.12 * w, 0.34 * w, 0.155 * w, 0.155 * w, 0.155 * w, 0.075 * w],
            money_columns=[2, 3, 4],
        )
    return figure_table(
        ["Date", "Activity", "Called", "Paid", "Distributed", "Op id"],
        rows,
        [0.10 * w, 0.205 * w, 0.14 * w, 0.14 * w, 0.14 * w, 0.275 * w],
        money_columns=[2, 3, 4],
        op_columns=[5],
    )


def _overdue(notice: CallNotice, refs: References) -> list[Flowable]:
    """Earlier calls past due on the notice date, one line each, and their total."""
    if not notice.overdue:
        return []
    currency = notice.ledger.currency

    def row(o: OverdueLine) -> list[Flowable | str]:
        days = f"{o.days_overdue} day{'s' if o.days_overdue != 1 else ''}"
        return [
            o.call.title,
            long_date(o.call.due_date),
            money_text(o.outstanding, currency),
            days,
            refs.ref(o.op_id),
        ]

    rows = [row(o) for o in notice.overdue]
    rows.append(["Total overdue", "", money_text(notice.overdue_total, currency), "", ""])
    w = CONTENT_WIDTH
    return [
        *section("Overdue on earlier calls"),
        para(
            f"On {long_date(notice.call.call_date)} these earlier calls were past due and not "
            "fully paid. Please remit the amounts outstanding together with this call."
        ),
        Spacer(1, 3),
        figure_table(
            ["Call", "Due date", "Amount outstanding", "Days overdue", "Ref"],
            rows,
            [0.30 * w, 0.20 * w, 0.20 * w, 0.18 * w, 0.12 * w],
            money_columns=[2, 3],
            strong_rows=[len(rows) - 1],
            ruled_rows=[len(rows) - 1],
        ),
    ]


def _instructions(
    instructions: PaymentInstructions | None, reference: str | None
) -> list[Flowable]:
    """Where to wire, printed in full, with the LP's own payment reference first."""
    if reference is None:
        quote = "A payment reference is assigned when the call is issued."
    else:
        quote = (
            f"Quote payment reference {reference} on your wire so that the payment is "
            "matched to this call and to your account."
        )
    if instructions is None:
        return [para(f"{NO_INSTRUCTIONS} {quote}")]
    rows: list[list[Flowable | str]] = []
    if reference is not None:
        rows.append(["Payment reference", reference])
    for label, value in instructions.lines():
        rows.append(["Fund reference" if label == "Reference" else label, value])
    w = CONTENT_WIDTH
    table = figure_table(
        ["Wire to", ""],
        rows,
        [0.28 * w, 0.72 * w],
        strong_rows=[0] if reference is not None else [],
    )
    return [table, Spacer(1, 3), para(quote, NOTE)]


def call_notice_pdf(notice: CallNotice) -> bytes:
    ledger, call = notice.ledger, notice.call
    fund, currency = ledger.fund, ledger.currency
    refs = References(ledger_sources(ledger))
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
        _lines_table(notice.lines, currency, ledger.share(), refs),
        Spacer(1, 3),
        para(f"Amounts are in {currency}. {REFERENCE_NOTE}", NOTE),
        *_overdue(notice, refs),
        *section("Payment instructions"),
        *_instructions(notice.payment_instructions, notice.payment_reference),
        *section("Capital activity to date"),
        _history_table(notice.history, currency, refs),
        *sources_table(refs),
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
    refs = References(ledger_sources(ledger))
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
        _lines_table(notice.lines, currency, ledger.share(), refs),
        Spacer(1, 3),
        para(f"Amounts are in {currency}. {_classes_note(notice)} {REFERENCE_NOTE}", NOTE),
    ]
    if entry.explanation:
        story += [heading("How the waterfall applied"), *(para(t, NOTE) for t in entry.explanation)]
    story += [
        heading("Capital activity to date"),
        _history_table(notice.history, currency, refs),
        *sources_table(refs),
    ]
    head = letterhead_for(
        ledger,
        "Distribution Notice",
        long_date(entry.distribution_date),
        notice.document_id,
        draft=notice.is_draft,
    )
    return render_pdf(head, story, subject=f"Distribution, {fund.name}")
