"""Fund metrics an LP report shows: paid-in, distributed, unfunded, NAV and the multiples.

Definitions (ILPA reporting usage, DESIGN.md §9):

* **paid-in** — capital contributed; **distributed** — cash returned;
* **unfunded** — commitment minus capital called by issued calls, plus distributions the
  LPA lets the GP recall (not paid-in: a called, unpaid amount is no longer unfunded);
* **NAV** of a capital account — paid-in minus distributed plus net income allocated to it;
* **TVPI** = (distributed + NAV) / paid-in; **DPI** = distributed / paid-in;
  **RVPI** = NAV / paid-in; **MOIC** = (realized + unrealized value) / invested cost.

Rounding: every multiple is computed from exact ``Decimal`` sums and rounded once, to
:data:`MULTIPLE_PLACES` (4) decimal places, half to even — the way multiples are printed
(``1.2345x``). Because each is rounded separately, TVPI can differ from DPI + RVPI by one
unit in the last place; recompute from the sums, never from rounded multiples. A multiple
over nothing paid in has no value and is returned as ``None``, not zero and not an error.

:func:`account_metrics` is the performance block every report states for a fund or an LP's
account — the performance report and the capital account statement alike — so the same
account as of the same date reads the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Final

from core.allocation import allocate_pro_rata
from core.fund_math.cashflows import (
    FUND_MATH_CONTEXT,
    CashFlow,
    CashFlowError,
    MetricError,
    require_decimal,
)
from core.fund_math.xirr import XirrResult, xirr

__all__ = [
    "MULTIPLE_PLACES",
    "FundMetrics",
    "Metrics",
    "account_metrics",
    "distributed",
    "dpi",
    "lp_cash_flows",
    "moic",
    "nav",
    "nav_by_capital_account",
    "paid_in",
    "rvpi",
    "tvpi",
    "unfunded",
]

MULTIPLE_PLACES: Final = 4
_QUANTUM: Final = Decimal(1).scaleb(-MULTIPLE_PLACES)


def _value(raw: object, field: str, *, signed: bool = False) -> Decimal:
    try:
        value = require_decimal(raw, field)
    except CashFlowError as exc:
        raise MetricError(str(exc)) from None
    if not signed and value < 0:
        raise MetricError(f"{field} cannot be negative, got {value}")
    return value


def _total(amounts: Iterable[Decimal], field: str) -> Decimal:
    with localcontext(FUND_MATH_CONTEXT):
        return sum((_value(a, field) for a in amounts), Decimal(0))


def paid_in(contributions: Iterable[Decimal]) -> Decimal:
    """Capital contributed: the sum of contributions, each recorded as a positive amount."""
    return _total(contributions, "contribution")


def distributed(distributions: Iterable[Decimal]) -> Decimal:
    """Cash returned to partners: the sum of distributions, each a positive amount."""
    return _total(distributions, "distribution")


def unfunded(
    commitment: Decimal, calls: Iterable[Decimal], recallable: Decimal = Decimal(0)
) -> Decimal:
    """Commitment not yet called: ``commitment - called + recallable`` (DESIGN §9), where
    ``calls`` are the LP's shares of issued calls (drafts never count).

    Calls beyond the commitment (and its recallable distributions) mean the ledger is wrong
    somewhere, so that is refused rather than reported as a negative unfunded. The ledger's
    own figure is :attr:`core.positions.Position.unfunded`; this is the same rule for
    inputs that are not a ledger.
    """
    committed = _value(commitment, "commitment")
    called = _total(calls, "call")
    left = committed - called + _value(recallable, "recallable")
    if left < 0:
        raise MetricError(
            f"calls of {called} exceed the commitment of {committed} plus recallable distributions"
        )
    return left


def nav(
    contributions: Iterable[Decimal], distributions: Iterable[Decimal], net_income: Decimal
) -> Decimal:
    """A capital account's NAV: paid-in, less distributed, plus net income allocated to it.

    ``net_income`` is the cumulative gain or loss (realized and unrealized, after fees)
    allocated to the account, so it may be negative, and so may the result.
    """
    return (
        paid_in(contributions)
        - distributed(distributions)
        + _value(net_income, "net_income", signed=True)
    )


def nav_by_capital_account(
    fund_nav: Decimal, capital_accounts: Mapping[str, Decimal], currency: str
) -> dict[str, Decimal]:
    """Split a fund's NAV across capital accounts in proportion to their balances.

    Largest remainder, so the parts sum to the fund NAV to the minor unit.
    """
    total = _value(fund_nav, "fund NAV")
    for lp_id, balance in capital_accounts.items():
        _value(balance, f"capital account {lp_id}")
    return allocate_pro_rata(total, capital_accounts, currency)


def _multiple(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    with localcontext(FUND_MATH_CONTEXT):
        return (numerator / denominator).quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


def tvpi(distributed: Decimal, nav: Decimal, paid_in: Decimal) -> Decimal | None:
    """Total value to paid-in; ``None`` when nothing has been paid in."""
    return _multiple(
        _value(distributed, "distributed") + _value(nav, "NAV"), _value(paid_in, "paid-in")
    )


def dpi(distributed: Decimal, paid_in: Decimal) -> Decimal | None:
    """Distributions to paid-in (realized multiple); ``None`` when nothing was paid in."""
    return _multiple(_value(distributed, "distributed"), _value(paid_in, "paid-in"))


def rvpi(nav: Decimal, paid_in: Decimal) -> Decimal | None:
    """Residual value (NAV) to paid-in; ``None`` when nothing has been paid in."""
    return _multiple(_value(nav, "NAV"), _value(paid_in, "paid-in"))


def moic(realized: Decimal, unrealized: Decimal, invested: Decimal) -> Decimal | None:
    """Multiple on invested capital of a deal or portfolio; ``None`` when nothing invested."""
    value = _value(realized, "realized") + _value(unrealized, "unrealized")
    return _multiple(value, _value(invested, "invested"))


def lp_cash_flows(
    contributions: Sequence[CashFlow],
    distributions: Sequence[CashFlow],
    nav: Decimal,
    nav_date: dt.date,
) -> list[CashFlow]:
    """The LP's XIRR series: contributions out, distributions in, NAV as a final inflow.

    Contributions and distributions are given as positive amounts; the sign convention of
    XIRR (money in negative) is applied here, once.
    """
    flows = [CashFlow(c.date, -_value(c.amount, "contribution")) for c in contributions]
    flows += [CashFlow(d.date, _value(d.amount, "distribution")) for d in distributions]
    residual = _value(nav, "NAV")
    if residual:
        flows.append(CashFlow(nav_date, residual))
    return flows


@dataclass(frozen=True, slots=True)
class FundMetrics:
    """The standard performance block of an LP or fund report, as of ``as_of``."""

    as_of: dt.date
    commitment: Decimal
    paid_in: Decimal
    distributed: Decimal
    nav: Decimal
    unfunded: Decimal
    tvpi: Decimal | None
    dpi: Decimal | None
    rvpi: Decimal | None
    irr: XirrResult

    @classmethod
    def of(
        cls,
        *,
        commitment: Decimal,
        contributions: Sequence[CashFlow],
        distributions: Sequence[CashFlow],
        nav: Decimal,
        as_of: dt.date,
        called: Decimal,
    ) -> FundMetrics:
        """Every metric from one set of dated inputs, so they can never disagree.
        ``called`` is capital called by issued calls, which unfunded is measured against."""
        contributed = paid_in(c.amount for c in contributions)
        returned = distributed(d.amount for d in distributions)
        return cls(
            as_of=as_of,
            commitment=_value(commitment, "commitment"),
            paid_in=contributed,
            distributed=returned,
            nav=_value(nav, "NAV"),
            unfunded=unfunded(commitment, [called]),
            tvpi=tvpi(returned, nav, contributed),
            dpi=dpi(returned, contributed),
            rvpi=rvpi(nav, contributed),
            irr=xirr(lp_cash_flows(contributions, distributions, nav, as_of)),
        )


@dataclass(frozen=True, slots=True)
class Metrics:
    """The performance block of a fund or of one LP's account in it, as of a date.

    ``nav`` is ``None`` when no NAV is recorded by the date; TVPI and RVPI are then
    ``None`` too, and the IRR is that of the cash alone
    (:func:`core.fund_math.irr_basis.irr_label` says so wherever it is shown).
    """

    committed: Decimal
    paid_in: Decimal
    distributed: Decimal
    unfunded: Decimal
    nav: Decimal | None
    tvpi: Decimal | None
    dpi: Decimal | None
    rvpi: Decimal | None
    irr: XirrResult
    flows: tuple[CashFlow, ...]  # the XIRR series, signed, as solved


def account_metrics(
    as_of: dt.date,
    committed: Decimal,
    called: Decimal,
    contributions: Sequence[CashFlow],
    distributions: Sequence[CashFlow],
    nav: Decimal | None,
) -> Metrics:
    """Paid-in, distributed, unfunded, the multiples and XIRR of one account as of ``as_of``.

    ``contributions`` and ``distributions`` are the dated cash (positive amounts) up to the
    date; ``nav`` the account's NAV, counted as a final inflow on ``as_of``.
    """
    contributed = paid_in(f.amount for f in contributions)
    returned = distributed(f.amount for f in distributions)
    flows = lp_cash_flows(contributions, distributions, nav or Decimal(0), as_of)
    return Metrics(
        committed=committed,
        paid_in=contributed,
        distributed=returned,
        unfunded=unfunded(committed, [called]),
        nav=nav,
        tvpi=None if nav is None else tvpi(returned, nav, contributed),
        dpi=dpi(returned, contributed),
        rvpi=None if nav is None else rvpi(nav, contributed),
        irr=xirr(flows),
        flows=tuple(flows),
    )
