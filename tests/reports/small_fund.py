"""Cedar Ridge Fund II, L.P.: a two-LP fund small enough to check every figure by hand.

* Ash Pension commits $1,000,000 and Birch Trust $500,000 on 2024-01-10.
* Call No. 1, 2024-02-01, due 2024-02-15: Ash $100,000 and Birch $50,000, both paid on
  2024-02-14.
* Call No. 2, 2024-06-01, due 2024-06-15: Ash $150,000, of which $50,000 paid on
  2024-06-20 and $30,000 on 2024-09-20; Birch $75,000, paid on 2024-06-14.
* Call No. 3, 2024-09-01, due 2024-09-16: Ash $80,000 and Birch $40,000, both unpaid.
* Call No. 4, 2024-09-10, due 2024-09-24: Ash $60,000 and Birch $30,000 — the notice.
* Distribution No. 1, 2024-12-20 (income): Ash $12,000, Birch $6,500.

On Call No. 4's date Ash owes $100,000 on Call No. 2, 87 days past due (the $30,000 paid
on 2024-09-20 comes after the notice), while Call No. 3 is not yet due; Birch owes nothing
past due.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.reports.ledger_values import (
    CallEntry,
    CommitmentEntry,
    DistributionEntry,
    FundHeader,
    Investor,
    LpLedger,
    PaymentEntry,
)

__all__ = ["FUND", "D", "ash", "birch", "op"]

D = Decimal
FUND = FundHeader(
    fund_id="fund-cedar-2",
    name="Cedar Ridge Fund II, L.P.",
    currency="USD",
    vintage_year=2024,
    gp_name="Cedar Ridge Partners",
    total_commitments=D("1500000.00"),
)
_CALLS = {
    1: (dt.date(2024, 2, 1), dt.date(2024, 2, 15), D("150000.00")),
    2: (dt.date(2024, 6, 1), dt.date(2024, 6, 15), D("225000.00")),
    3: (dt.date(2024, 9, 1), dt.date(2024, 9, 16), D("120000.00")),
    4: (dt.date(2024, 9, 10), dt.date(2024, 9, 24), D("90000.00")),
}


def op(n: int) -> str:
    """A well-formed op id, distinct for each ``n``."""
    return f"00000000-0000-7000-8000-{n:012d}"


def _call(lp: int, number: int, amount: str, paid: str = "0") -> CallEntry:
    on, due, fund_amount = _CALLS[number]
    return CallEntry(
        call_id=f"call-{number}",
        number=number,
        call_date=on,
        due_date=due,
        purpose=f"Acquisition equity, call {number}",
        status="issued",
        deal_name=None,
        fund_amount=fund_amount,
        amount=D(amount),
        paid=D(paid),
        op_id=op(100 + number),
        issue_op_id=op(200 + number),
    )


def _payment(lp: int, n: int, call: int, amount: str, on: dt.date) -> PaymentEntry:
    return PaymentEntry(f"pay-{lp}-{n}", f"call-{call}", D(amount), on, op(1000 + 10 * lp + n))


def _distribution(amount: str) -> DistributionEntry:
    return DistributionEntry(
        distribution_id="dist-1",
        number=1,
        distribution_date=dt.date(2024, 12, 20),
        source="income",
        note="",
        status="issued",
        deal_name=None,
        fund_amount=D("18500.00"),
        amount=D(amount),
        carry=D(0),
        tiers=(),
        explanation=(),
        op_id=op(301),
        issue_op_id=op(302),
    )


def ash() -> LpLedger:
    return LpLedger(
        fund=FUND,
        investor=Investor("lp-ash", "Ash Pension", "pension", None),
        commitments=(CommitmentEntry("c-ash", D("1000000.00"), dt.date(2024, 1, 10), op(11)),),
        calls=(
            _call(1, 1, "100000.00", "100000.00"),
            _call(1, 2, "150000.00", "80000.00"),
            _call(1, 3, "80000.00"),
            _call(1, 4, "60000.00"),
        ),
        payments=(
            _payment(1, 1, 1, "100000.00", dt.date(2024, 2, 14)),
            _payment(1, 2, 2, "50000.00", dt.date(2024, 6, 20)),
            _payment(1, 3, 2, "30000.00", dt.date(2024, 9, 20)),
        ),
        distributions=(_distribution("12000.00"),),
        lp_number=1,
    )


def birch() -> LpLedger:
    return LpLedger(
        fund=FUND,
        investor=Investor("lp-birch", "Birch Trust", "trust", None),
        commitments=(CommitmentEntry("c-birch", D("500000.00"), dt.date(2024, 1, 10), op(12)),),
        calls=(
            _call(2, 1, "50000.00", "50000.00"),
            _call(2, 2, "75000.00", "75000.00"),
            _call(2, 3, "40000.00"),
            _call(2, 4, "30000.00"),
        ),
        payments=(
            _payment(2, 1, 1, "50000.00", dt.date(2024, 2, 14)),
            _payment(2, 2, 2, "75000.00", dt.date(2024, 6, 14)),
        ),
        distributions=(_distribution("6500.00"),),
        lp_number=2,
    )
