"""Dated cash flows, the decimal context fund math runs in, and the errors it raises.

Everything in :mod:`core.fund_math` is pure: values in, values out, no storage and no clock.
Amounts are ``Decimal`` from end to end; this module is where that rule is enforced for
dated flows, and where the one arithmetic context lives so that every replica — desktop
and server — computes the same digits.

The error tree of the package::

    DealOSError                     (core.errors)
    └── FundMathError               fund math refused its inputs; the message names the rule
        ├── CashFlowError           a cash flow that is not a dated Decimal amount
        ├── TermsError              fund terms (LPA) that are inconsistent or out of range
        ├── MetricError             a metric whose inputs cannot describe a real fund
        └── WaterfallInputError     positions, amounts or dates a waterfall cannot run on

A question with no numeric answer (an XIRR with no root, a multiple with nothing paid in)
is *not* an error: it comes back as data (``rate=None`` with a reason, or ``None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache
from typing import Final

from core.errors import DealOSError

__all__ = [
    "DAYS_PER_YEAR",
    "FUND_MATH_CONTEXT",
    "CashFlow",
    "CashFlowError",
    "FundMathError",
    "MetricError",
    "TermsError",
    "WaterfallInputError",
    "compound_growth",
    "net_by_date",
    "require_decimal",
    "xnpv",
    "year_fraction",
]

# 34 significant digits (IEEE decimal128): amounts up to 1e15 keep 19 digits below the
# cent, so chained pref accruals and XIRR iterations never touch the cents they produce.
FUND_MATH_CONTEXT: Final = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999)

# Excel's XIRR/XNPV and the LPAs we model count actual days over a 365-day year.
DAYS_PER_YEAR: Final = 365
_YEAR: Final = Decimal(DAYS_PER_YEAR)


class FundMathError(DealOSError, ValueError):
    """Fund math refused its inputs; the message names the field and the rule broken."""


class CashFlowError(FundMathError):
    """A cash flow that is not a plain date with a finite ``Decimal`` amount."""


class TermsError(FundMathError):
    """Fund terms that contradict themselves or lie outside what an LPA can say."""


class MetricError(FundMathError):
    """Inputs to a fund metric that no real fund could produce (e.g. negative paid-in)."""


class WaterfallInputError(FundMathError):
    """Positions, amounts or dates a waterfall cannot be run on."""


def require_decimal(value: object, field: str) -> Decimal:
    """Return ``value`` if it is a finite ``Decimal``; refuse floats and everything else.

    A float that slipped into fund math would silently change cents, so it is refused by
    name rather than converted.
    """
    if isinstance(value, float):
        raise CashFlowError(f"{field} is a float; fund math takes Decimal amounts only")
    if not isinstance(value, Decimal):
        raise CashFlowError(f"{field} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise CashFlowError(f"{field} must be a finite number, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class CashFlow:
    """One dated movement of money: negative when paid into a fund, positive when paid out.

    Only the date counts, never a time of day: XIRR's 365-day convention works in whole days
    and a ``datetime`` would carry an hour that the day count silently ignores.
    """

    date: dt.date
    amount: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.date, dt.datetime) or not isinstance(self.date, dt.date):
            raise CashFlowError(f"a cash flow's date must be a date, got {self.date!r}")
        require_decimal(self.amount, "cash flow amount")


def year_fraction(start: dt.date, end: dt.date) -> Decimal:
    """Actual days from ``start`` to ``end`` over 365 (negative if ``end`` is earlier)."""
    return FUND_MATH_CONTEXT.divide(Decimal((end - start).days), _YEAR)


@lru_cache(maxsize=8192)
def compound_growth(rate: Decimal, days: int) -> Decimal:
    """``(1 + rate) ** (days / 365)``: what one unit grows to at an annually compounded rate.

    A whole number of 365-day years is raised to an integer power, which is exact to the
    context; other periods use the correctly rounded fractional power. Cached because a fund's
    capital calls share a handful of dates and every LP's pref accrual reuses them.
    """
    ctx = FUND_MATH_CONTEXT
    base = ctx.add(Decimal(1), rate)
    if base <= 0:
        raise FundMathError(f"a growth rate of {rate} would take capital to nothing or below")
    whole, rest = divmod(days, DAYS_PER_YEAR)
    if rest == 0:
        return ctx.power(base, Decimal(whole))
    return ctx.power(base, ctx.divide(Decimal(days), _YEAR))


def net_by_date(flows: Iterable[CashFlow]) -> list[CashFlow]:
    """Flows netted per date, in date order, dropping dates whose flows cancel out.

    Two flows on one date are one flow for every rate, so netting them changes no NPV; it
    lets the XIRR solver count sign changes honestly.
    """
    totals: dict[dt.date, Decimal] = {}
    for flow in flows:
        totals[flow.date] = FUND_MATH_CONTEXT.add(totals.get(flow.date, Decimal(0)), flow.amount)
    return [CashFlow(day, amount) for day, amount in sorted(totals.items()) if amount != 0]


def xnpv(rate: Decimal, flows: Sequence[CashFlow]) -> Decimal:
    """Net present value at ``rate`` of ``flows``, discounted to the earliest flow's date.

    Excel's XNPV convention: ``sum(a_i / (1 + rate) ** ((d_i - d_0) / 365))``. Used as the
    evidence behind every XIRR answer, so it is computed at full context precision.
    """
    require_decimal(rate, "rate")
    if rate <= -1:
        raise FundMathError(f"a discount rate must be above -100 %, got {rate}")
    if not flows:
        return Decimal(0)
    ctx = FUND_MATH_CONTEXT
    start = min(flow.date for flow in flows)
    log_growth = ctx.ln(ctx.add(Decimal(1), rate))
    total = Decimal(0)
    for flow in flows:
        exponent = ctx.multiply(ctx.minus(year_fraction(start, flow.date)), log_growth)
        total = ctx.add(total, ctx.multiply(flow.amount, ctx.exp(exponent)))
    return total
