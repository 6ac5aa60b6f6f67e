"""A call notice states what is overdue on earlier calls, and the LP's payment reference.

Cedar Ridge Fund II (tests/reports/small_fund.py): on Call No. 4's date, 10 September
2024, Ash Pension still owes $100,000.00 on Call No. 2, due 15 June 2024 — 87 days past
due; its $30,000 payment of 20 September comes after the notice and does not count.
Call No. 3 (due 16 September) is not yet due, and Birch Trust has paid every call that
is. Then, on Harbor Peak Capital's Fund I, each LP's reference for Call No. 6 is the same
however many times the ledger is read, and after the projection is rebuilt from the op
log, and no two LPs share one.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal

import pytest

from core.commands.reading import close_reading
from core.commands.workspace import Workspace
from core.reports import PaymentInstructions, build_call_notice, read_fund_ledger
from core.reports.ledger_index import fund_ids
from core.reports.notices import CallNotice
from core.reports.payment_reference import fund_code, payment_reference
from core.reports.pdf_notices import call_notice_pdf
from tests.reports.conftest import DemoOrg
from tests.reports.documents_read import cited_sources, pdf_text
from tests.reports.small_fund import D, ash, birch, op

WIRE = PaymentInstructions(
    bank_name="First Cedar Bank, N.A.",
    account_name="Cedar Ridge Fund II, L.P. — Capital Account",
    account_number="7700 1234 5678",
    routing_number="026009593",
    swift_bic="FCDRUS33XXX",
    reference="Capital call and LP name",
)


def _notice(ledger_name: str) -> CallNotice:
    ledger = ash() if ledger_name == "ash" else birch()
    return build_call_notice(ledger, "call-4", instructions=WIRE)


def test_an_unpaid_earlier_call_past_due_is_listed_with_its_days() -> None:
    notice = _notice("ash")
    assert [(o.call.number, o.outstanding, o.days_overdue) for o in notice.overdue] == [
        (2, D("100000.00"), 87)
    ]
    assert (dt.date(2024, 9, 10) - dt.date(2024, 6, 15)).days == 87
    assert notice.overdue_total == D("100000.00")
    # The one definition: the overdue part of the LP's position on the notice date.
    assert notice.overdue_total == ash().position(dt.date(2024, 9, 10)).overdue
    line = notice.line("Overdue on earlier calls")
    assert line.amount == D("100000.00")


def test_a_fully_paid_lp_and_a_call_not_yet_due_give_no_overdue_lines() -> None:
    notice = _notice("birch")
    assert notice.overdue == ()
    assert notice.overdue_total == Decimal(0)
    assert all(line.label != "Overdue on earlier calls" for line in notice.lines)
    text = pdf_text(call_notice_pdf(notice))
    assert "Overdue on earlier calls" not in text
    # Ash's Call No. 3 (due 16 September) is called, unpaid, and not yet overdue.
    assert 3 not in {o.call.number for o in _notice("ash").overdue}


def test_the_overdue_lines_and_their_total_print_on_the_notice() -> None:
    text = pdf_text(call_notice_pdf(_notice("ash")))
    assert "Overdue on earlier calls" in text
    assert "Capital Call No. 2 15 June 2024 $100,000.00 87 days" in text
    assert "Total overdue $100,000.00" in text


def test_the_payment_reference_prints_with_the_wire_instructions_in_full() -> None:
    notice = _notice("ash")
    assert notice.payment_reference == "CRFII-C04-LP001"
    assert _notice("birch").payment_reference == "CRFII-C04-LP002"
    text = pdf_text(call_notice_pdf(notice))
    wire = text[text.index("Payment instructions") : text.index("Capital activity to date")]
    assert "Payment reference CRFII-C04-LP001" in wire
    for value in (
        "First Cedar Bank, N.A.",
        "Cedar Ridge Fund II, L.P. — Capital Account",
        "7700 1234 5678",
        "026009593",
        "FCDRUS33XXX",
        "Capital call and LP name",
    ):
        assert value in wire, value
    assert "Quote payment reference CRFII-C04-LP001 on your wire" in wire


def test_a_draft_call_has_no_reference_yet() -> None:
    assert payment_reference("Cedar Ridge Fund II, L.P.", None, 1) is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Harbor Peak Real Estate Fund I", "HPREFI"),
        ("Harbor Peak Real Estate Fund II", "HPREFII"),
        ("Cedar Ridge Fund II, L.P.", "CRFII"),
        ("Oak Growth Fund 3 LLC", "OGF3"),
        ("", "FUND"),
    ],
)
def test_the_fund_code_is_its_initials_and_numeral(name: str, code: str) -> None:
    assert fund_code(name) == code


def _references(ws: Workspace, fund_id: str, call_id: str) -> dict[str, str | None]:
    fund = read_fund_ledger(ws, fund_id)
    return {
        lp.investor.lp_id: build_call_notice(lp, call_id).payment_reference
        for lp in fund.ledgers
        if lp.call(call_id) is not None
    }


def test_the_reference_is_stable_across_reads_and_a_rebuild_and_unique_per_lp(
    demo: DemoOrg, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fund_id = fund_ids(demo.ws)[0]
    ((call_id,),) = demo.sql(
        "SELECT call_id FROM capital_calls WHERE status = 'issued' ORDER BY call_date DESC LIMIT 1"
    )
    first = _references(demo.ws, fund_id, str(call_id))
    assert first == _references(demo.ws, fund_id, str(call_id))
    assert len(first) == 110
    assert None not in first.values()
    assert len(set(first.values())) == len(first)  # no two LPs share a reference
    # A second replica: the same op log, its tables rebuilt from the ops alone.
    copy = tmp_path_factory.mktemp("replica") / "org"
    shutil.copytree(demo.data_dir, copy)
    replica = Workspace.open(copy)
    try:
        replica.rebuild()
        assert _references(replica, fund_id, str(call_id)) == first
    finally:
        close_reading(replica)
        replica.close()


def test_every_reference_on_the_notice_resolves_in_its_sources_table() -> None:
    text = pdf_text(call_notice_pdf(_notice("ash")))
    body, sources, listed = cited_sources(text)
    assert len(set(listed.values())) == len(listed)
    # Each reference resolves to the op its line derives from.
    (this_call,) = re.findall(r"Amount of this call \$60,000\.00 \[(\d+)\]", body)
    assert listed[this_call] == op(104)
    (commitment,) = re.findall(r"Commitment \$1,000,000\.00 \[(\d+)\]", body)
    assert listed[commitment] == op(11)
    (late,) = re.findall(r"87 days \[(\d+)\]", body)
    assert listed[late] == op(102)
    (first,) = re.findall(r"Capital Call No\. 1 \$100,000\.00 \$100,000\.00 \[(\d+)\]", body)
    assert listed[first] == op(101)
    # Every line of the notice cites an op the sources table names, with what it recorded.
    assert f"Capital Call No. 2 created 2024-06-01 {op(102)}" in sources
    assert f"Commitment recorded 2024-01-10 {op(11)}" in sources
