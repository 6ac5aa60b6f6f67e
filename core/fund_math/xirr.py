"""XIRR: the annual rate at which a fund's dated cash flows net to zero, or why none exists.

Excel-compatible definition: the rate ``r`` with ``sum(a_i / (1 + r) ** ((d_i - d_0) / 365)) = 0``.
The solver works on ``v = ln(1 + r)``, where the NPV is a sum of exponentials
``g(v) = sum(a_i * exp(-t_i * v))``: smooth, defined for every real ``v``, with known limits
(the earliest flow as ``v -> +inf``, the latest as ``v -> -inf``). That gives three honest
answers and never a guessed number:

* **one root** — by the rule of signs for exponential sums a series whose net flows change
  sign once in date order has exactly one root; it is bracketed by expanding from 10 % and
  polished by Newton steps kept inside the bracket (bisection when Newton misbehaves);
* **several roots** — with more sign changes, every root between -100 % and 1e308 is
  isolated by interval exclusion: the NPV is an inflow part minus an outflow part, each a
  decreasing function of ``v``, so two evaluations bound the NPV and its slope over a whole
  interval and rule out a root, or prove there is at most one; two or more roots give
  ``rate=None`` with every candidate, since picking one (Excel takes the one its iteration
  from 10 % happens to reach) would be a guess;
* **no root** — too few flows, all one sign, or no sign change anywhere in the bracket.

Only the rate is solved for; amounts stay ``Decimal`` and all arithmetic runs in
:data:`~core.fund_math.cashflows.FUND_MATH_CONTEXT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum
from itertools import pairwise
from typing import Final

from core.fund_math.cashflows import (
    FUND_MATH_CONTEXT,
    CashFlow,
    CashFlowError,
    net_by_date,
    xnpv,
    year_fraction,
)

__all__ = ["XirrFailure", "XirrResult", "xirr"]

V_MIN: Final = Decimal(-60)  # r = -1 + 9e-27: nearer -100 % no float tool tells r from -1
V_MAX: Final = Decimal(710)  # r = 2.2e308: past the largest float rate any tool can return
_START: Final = Decimal("0.09531017980432486004395212328076509")  # ln(1.1): Excel's guess
_TOLERANCE: Final = Decimal("1e-26")
_MAX_STEPS: Final = 300
_MAX_PIECES: Final = 20_000  # interval budget; real series need a few hundred


class XirrFailure(StrEnum):
    """Why a series has no single XIRR."""

    TOO_FEW_FLOWS = "too_few_flows"
    NO_SIGN_CHANGE = "no_sign_change"
    NO_ROOT_IN_BRACKET = "no_root_in_bracket"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True, slots=True)
class XirrResult:
    """A rate with the NPV evidence behind it, or ``rate=None`` with the reason.

    ``npv_at_rate`` is the XNPV at the returned rate (zero to the context's precision);
    ``candidates`` lists every root found when several make the rate ambiguous.
    """

    rate: Decimal | None
    reason: XirrFailure | None
    message: str
    candidates: tuple[Decimal, ...] = ()
    npv_at_rate: Decimal | None = None
    steps: int = 0

    @property
    def solved(self) -> bool:
        return self.rate is not None

    def percent(self, places: int = 2) -> str:
        """The rate as a person reads it, e.g. ``"37.34 %"``; ``"n/a"`` when unsolved."""
        if self.rate is None:
            return "n/a"
        # Formatting rounds half to even at any size; quantize would hit the context's
        # precision on the enormous rates a one-day doubling produces.
        return f"{self.rate * 100:.{places}f} %"


class _Series:
    """Net flows as ``(amount, years after the first date)`` pairs, evaluated in ``v``."""

    def __init__(self, flows: Sequence[CashFlow]) -> None:
        start = flows[0].date
        self.amounts = [flow.amount for flow in flows]
        self.years = [year_fraction(start, flow.date) for flow in flows]
        self.weighted = [a * t for a, t in zip(self.amounts, self.years, strict=True)]
        self.steps = 0

    def value_and_slope(self, v: Decimal) -> tuple[Decimal, Decimal]:
        self.steps += 1
        terms = [(-t * v).exp() for t in self.years]
        value = sum((a * e for a, e in zip(self.amounts, terms, strict=True)), Decimal(0))
        slope = -sum((w * e for w, e in zip(self.weighted, terms, strict=True)), Decimal(0))
        return value, slope

    def value(self, v: Decimal) -> Decimal:
        return self.value_and_slope(v)[0]

    def parts(self, v: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """``P, N, P', N'``: the NPV's inflow and outflow parts and their slopes' sizes.

        ``g = P - N`` and ``g' = N' - P'``, each part a sum of positive, decreasing terms.
        """
        self.steps += 1
        pos = neg = dpos = dneg = Decimal(0)
        for a, t, w in zip(self.amounts, self.years, self.weighted, strict=True):
            e = (-t * v).exp()
            if a > 0:
                pos += a * e
                dpos += w * e
            else:
                neg -= a * e
                dneg -= w * e
        return pos, neg, dpos, dneg


def _sign(x: Decimal) -> int:
    return (x > 0) - (x < 0)


def xirr(flows: Sequence[CashFlow]) -> XirrResult:
    """Solve XIRR for ``flows`` (any order; same-day flows are netted first)."""
    for i, flow in enumerate(flows):
        if not isinstance(flow, CashFlow):
            raise CashFlowError(f"flows[{i}] must be a CashFlow, got {type(flow).__name__}")
    if len(flows) < 2:
        return XirrResult(None, XirrFailure.TOO_FEW_FLOWS, "XIRR needs at least two cash flows")
    with localcontext(FUND_MATH_CONTEXT):
        net = net_by_date(flows)
        if len(net) < 2:
            return XirrResult(
                None,
                XirrFailure.TOO_FEW_FLOWS,
                "fewer than two dates carry a non-zero net flow, so no rate is defined",
            )
        signs = [_sign(flow.amount) for flow in net]
        if all(s > 0 for s in signs) or all(s < 0 for s in signs):
            side = "inflows" if signs[0] > 0 else "outflows"
            return XirrResult(
                None,
                XirrFailure.NO_SIGN_CHANGE,
                f"every net flow is one of {side}: no rate can make them net to zero",
            )
        series = _Series(net)
        changes = sum(1 for a, b in pairwise(signs) if a != b)
        if changes == 1:
            upward = _sign(series.value(_START)) != signs[0]
            bracket = _expand(series, _START, upward=upward)
            brackets = [] if bracket is None else [bracket]
        else:
            brackets = _isolate(series)
        roots = sorted(_polish(series, lo, hi) for lo, hi in brackets)
        return _answer(net, series, roots, changes)


def _answer(net: list[CashFlow], series: _Series, roots: list[Decimal], changes: int) -> XirrResult:
    rates = tuple(_rate_of(v) for v in roots)
    if not rates:
        return XirrResult(
            None,
            XirrFailure.NO_ROOT_IN_BRACKET,
            f"the net flows change sign {changes} times but their NPV never crosses zero "
            "between -100 % and 1e308: no rate solves them",
            steps=series.steps,
        )
    if len(rates) > 1:
        listed = ", ".join(_shown(r) for r in rates)
        return XirrResult(
            None,
            XirrFailure.AMBIGUOUS,
            f"the NPV is zero at {len(rates)} rates ({listed}): XIRR is ambiguous",
            candidates=rates,
            steps=series.steps,
        )
    rate = rates[0]
    return XirrResult(
        rate,
        None,
        f"XIRR {_shown(rate)} over {len(net)} dated net flows",
        candidates=rates,
        npv_at_rate=xnpv(rate, net),
        steps=series.steps,
    )


def _rate_of(v: Decimal) -> Decimal:
    """``exp(v) - 1`` with enough digits that ``1 + rate`` keeps full precision.

    Near -100 % the leading digits of the rate are all nines; without extra digits the rate
    would round ``1 + rate`` to a few significant figures and its own NPV would not be zero.
    """
    nines = max(0, int(-v / Decimal("2.302585092994045684")) + 1)
    wide = FUND_MATH_CONTEXT.copy()
    wide.prec += nines
    with localcontext(wide):
        return v.exp() - 1


def _shown(rate: Decimal) -> str:
    percent = rate * 100
    return f"{percent:.4E} %" if abs(percent) >= 10**9 else f"{percent:.4f} %"


def _expand(series: _Series, start: Decimal, *, upward: bool) -> tuple[Decimal, Decimal] | None:
    """Bracket the nearest root above (or below) ``start``, or ``None`` past the bounds.

    Callers only search a direction in which the NPV's limit has the other sign, so a sign
    change must lie that way; doubling steps reach a rate of 1e100 in about ten tries.
    """
    here = series.value(start)
    if here == 0:
        return start, start
    step = Decimal(1)
    near = start
    while True:
        far = min(near + step, V_MAX) if upward else max(near - step, V_MIN)
        value = series.value(far)
        if value == 0 or _sign(value) != _sign(here):
            return (near, far) if upward else (far, near)
        if far in (V_MAX, V_MIN):
            return None
        near, step = far, step * 2


def _isolate(series: _Series) -> list[tuple[Decimal, Decimal]]:
    """Brackets of every sign-changing root in ``[V_MIN, V_MAX]``, by interval exclusion.

    On ``[p, q]`` each of ``P``, ``N``, ``P'``, ``N'`` is monotone, so their values at the
    ends bound them: if the smallest ``P`` exceeds the largest ``N`` (or the reverse) there
    is no root; if the slope bounds fix the sign of ``g'`` there is at most one, found by
    the signs at the ends. Otherwise the interval is halved. Roots where the NPV only
    touches zero without crossing are not rates anyone could earn, and are not reported.
    """
    cache: dict[Decimal, tuple[Decimal, Decimal, Decimal, Decimal]] = {}

    def parts(v: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        if v not in cache:
            cache[v] = series.parts(v)
        return cache[v]

    found: list[tuple[Decimal, Decimal]] = []
    exact: set[Decimal] = set()
    pending = [(V_MIN, V_MAX)]
    pieces = 0
    while pending:
        p, q = pending.pop()
        pieces += 1
        pos_p, neg_p, dpos_p, dneg_p = parts(p)
        pos_q, neg_q, dpos_q, dneg_q = parts(q)
        if pos_q > neg_p or neg_q > pos_p:
            continue
        g_p, g_q = pos_p - neg_p, pos_q - neg_q
        for v, g in ((p, g_p), (q, g_q)):
            if g == 0:
                exact.add(v)
        monotone = dneg_q > dpos_p or dpos_q > dneg_p
        settled = q - p <= _TOLERANCE * 10**6 * max(Decimal(1), abs(p)) or pieces > _MAX_PIECES
        if monotone or settled:
            if g_p != 0 and g_q != 0 and _sign(g_p) != _sign(g_q):
                found.append((p, q))
            continue
        mid = (p + q) / 2
        pending += [(mid, q), (p, mid)]
    return found + [(v, v) for v in exact]


def _polish(series: _Series, lo: Decimal, hi: Decimal) -> Decimal:
    """Newton inside a sign-change bracket, bisecting whenever Newton leaves or stalls."""
    if lo == hi:
        return lo
    g_lo = series.value(lo)
    v = (lo + hi) / 2
    last_step = hi - lo
    for _ in range(_MAX_STEPS):
        g, slope = series.value_and_slope(v)
        if g == 0:
            return v
        if _sign(g) == _sign(g_lo):
            lo = v
        else:
            hi = v
        newton = v - g / slope if slope != 0 else None
        if newton is None or not lo < newton < hi or abs(2 * (v - newton)) > abs(last_step):
            newton = (lo + hi) / 2
        last_step = newton - v
        v = newton
        if abs(last_step) <= _TOLERANCE * max(Decimal(1), abs(v)) or hi - lo <= _TOLERANCE:
            return v
    return v
