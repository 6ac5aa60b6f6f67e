"""Capital call and distribution notices for Harbor Peak Real Estate Fund I's LPs.

Call No. 6 (2026-01-15, $6,000,000, half paid) and the exit distribution (2026-05-15,
$9,500,000) are the scenarios: each notice's lines are checked against the SQLite file
read with plain SQL, and its PDF is read back for the LP's name, amounts and op ids —
and for the absence of every other LP.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.reports import (
    PaymentInstructions,
    RecordNotFound,
    build_call_notice,
    build_distribution_notice,
    call_notice,
    read_fund_ledger,
)
from core.reports.ledger_index import fund_ids
from core.reports.ledger_values import FundLedger, LpLedger
from core.reports.notices import CallNotice
from core.reports.pdf_notices import call_notice_pdf, distribution_notice_pdf
from tests.reports.conftest import DemoOrg
from tests.reports.documents_read import (
    OP_ID,
    dollar_amounts,
    dollars,
    page_count,
    pdf_text,
    save_png,
)


@pytest.fixture(scope="module")
def fund_i(demo: DemoOrg) -> FundLedger:
    return read_fund_ledger(demo.ws, fund_ids(demo.ws)[0])


def _call_id(demo: DemoOrg, n: int) -> str:
    rows = demo.sql("SELECT call_id FROM capital_calls ORDER BY call_date")
    return str(rows[n - 1][0])


def _op(demo: DemoOrg, kind: str, entity_id: str) -> str:
    rows = demo.sql("SELECT op_id FROM op_log WHERE kind = ? AND entity_id = ?", kind, entity_id)
    assert len(rows) == 1
    return str(rows[0][0])


def _payment_ops(demo: DemoOrg, lp_id: str) -> dict[str, str]:
    """payment_id → op id of its capital_call.payment op, from the raw envelopes."""
    found = {}
    for op_id, raw in demo.sql(
        "SELECT op_id, envelope FROM op_log WHERE kind = 'capital_call.payment'"
    ):
        payload = json.loads(raw)["payload"]
        if payload["lp_id"] == lp_id:
            found[payload["payment_id"]] = str(op_id)
    return found


def _others(fund: FundLedger, lp: LpLedger) -> list[LpLedger]:
    return [o for o in fund.ledgers if o.investor.lp_id != lp.investor.lp_id]


def test_a_call_notice_states_the_lp_share_and_its_cumulative_position(
    demo: DemoOrg, fund_i: FundLedger
) -> None:
    lp = fund_i.ledgers[10]
    call_id = _call_id(demo, 6)
    notice = build_call_notice(lp, call_id)
    ((allocated,),) = demo.sql(
        "SELECT amount FROM call_allocations WHERE call_id = ? AND lp_id = ?",
        call_id,
        lp.investor.lp_id,
    )
    issued = demo.sql(
        "SELECT a.amount FROM call_allocations a JOIN capital_calls c ON c.call_id = a.call_id "
        "WHERE a.lp_id = ? AND c.status = 'issued' AND c.call_date <= '2026-01-15'",
        lp.investor.lp_id,
    )
    ((committed,),) = demo.sql(
        "SELECT amount FROM commitments WHERE lp_id = ? AND fund_id = ?",
        lp.investor.lp_id,
        lp.fund.fund_id,
    )
    called = sum((Decimal(str(a)) for (a,) in issued), Decimal(0))
    assert notice.call.number == 6
    assert notice.line("Amount of this call").amount == Decimal(str(allocated))
    assert notice.line("Amount of this call").source == _op(demo, "capital_call.create", call_id)
    assert notice.line("Cumulative called, including this call").amount == called
    assert notice.line("Called before this notice").amount == called - Decimal(str(allocated))
    assert notice.line("Commitment").amount == Decimal(str(committed))
    assert notice.line("Unfunded commitment after this call").amount == (
        Decimal(str(committed)) - called
    )
    paid = notice.line("Contributions paid to date")
    assert paid.amount == sum((h.paid or Decimal(0) for h in notice.history), Decimal(0))
    assert [h.op_id for h in notice.history if h.called is not None] == [
        _op(demo, "capital_call.create", _call_id(demo, n)) for n in range(1, 7)
    ]


def test_every_payment_carries_the_op_that_recorded_it(demo: DemoOrg, fund_i: FundLedger) -> None:
    lp = fund_i.ledgers[20]
    expected = _payment_ops(demo, lp.investor.lp_id)
    assert {p.payment_id: p.op_id for p in lp.payments} == expected
    assert len(expected) >= 4


def _notice_pdf(notice: CallNotice) -> str:
    return pdf_text(call_notice_pdf(notice))


@pytest.mark.parametrize("index", [0, 3, 57, 109])
def test_the_call_notice_pdf_reads_back_with_this_lp_only(
    demo: DemoOrg, fund_i: FundLedger, index: int
) -> None:
    lp = fund_i.ledgers[index]
    notice = build_call_notice(lp, _call_id(demo, 6))
    data = call_notice_pdf(notice)
    text = pdf_text(data)
    if index == 3:
        save_png(data, "call-notice")
    assert lp.investor.name in text
    assert notice.document_id in text
    assert f"Page 1 of {page_count(data)}" in text
    assert "Payment instructions will follow under separate cover" in text
    for line in notice.lines:
        assert dollars(line.amount) in text, line.label
        if OP_ID.fullmatch(line.source):
            assert line.source in text
    for h in notice.history:
        assert h.op_id in text
    stated = {line.amount for line in notice.lines} | {notice.call.fund_amount}
    stated |= {o.outstanding for o in notice.overdue}
    for h in notice.history:
        stated |= {a for a in (h.called, h.paid, h.distributed) if a is not None}
    assert dollar_amounts(text) <= stated
    mine = {lp.investor.name, *(stated)}
    for other in _others(fund_i, lp):
        if other.investor.name not in lp.investor.name:
            assert other.investor.name not in text
        theirs = {c.amount for c in other.calls} | {other.commitment()}
        assert dollar_amounts(text) & (theirs - mine) == set()


def test_a_draft_call_gives_a_marked_draft_notice(demo: DemoOrg, fund_i: FundLedger) -> None:
    lp = fund_i.ledgers[3]
    notice = build_call_notice(lp, _call_id(demo, 7))
    assert notice.is_draft
    assert notice.call.number is None
    data = call_notice_pdf(notice)
    save_png(data, "call-notice-draft")
    text = pdf_text(data)
    assert "DRAFT — NOT ISSUED" in text
    assert "Capital Call (draft)" in text
    assert notice.payment_reference is None
    assert "A payment reference is assigned when the call is issued." in text


def test_payment_instructions_print_as_given(demo: DemoOrg, fund_i: FundLedger) -> None:
    lp = fund_i.ledgers[3]
    wire = PaymentInstructions(
        bank_name="First Harbor Bank, N.A.",
        account_name="Harbor Peak Real Estate Fund I, L.P.",
        account_number="004417729301",
        routing_number="021000089",
        reference=f"Call 6 / {lp.investor.name}",
    )
    data = call_notice_pdf(build_call_notice(lp, _call_id(demo, 6), instructions=wire))
    save_png(data, "call-notice-with-wire")
    text = pdf_text(data)
    assert "004417729301" in text
    assert "021000089" in text
    assert "separate cover" not in text


def test_an_lp_outside_the_call_gets_no_notice(demo: DemoOrg, fund_i: FundLedger) -> None:
    fund_ii_only = demo.sql(
        "SELECT lp_id FROM commitments GROUP BY lp_id HAVING COUNT(*) = 1 AND MIN(fund_id) = ?",
        fund_ids(demo.ws)[1],
    )[0][0]
    with pytest.raises(RecordNotFound, match="has no commitment to Harbor Peak Real Estate Fund I"):
        call_notice(demo.ws, _call_id(demo, 6), str(fund_ii_only))
    with pytest.raises(RecordNotFound, match="no capital call 'no-such-call'"):
        call_notice(demo.ws, "no-such-call", fund_i.ledgers[0].investor.lp_id)


def test_a_distribution_notice_states_the_share_source_and_cumulative(
    demo: DemoOrg, fund_i: FundLedger
) -> None:
    lp = fund_i.ledgers[3]
    ((dist_id,),) = demo.sql("SELECT distribution_id FROM distributions WHERE source = 'exit'")
    notice = build_distribution_notice(lp, str(dist_id))
    ((share,),) = demo.sql(
        "SELECT amount FROM distribution_allocations WHERE distribution_id = ? AND lp_id = ?",
        dist_id,
        lp.investor.lp_id,
    )
    every = demo.sql(
        "SELECT amount FROM distribution_allocations WHERE lp_id = ?", lp.investor.lp_id
    )
    assert notice.line("Amount of this distribution").amount == Decimal(str(share))
    assert notice.line("Of which exit proceeds").amount == Decimal(str(share))
    assert notice.line("Cumulative distributions, including this one").amount == sum(
        (Decimal(str(a)) for (a,) in every), Decimal(0)
    )
    op = _op(demo, "distribution.create", str(dist_id))
    assert notice.line("Amount of this distribution").source == op
    data = distribution_notice_pdf(notice)
    save_png(data, "distribution-notice")
    text = pdf_text(data)
    assert lp.investor.name in text
    assert op in text
    assert dollars(Decimal(str(share))) in text
    for other in _others(fund_i, lp):
        if other.investor.name not in lp.investor.name:
            assert other.investor.name not in text
