"""Capital account statements as an LP reads them: the PDF text, page by page.

Scenarios over Harbor Peak Capital: a Fund I institution's 2025Q3 (a call paid in the
quarter, year-to-date and since-inception columns), the same LP's year 2025 (two calls,
two income distributions), an LP of both funds (which must name its fund), and a Fund II
LP with nothing called yet.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.reports import RecordNotFound, lp_statement, parse_period, read_fund_ledger
from core.reports.capital_account import CapitalAccountStatement, build_statement
from core.reports.errors import PeriodError
from core.reports.ledger_index import fund_ids
from core.reports.ledger_values import FundLedger
from core.reports.pdf_statement import statement_pdf
from tests.reports.conftest import DemoOrg
from tests.reports.documents_read import dollar_amounts, dollars, page_count, pdf_text, save_png


@pytest.fixture(scope="module")
def fund_i(demo: DemoOrg) -> FundLedger:
    return read_fund_ledger(demo.ws, fund_ids(demo.ws)[0])


def _stated_amounts(statement: CapitalAccountStatement) -> set[Decimal]:
    """Every amount the statement may print; anything else in the PDF is a leak or a bug."""
    ledger, end = statement.ledger, statement.period.end
    found: set[Decimal] = set()
    for c in statement.columns:
        found |= {c.opening, c.contributions, -c.distributed, -c.fees, c.nav_change, c.closing}
        found |= {-amount for _, amount in c.distributions}
    called, paid = ledger.called(end), ledger.paid_in(end)
    found |= {ledger.commitment(end), called, paid, called - paid, ledger.unfunded(end)}
    found |= {ledger.distributed(end)}
    found |= {p.amount for p in statement.contributions}
    found |= {-d.amount for d in statement.distributions} | {c.amount for c in statement.calls}
    for call in ledger.issued_calls(end):
        found |= {call.amount, call.outstanding}
    if statement.nav is not None:
        found.add(statement.nav.amount)
    return found


def _check_statement_text(statement: CapitalAccountStatement, fund: FundLedger) -> str:
    data = statement_pdf(statement)
    text = pdf_text(data)
    ledger = statement.ledger
    assert ledger.investor.name in text
    assert statement.document_id in text
    assert f"Page 1 of {page_count(data)}" in text
    assert f"Closing balance {dollars(statement.current.closing)}" in text
    for payment in statement.contributions:
        assert payment.op_id in text
    for distribution in statement.distributions:
        assert distribution.op_id in text
    for commitment in ledger.commitments:
        assert commitment.op_id in text
    assert dollar_amounts(text) <= _stated_amounts(statement)
    # The IRR is named by core.fund_math.irr_basis, and only so.
    assert statement.irr_label in text
    assert "IRR" not in text.replace(statement.irr_label, "").replace("XIRR", "")
    for other in fund.ledgers:
        name = other.investor.name
        if other.investor.lp_id != ledger.investor.lp_id and name not in ledger.investor.name:
            assert name not in text
    return text


def test_a_quarter_with_a_paid_call(demo: DemoOrg, fund_i: FundLedger) -> None:
    ledger = fund_i.ledgers[3]
    statement = lp_statement(
        demo.ws, ledger.investor.lp_id, parse_period("2025Q3"), fund_id=ledger.fund.fund_id
    )
    assert statement.current.contributions > 0
    assert [c.title for c in statement.columns] == [
        "This period",
        "Year to date",
        "Since inception",
    ]
    text = _check_statement_text(statement, fund_i)
    save_png(statement_pdf(statement), "statement-quarter")
    assert "2025Q3: 1 July 2025 to 30 September 2025" in text
    assert "Change in net asset value $0.00 $0.00 $0.00" in text
    assert "Management fees and fund expenses $0.00 $0.00 $0.00" in text
    assert "No net asset value has been recorded" in text


def test_a_year_with_calls_and_income(demo: DemoOrg, fund_i: FundLedger) -> None:
    ledger = fund_i.ledgers[3]
    statement = lp_statement(
        demo.ws, ledger.investor.lp_id, parse_period("2025"), fund_id=ledger.fund.fund_id
    )
    assert len(statement.contributions) == 2
    assert len(statement.distributions) == 2
    text = _check_statement_text(statement, fund_i)
    save_png(statement_pdf(statement), "statement-year")
    income = statement.current.distribution("Distributions: income")
    assert income == sum((d.amount for d in statement.distributions), Decimal(0))
    assert f"Distributions: income {dollars(-income)}" in text


def test_an_lp_of_two_funds_names_the_fund(demo: DemoOrg) -> None:
    _fund_i_id, fund_ii_id = fund_ids(demo.ws)
    ((lp_id,),) = demo.sql(
        "SELECT lp_id FROM commitments GROUP BY lp_id HAVING COUNT(DISTINCT fund_id) = 2 "
        "ORDER BY lp_id LIMIT 1"
    )
    with pytest.raises(RecordNotFound, match="commitments to 2 funds; choose one with --fund"):
        lp_statement(demo.ws, str(lp_id), parse_period("2026Q2"))
    statement = lp_statement(demo.ws, str(lp_id), parse_period("2026Q2"), fund_id=fund_ii_id)
    assert statement.ledger.fund.name == "Harbor Peak Real Estate Fund II"
    assert statement.current.closing == Decimal(0)
    text = _check_statement_text(statement, read_fund_ledger(demo.ws, fund_ii_id))
    save_png(statement_pdf(statement), "statement-no-activity")
    assert "No capital was called, contributed or distributed in this period." in text


def test_a_statement_is_reproducible_to_the_byte(demo: DemoOrg, fund_i: FundLedger) -> None:
    ledger = fund_i.ledgers[8]
    period = parse_period("2026Q1")
    first = lp_statement(demo.ws, ledger.investor.lp_id, period, fund_id=ledger.fund.fund_id)
    again = lp_statement(demo.ws, ledger.investor.lp_id, period, fund_id=ledger.fund.fund_id)
    assert first.document_id == again.document_id
    assert statement_pdf(first) == statement_pdf(again)


# -- periods not ended (DESIGN §5): today is 5 December 2026 ---------------------------

TODAY = date(2026, 12, 5)


def test_a_quarter_not_yet_ended_is_marked_preliminary(demo: DemoOrg, fund_i: FundLedger) -> None:
    """2026Q4 on 5 December 2026: stated, but marked in the header of every page and above
    the figures; the same quarter on 1 January 2027 is final, with its own document id."""
    ledger = fund_i.ledgers[3]
    lp_id, fund_id = ledger.investor.lp_id, ledger.fund.fund_id
    running = lp_statement(demo.ws, lp_id, parse_period("2026Q4"), fund_id=fund_id, today=TODAY)
    assert running.preliminary == "Preliminary \u2014 period ends 31 December 2026"
    data = statement_pdf(running)
    save_png(data, "statement-preliminary")
    text = _check_statement_text(running, fund_i)
    assert text.count("Preliminary \u2014 period ends 31 December 2026") == page_count(data) + 1
    assert "activity before the period ends will change them" in text
    assert "Period ended" not in text

    ended = lp_statement(
        demo.ws, lp_id, parse_period("2026Q4"), fund_id=fund_id, today=date(2027, 1, 1)
    )
    assert ended.preliminary is None
    assert ended.document_id != running.document_id
    final = pdf_text(statement_pdf(ended))
    assert "Preliminary" not in final
    assert "Period ended 31 December 2026" in final


@pytest.mark.parametrize(
    ("period", "today", "preliminary"),
    [
        ("2026", date(2026, 12, 31), "Preliminary \u2014 period ends 31 December 2026"),
        ("2026", date(2027, 1, 1), None),
        ("2026Q4", date(2026, 10, 1), "Preliminary \u2014 period ends 31 December 2026"),
        ("2026Q3", TODAY, None),
    ],
)
def test_a_period_is_preliminary_through_its_last_day(
    fund_i: FundLedger, period: str, today: date, preliminary: str | None
) -> None:
    statement = build_statement(fund_i.ledgers[3], parse_period(period), today=today)
    assert statement.preliminary == preliminary


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2027Q2", "2027Q2 has not begun; it starts 2027-04-01"),
        ("2027Q1", "2027Q1 has not begun; it starts 2027-01-01"),
        ("2027", "2027 has not begun; it starts 2027-01-01"),
    ],
)
def test_a_period_not_yet_begun_is_refused_naming_it(
    demo: DemoOrg, fund_i: FundLedger, period: str, message: str
) -> None:
    ledger = fund_i.ledgers[3]
    with pytest.raises(PeriodError) as refused:
        lp_statement(
            demo.ws,
            ledger.investor.lp_id,
            parse_period(period),
            fund_id=ledger.fund.fund_id,
            today=TODAY,
        )
    assert str(refused.value) == message
    with pytest.raises(PeriodError, match=f"^{message}$"):
        build_statement(ledger, parse_period(period), today=TODAY)
