"""An American (deal-by-deal) waterfall over a fund's realizations, with its clawback.

Each realization — a deal's proceeds distributed on a date — runs through
:class:`~core.fund_math.waterfall.Waterfall` against that deal's history alone, so the GP
takes carry on each deal as it realizes; the result is recorded in every LP's history
(what the LP got and what the GP took from its portion), exactly as a ledger records a paid
distribution. The clawback is then assessed on that recorded history
(:func:`core.fund_math.clawback.assess_clawback`): carry received deal by deal against the
whole-fund test, net of taxes when the clause says so, shared among the LPs.

A fund whose distributions are already in its ledger needs no re-run: call
:meth:`AmericanWaterfall.clawback` on the positions as they stand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from core.fund_math.accounts import LpPosition
from core.fund_math.cashflows import CashFlowError, WaterfallInputError, require_decimal
from core.fund_math.clawback import ClawbackResult, ClawbackTerms, assess_clawback
from core.fund_math.statement import WaterfallResult
from core.fund_math.terms import FundTerms, WaterfallStyle
from core.fund_math.waterfall import Waterfall

__all__ = ["AmericanRun", "AmericanWaterfall", "Realization"]


@dataclass(frozen=True, slots=True)
class Realization:
    """``amount`` of proceeds from deal ``deal_id`` distributed on ``on``."""

    deal_id: str
    on: dt.date
    amount: Decimal

    def __post_init__(self) -> None:
        if not self.deal_id or not isinstance(self.deal_id, str):
            raise WaterfallInputError("a realization names the deal it comes from: deal_id")
        if isinstance(self.on, dt.datetime) or not isinstance(self.on, dt.date):
            raise WaterfallInputError(f"a realization's date must be a date, got {self.on!r}")
        try:
            require_decimal(self.amount, f"realization of deal {self.deal_id}")
        except CashFlowError as exc:
            raise WaterfallInputError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class AmericanRun:
    """Every realization's waterfall result, in date order; the positions with those
    distributions recorded; and the clawback as of the test date."""

    distributions: tuple[WaterfallResult, ...]
    positions: tuple[LpPosition, ...]
    clawback: ClawbackResult

    @property
    def gp_carry(self) -> Decimal:
        """Carry paid deal by deal in these distributions (before any clawback)."""
        return sum((r.gp_carry for r in self.distributions), Decimal(0))


@dataclass(frozen=True, slots=True)
class AmericanWaterfall:
    """The deal-by-deal waterfall of one version of the terms, and its clawback clause."""

    terms: FundTerms
    clause: ClawbackTerms = field(default_factory=ClawbackTerms)

    def __post_init__(self) -> None:
        if self.terms.style is not WaterfallStyle.AMERICAN:
            raise WaterfallInputError(
                f"an American waterfall needs American terms; these are {self.terms.style.value}"
            )

    def distribute(
        self, positions: Sequence[LpPosition], realization: Realization
    ) -> tuple[WaterfallResult, tuple[LpPosition, ...]]:
        """One realization through the deal's waterfall, and the positions with it recorded."""
        result = Waterfall(self.terms).run(
            positions,
            amount=realization.amount,
            on=realization.on,
            deal_id=realization.deal_id,
        )
        recorded = tuple(
            replace(
                p,
                distributions=(
                    *p.distributions,
                    result.allocation(p.lp_id).as_prior(realization.on, realization.deal_id),
                ),
            )
            for p in positions
        )
        return result, recorded

    def run(
        self,
        positions: Sequence[LpPosition],
        realizations: Sequence[Realization],
        *,
        as_of: dt.date | None = None,
    ) -> AmericanRun:
        """Distribute ``realizations`` in date order (ties in the order given), then test
        the clawback as of ``as_of`` — by default the last realization's date."""
        if not realizations and as_of is None:
            raise WaterfallInputError("nothing to run: pass realizations or a test date")
        ordered = sorted(realizations, key=lambda r: r.on)
        results = []
        current = tuple(positions)
        for realization in ordered:
            result, current = self.distribute(current, realization)
            results.append(result)
        test_date = as_of if as_of is not None else ordered[-1].on
        if ordered and ordered[-1].on > test_date:
            raise WaterfallInputError(
                f"the clawback test date {test_date} comes before the realization of "
                f"{ordered[-1].on}; test on or after the last distribution"
            )
        return AmericanRun(tuple(results), current, self.clawback(current, as_of=test_date))

    def clawback(self, positions: Sequence[LpPosition], *, as_of: dt.date) -> ClawbackResult:
        """The clawback implied by ``positions``' recorded history up to ``as_of``."""
        return assess_clawback(self.terms, positions, as_of=as_of, clause=self.clause)
