"""The capital account statement as PDF: the roll-forward, the position, the activity.

Page order follows the ILPA capital account statement: the account rolled over the
period, the year to date and since inception; the commitment position at period end; the
LP's performance at period end (NAV, TVPI, DPI, RVPI, IRR); each contribution and
distribution of the period with a reference to the op it derives from; how the figures
reconcile; notes; and the "Sources" table resolving each reference (``[1]``) to its full
op id, what it recorded and its date. The statement is reconciled before it is drawn: a statement
that does not tie out to the ledger raises instead of printing. A statement of a period
that had not ended when it was drawn says so in its header on every page and above its
figures: "Preliminary — period ends 31 December 2026".
"""

from __future__ import annotations

from collections.abc import Sized
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Spacer, Table

from core.fund_math.metrics import Metrics
from core.reports.capital_account import CapitalAccountStatement, reconcile
from core.reports.errors import ReportError
from core.reports.op_references import References, ledger_sources
from core.reports.pdf_layout import (
    BODY,
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
from core.reports.pdf_notices import REFERENCE_NOTE
from core.reports.presentation import long_date, money_text, percent_text

__all__ = ["statement_pdf"]

_PRELIMINARY = ParagraphStyle(
    "preliminary",
    parent=BODY,
    fontName="Helvetica-Bold",
    textColor=colors.HexColor("#9b1c1c"),
    spaceAfter=4,
)


def _account_table(statement: CapitalAccountStatement) -> Table:
    currency = statement.ledger.currency
    columns = statement.columns

    def row(label: str, amounts: list[Decimal]) -> list[Flowable | str]:
        return [label, *(money_text(a, currency) for a in amounts)]

    rows = [row("Opening balance", [c.opening for c in columns])]
    rows.append(row("Contributions", [c.contributions for c in columns]))
    for label in statement.distribution_labels():
        rows.append(row(label, [-c.distribution(label) for c in columns]))
    if not statement.distribution_labels():
        rows.append(row("Distributions", [-c.distributed for c in columns]))
    rows.append(row("Management fees and fund expenses", [-c.fees for c in columns]))
    rows.append(row("Change in net asset value", [c.nav_change for c in columns]))
    rows.append(row("Closing balance", [c.closing for c in columns]))
    money_width = min(0.19 * CONTENT_WIDTH, 0.55 * CONTENT_WIDTH / len(columns))
    label_width = CONTENT_WIDTH - money_width * len(columns)
    last = len(rows) - 1
    return figure_table(
        ["", *(c.title for c in columns)],
        rows,
        [label_width, *([money_width] * len(columns))],
        money_columns=list(range(1, len(columns) + 1)),
        strong_rows=[0, last],
        ruled_rows=[last],
    )


def _position_table(statement: CapitalAccountStatement, refs: References) -> Table:
    ledger, end = statement.ledger, statement.period.end
    currency = ledger.currency
    called = ledger.called(end)
    paid = ledger.paid_in(end)
    rows: list[list[Flowable | str]] = [
        [
            "Commitment",
            money_text(ledger.commitment(end), currency),
            refs.cite_all(c.op_id for c in ledger.commitments if c.committed_on <= end),
        ],
        ["Share of fund commitments", percent_text(ledger.share()), "commitment / fund total"],
        ["Capital called to date", money_text(called, currency), "issued calls to date"],
        ["Contributions paid to date", money_text(paid, currency), "payments to date"],
        [
            "Called, not yet paid",
            money_text(ledger.called_not_paid(end), currency),
            "called less paid",
        ],
        [
            "Unfunded commitment",
            money_text(ledger.unfunded(end), currency),
            "commitment less called",
        ],
        [
            "Distributions to date",
            money_text(ledger.distributed(end), currency),
            "distributions to date",
        ],
    ]
    w = CONTENT_WIDTH
    return figure_table(
        ["Position", "Amount", "Source"],
        rows,
        [0.40 * w, 0.20 * w, 0.40 * w],
        money_columns=[1],
    )


def _multiple(value: Decimal | None, why_none: str) -> tuple[str, str]:
    return ("n/a", why_none) if value is None else (f"{value}x", "")


def _performance(statement: CapitalAccountStatement, refs: References) -> list[Flowable]:
    """NAV, the multiples and the IRR at period end, each with what it is measured on."""
    m: Metrics | None = statement.performance
    if m is None:
        return []
    currency, end = statement.ledger.currency, statement.period.end
    nav = statement.nav
    if m.paid_in == 0:
        no_tvpi = no_dpi = no_rvpi = "nothing paid in"
    else:
        no_dpi = ""
        no_tvpi = no_rvpi = "no NAV recorded"
    rows: list[list[Flowable | str]] = []
    if nav is None:
        rows.append(
            ["Net asset value (your share)", "n/a", f"no NAV recorded as of {long_date(end)}"]
        )
    else:
        rows.append(
            [
                "Net asset value (your share)",
                money_text(nav.amount, currency),
                f"fund NAV as of {long_date(nav.as_of)} {refs.ref(nav.op_id)}, "
                "shared pro rata to paid-in",
            ]
        )
    for name, value, formula, why_none in (
        ("TVPI", m.tvpi, "(distributions + NAV) / paid-in", no_tvpi),
        ("DPI", m.dpi, "distributions / paid-in", no_dpi),
        ("RVPI", m.rvpi, "NAV / paid-in", no_rvpi),
    ):
        shown, why = _multiple(value, why_none)
        rows.append([name, shown, f"{formula}; {why}" if why else formula])
    basis = "XIRR on dated contributions and distributions"
    if nav is not None:
        basis += ", NAV as the final value"
    if not m.flows:
        basis += "; no cash has moved yet"
    elif not m.irr.solved:
        basis += "; no rate solves these cash flows"
    rows.append([statement.irr_label, m.irr.percent(), basis])
    w = CONTENT_WIDTH
    return [
        figure_table(
            ["Measure", "Value", "Measured as"],
            rows,
            [0.45 * w, 0.15 * w, 0.40 * w],
            money_columns=[1],
        ),
        Spacer(1, 3),
        para(
            f"Paid-in {money_text(m.paid_in, currency)} and distributions "
            f"{money_text(m.distributed, currency)} to {long_date(end)}, as in the position "
            "above. Each multiple is rounded on its own to four places.",
            NOTE,
        ),
    ]


def _activity(statement: CapitalAccountStatement, refs: References) -> list[Flowable]:
    currency = statement.ledger.currency
    calls = {c.call_id: c for c in statement.ledger.calls}
    lines: list[tuple[str, str, Decimal, str]] = []
    for call in statement.calls:
        lines.append(
            (
                call.call_date.isoformat(),
                f"{call.title} called, due {call.due_date.isoformat()} (memo)",
                call.amount,
                call.op_id,
            )
        )
    for p in statement.contributions:
        paid_toward = calls[p.call_id].title if p.call_id in calls else "a capital call"
        lines.append((p.paid_on.isoformat(), f"Contribution: {paid_toward}", p.amount, p.op_id))
    for d in statement.distributions:
        name = f"Distribution No. {d.number}" if d.number else "Distribution"
        if d.tiers:
            for t in d.tiers:
                lines.append(
                    (
                        d.distribution_date.isoformat(),
                        f"{name}: {t.phrase}",
                        -t.amount,
                        d.op_id,
                    )
                )
        else:
            lines.append(
                (d.distribution_date.isoformat(), f"{name}: {d.source_title}", -d.amount, d.op_id)
            )
    if not lines:
        return [para("No capital was called, contributed or distributed in this period.")]
    lines.sort(key=lambda line: line[0])
    w = CONTENT_WIDTH
    return [
        figure_table(
            ["Date", "Activity", "Amount", "Ref"],
            [
                [day, text, money_text(amount, currency), refs.ref(op)]
                for day, text, amount, op in lines
            ],
            [0.13 * w, 0.57 * w, 0.20 * w, 0.10 * w],
            money_columns=[2],
        )
    ]


def _count(items: Sized, noun: str) -> str:
    n = len(items)
    return f"no {noun}s" if n == 0 else f"1 {noun}" if n == 1 else f"{n} {noun}s"


def _reconciliation(statement: CapitalAccountStatement) -> str:
    c = statement.current
    currency = statement.ledger.currency
    listed = statement.contributions or statement.distributions

    def m(amount: Decimal) -> str:
        return money_text(amount, currency)

    return (
        f"Closing balance {m(c.closing)} = opening balance {m(c.opening)} + contributions "
        f"{m(c.contributions)} \u2212 distributions {m(c.distributed)} \u2212 fees {m(c.fees)} "
        f"+ change in NAV {m(c.nav_change)}. Contributions equal the payments recorded in the "
        f"ledger for {statement.period.label} ({_count(statement.contributions, 'payment')}) "
        f"and distributions its distribution allocations "
        f"({_count(statement.distributions, 'distribution')})"
        + (", each listed above with its reference." if listed else ".")
    )


def statement_pdf(statement: CapitalAccountStatement) -> bytes:
    problems = reconcile(statement)
    if problems:
        raise ReportError(f"the statement does not reconcile with the ledger: {problems[0]}")
    ledger, period = statement.ledger, statement.period
    refs = References(ledger_sources(ledger, statement.nav))
    head = letterhead_for(
        ledger,
        "Capital Account Statement",
        statement.preliminary or f"Period ended {long_date(period.end)}",
        statement.document_id,
        draft=False,
    )
    story: list[Flowable] = []
    if statement.preliminary:
        story.append(
            para(
                f"{statement.preliminary}. The figures are those recorded when this statement "
                "was prepared; activity before the period ends will change them.",
                _PRELIMINARY,
            )
        )
    story += [
        facts_table(
            addressee_rows(ledger.investor),
            [
                ("Period", f"{period.label}: {period.describe()}"),
                ("Fund", ledger.fund.name),
                ("Currency", ledger.currency),
            ],
        ),
        heading("Capital account"),
        _account_table(statement),
        *section(f"Position at {long_date(period.end)}"),
        _position_table(statement, refs),
        *section(f"Performance at {long_date(period.end)}"),
        *_performance(statement, refs),
        *section("Activity in the period"),
        *_activity(statement, refs),
        Spacer(1, 3),
        para(REFERENCE_NOTE, NOTE),
        *section("Reconciliation"),
        para(_reconciliation(statement)),
        *section("Notes"),
        *(para(f"\u2022 {refs.cite(note)}", NOTE) for note in statement.notes),
        *sources_table(refs),
    ]
    return render_pdf(head, story, subject=f"{ledger.fund.name}, {period.label}")
