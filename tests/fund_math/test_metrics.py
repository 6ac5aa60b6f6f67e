"""Fund metrics on a small fund, and against an exact-rational implementation.

The fund: a $10,000,000 commitment; $6,000,000 called on 2020-01-15 and $2,000,000 on
2021-03-01; $3,000,000 distributed on 2023-06-30; NAV $7,500,000 at 2024-12-31.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
import pyxirr
from hypothesis import given, settings
from hypothesis import strategies as st

from core.fund_math import (
    CashFlow,
    FundMetrics,
    MetricError,
    distributed,
    dpi,
    moic,
    nav,
    nav_by_capital_account,
    paid_in,
    rvpi,
    tvpi,
    unfunded,
)
from core.fund_math.metrics import lp_cash_flows

D = Decimal
CALLS = [CashFlow(date(2020, 1, 15), D("6000000.00")), CashFlow(date(2021, 3, 1), D("2000000.00"))]
PAID_OUT = [CashFlow(date(2023, 6, 30), D("3000000.00"))]


def test_the_small_fund_report() -> None:
    metrics = FundMetrics.of(
        commitment=D("10000000.00"),
        contributions=CALLS,
        distributions=PAID_OUT,
        nav=D("7500000.00"),
        as_of=date(2024, 12, 31),
        called=D("8000000.00"),
    )

    assert metrics.paid_in == D("8000000.00")
    assert metrics.distributed == D("3000000.00")
    assert metrics.unfunded == D("2000000.00")
    # 3.0 / 8.0, 7.5 / 8.0 and 10.5 / 8.0, exact in four places.
    assert (metrics.dpi, metrics.rvpi, metrics.tvpi) == (D("0.3750"), D("0.9375"), D("1.3125"))
    expected_irr = pyxirr.xirr(
        [date(2020, 1, 15), date(2021, 3, 1), date(2023, 6, 30), date(2024, 12, 31)],
        [-6_000_000, -2_000_000, 3_000_000, 7_500_000],
    )
    assert metrics.irr.rate is not None
    assert expected_irr is not None
    assert abs(float(metrics.irr.rate) - expected_irr) < 1e-9


def test_multiples_round_half_to_even_at_four_places() -> None:
    assert dpi(D("1234.50"), D("10000.00")) == D("0.1234")  # 0.12345 -> even 4
    assert dpi(D("1235.50"), D("10000.00")) == D("0.1236")  # 0.12355 -> even 6
    assert dpi(D("1.00"), D("3.00")) == D("0.3333")


def test_nothing_paid_in_has_no_multiple() -> None:
    assert tvpi(D(0), D(0), D(0)) is None
    assert dpi(D("5.00"), D(0)) is None
    assert rvpi(D("5.00"), D(0)) is None
    assert moic(D("5.00"), D(0), D(0)) is None
    assert (
        FundMetrics.of(
            commitment=D("100.00"),
            contributions=[],
            distributions=[],
            nav=D(0),
            as_of=date(2024, 1, 1),
            called=D(0),
        ).tvpi
        is None
    )


def test_moic_of_a_partly_realized_deal() -> None:
    """Invested 4,000,000; sold a stake for 3,000,000; the rest is marked at 5,200,000."""
    assert moic(D("3000000.00"), D("5200000.00"), D("4000000.00")) == D("2.0500")


def test_capital_account_nav_rolls_forward_and_may_go_negative() -> None:
    assert nav([D("800.00")], [D("300.00")], D("250.00")) == D("750.00")
    assert nav([D("100.00")], [D("150.00")], D("-20.00")) == D("-70.00")


def test_fund_nav_split_across_capital_accounts_sums_exactly() -> None:
    shares = nav_by_capital_account(
        D("1000.00"), {"a": D("1.00"), "b": D("1.00"), "c": D("1.00")}, "USD"
    )
    assert shares == {"a": D("333.34"), "b": D("333.33"), "c": D("333.33")}


def test_over_called_commitment_is_refused_not_reported_negative() -> None:
    assert unfunded(D("100.00"), [D("60.00")], recallable=D("10.00")) == D("50.00")
    with pytest.raises(MetricError, match="exceed the commitment"):
        unfunded(D("100.00"), [D("60.00"), D("50.00")])


def test_unfunded_counts_what_was_called_not_what_was_paid() -> None:
    """Called 8,000,000 of 10,000,000, of which 6,000,000 is paid: 2,000,000 unfunded."""
    metrics = FundMetrics.of(
        commitment=D("10000000.00"),
        contributions=CALLS[:1],
        distributions=[],
        nav=D(0),
        as_of=date(2024, 12, 31),
        called=D("8000000.00"),
    )
    assert (metrics.paid_in, metrics.unfunded) == (D("6000000.00"), D("2000000.00"))


@pytest.mark.parametrize(
    "call",
    [
        lambda: paid_in([D("-1.00")]),
        lambda: distributed([1.0]),  # type: ignore[list-item]
        lambda: tvpi(D(1), D(-1), D(1)),
        lambda: dpi(D(1), D("-1")),
    ],
)
def test_impossible_inputs_are_refused(call: object) -> None:
    with pytest.raises(MetricError):
        call()  # type: ignore[operator]


def test_lp_cash_flows_sign_money_in_negative() -> None:
    flows = lp_cash_flows(CALLS, PAID_OUT, D("7500000.00"), date(2024, 12, 31))
    assert [f.amount for f in flows] == [
        D("-6000000.00"),
        D("-2000000.00"),
        D("3000000.00"),
        D("7500000.00"),
    ]
    assert len(lp_cash_flows(CALLS, PAID_OUT, D(0), date(2024, 12, 31))) == 3


cents = st.integers(0, 10**13).map(lambda n: Decimal(n).scaleb(-2))


def _exact(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Independent: exact rationals; ``round`` on a ``Fraction`` rounds half to even."""
    rounded = round(Fraction(numerator) / Fraction(denominator), 4)
    return (Decimal(rounded.numerator) / Decimal(rounded.denominator)).quantize(D("0.0001"))


@settings(max_examples=500, deadline=None)
@given(cents, cents, cents.filter(lambda c: c > 0))
def test_multiples_match_exact_rational_arithmetic(
    returned: Decimal, residual: Decimal, called: Decimal
) -> None:
    assert dpi(returned, called) == _exact(returned, called)
    assert rvpi(residual, called) == _exact(residual, called)
    assert tvpi(returned, residual, called) == _exact(returned + residual, called)
