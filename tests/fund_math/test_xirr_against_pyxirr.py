"""XIRR against an independent implementation (pyxirr, Rust, float) on generated series.

Where both solve, the rates agree to 1e-6 (relative beyond 100 %) — except where pyxirr's
float search stops early on its absolute NPV tolerance (series of a few cents, or rates far
above 100 %), where the NPV must show ours is the same root and nearer zero. Where one answers,
the NPV decides who is right: a rate we report must be a genuine sign change of the NPV,
and a rate pyxirr reports that we refuse must be either one of several roots (we said
"ambiguous") or not a root at all (the NPV does not cross zero there).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext

import pyxirr
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from core.fund_math import CashFlow, XirrFailure, xirr
from core.fund_math.cashflows import net_by_date

# Amounts in whole cents up to $100m; a fund's life of up to 15 years.
cents = st.integers(min_value=1, max_value=10**10)
offsets = st.integers(min_value=1, max_value=15 * 365)


def _money(n: int) -> Decimal:
    return Decimal(n).scaleb(-2)


@st.composite
def fund_like(draw: st.DrawFn) -> list[CashFlow]:
    """Calls first, then mostly distributions: the shape of an LP's cash flows."""
    start = draw(st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 1, 1)))
    series = [CashFlow(start, -_money(draw(cents)))]
    for _ in range(draw(st.integers(min_value=1, max_value=14))):
        day = start + timedelta(days=draw(offsets))
        outflow = draw(st.booleans()) and draw(st.booleans())
        amount = _money(draw(cents))
        series.append(CashFlow(day, -amount if outflow else amount))
    return series


@st.composite
def any_signs(draw: st.DrawFn) -> list[CashFlow]:
    """Any signs in any order: where multiple roots and no roots live."""
    start = draw(st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 1, 1)))
    size = draw(st.integers(min_value=2, max_value=8))
    return [
        CashFlow(
            start + timedelta(days=draw(st.integers(0, 10 * 365))),
            _money(draw(st.integers(-(10**9), 10**9))),
        )
        for _ in range(size)
    ]


def _theirs(series: list[CashFlow]) -> float | None:
    try:
        rate = pyxirr.xirr([f.date for f in series], [f.amount for f in series], silent=True)
    except pyxirr.InvalidPaymentsError:
        return None
    if rate is None or not math.isfinite(rate):
        return None
    return float(rate)


WIDE = Context(prec=120, Emax=10**8, Emin=-(10**8))


def _terms(rate: Decimal, series: list[CashFlow]) -> list[Decimal]:
    """Discounted flows, computed independently at 120 digits: near -100 % over years they
    reach 1e40 and cancel, which 34 digits cannot resolve but 120 can."""
    with localcontext(WIDE):
        start = min(f.date for f in series)
        log_growth = (1 + rate).ln()
        return [
            f.amount * (-Decimal((f.date - start).days) / 365 * log_growth).exp() for f in series
        ]


def _npv(rate: Decimal, series: list[CashFlow]) -> Decimal:
    with localcontext(WIDE):
        return sum(_terms(rate, series), Decimal(0))


def _residual(rate: Decimal, series: list[CashFlow]) -> Decimal:
    """|NPV| over the size of its terms: how nearly the flows cancel at ``rate`` (0 at a
    root, 1 where nothing cancels), comparable across rates of any size."""
    with localcontext(WIDE):
        terms = _terms(rate, series)
        return abs(sum(terms, Decimal(0))) / sum((abs(t) for t in terms), Decimal(0))


def _crosses_zero(series: list[CashFlow], rate: Decimal, width: str = "1e-9") -> bool:
    """Whether the NPV changes sign within ``(1+rate) * exp(±width)`` (a genuine root).

    The neighbourhood is taken on the growth factor, not the rate, so that it means the
    same thing at -99.99 % and at 10,000 %.
    """
    with localcontext(WIDE):
        growth = 1 + rate
        if growth <= 0:
            return False
        low = growth * (-Decimal(width)).exp() - 1
        high = growth * Decimal(width).exp() - 1
    return (_npv(low, series) > 0) != (_npv(high, series) > 0) or _npv(rate, series) == 0


def _check(raw: list[CashFlow]) -> None:
    ours = xirr(raw)
    theirs = _theirs(raw)
    # Same-day flows are one flow at every rate; netting them first keeps the NPV evidence
    # free of the cancellation noise two huge equal and opposite terms make near -100 %.
    series = net_by_date(raw)
    scale = sum((abs(f.amount) for f in series), Decimal(0))
    if ours.rate is not None:
        assert ours.npv_at_rate is not None
        # Next to -100 % a 34-digit rate keeps few digits of 1 + r; the crossing still shows.
        assert abs(ours.npv_at_rate) <= scale * Decimal("1e-20") or _crosses_zero(series, ours.rate)
        if theirs is None:
            event("only ours solved")
            assert _crosses_zero(series, ours.rate)
        elif abs(float(ours.rate) - theirs) <= 1e-6 * max(1.0, abs(theirs)):
            event("both solved, agree to 1e-6")
        else:
            # pyxirr stops its float search on an absolute NPV tolerance: on series of a few
            # cents, or where the NPV is nearly flat in r (far above 100 %), that leaves its
            # rate short of 1e-6. Ours found the only root in the whole bracket, so pyxirr's
            # rate is an imprecise copy of it (or no root): the flows must cancel better at ours.
            event("both solved; pyxirr's float rate imprecise, NPV confirms ours")
            assert ours.candidates == (ours.rate,)
            their_rate = Decimal(repr(theirs))
            assert _residual(ours.rate, series) <= _residual(their_rate, series)
        return
    if theirs is None:
        event(f"neither solved: {ours.reason}")
        if ours.reason in (XirrFailure.NO_SIGN_CHANGE, XirrFailure.TOO_FEW_FLOWS):
            assert len(series) < 2 or len({f.amount > 0 for f in series}) == 1
        return
    # pyxirr answered and we did not: its rate must be one of several roots, or no root.
    their_rate = Decimal(repr(theirs))
    event(f"only pyxirr solved: ours {ours.reason}")
    if ours.reason in (XirrFailure.NO_SIGN_CHANGE, XirrFailure.TOO_FEW_FLOWS):
        # Net of same-day flows the series is one-signed: its NPV is never zero.
        assert len(series) < 2 or len({f.amount > 0 for f in series}) == 1
    elif ours.reason is XirrFailure.AMBIGUOUS:
        assert len(ours.candidates) >= 2
        near = any(
            abs(c - their_rate) <= Decimal("1e-6") * max(Decimal(1), abs(c))
            for c in ours.candidates
        )
        if not near and not _crosses_zero(series, their_rate):
            # pyxirr's rate is no root at all (it answers 3.3e66 for some short series):
            # no evidence against ours, which names the roots it found.
            event("only pyxirr solved: its rate is no root")
            return
    else:
        assert not _crosses_zero(series, their_rate), (ours, theirs)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fund_like())
@example(
    [
        CashFlow(date(2000, 1, 1), Decimal("-0.01")),
        CashFlow(date(2000, 1, 4), Decimal("0.01")),
        CashFlow(date(2000, 8, 17), Decimal("0.07")),
        CashFlow(date(2000, 1, 4), Decimal("0.01")),
        CashFlow(date(2000, 1, 3), Decimal("0.01")),
        CashFlow(date(2000, 8, 25), Decimal("-0.02")),
    ]
)
def test_fund_shaped_series_match_pyxirr(series: list[CashFlow]) -> None:
    _check(series)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_signs())
def test_arbitrary_series_match_pyxirr_or_the_npv_evidence(series: list[CashFlow]) -> None:
    _check(series)


@settings(max_examples=200, deadline=None)
@given(fund_like(), st.integers(min_value=2, max_value=1000))
def test_scaling_every_amount_leaves_the_rate_unchanged(series: list[CashFlow], k: int) -> None:
    scaled = [CashFlow(f.date, f.amount * k) for f in series]
    one, many = xirr(series), xirr(scaled)
    assert one.reason == many.reason
    if one.rate is not None and many.rate is not None:
        assert abs(one.rate - many.rate) <= Decimal("1e-20") * max(Decimal(1), abs(one.rate))
