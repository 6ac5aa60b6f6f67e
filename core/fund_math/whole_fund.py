"""The whole-fund test behind a clawback: the carry each LP would have borne whole-fund.

An American LPA pays carried interest deal by deal, then tests it LP by LP against the
whole fund ("the Excess Amount with respect to such Limited Partner"): had the LP's own
distributions — its portions of every deal's proceeds, on their dates — gone through the
whole-fund tiers against all its contributions across every deal (capital first, then the
preferred return, then catch-up and split), how much of them would the GP have taken?
Nothing is paid on that figure, so it is kept unrounded here and the clawback rounds it.

Testing each LP on its own portions rather than re-apportioning the fund's proceeds keeps
an LP excused from a deal out of that deal's gains and losses, as the LPA does. The tiers
are those of :func:`core.fund_math.hurdles.pour`; a test holds the two together. The pass
differs: one walk in date order per LP, where re-running the waterfall per distribution
would replay every LP's history from the start each time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from operator import attrgetter, itemgetter

from core.fund_math.accounts import LpPosition, PriorDistribution
from core.fund_math.cashflows import DAYS_PER_YEAR, FUND_MATH_CONTEXT, compound_growth
from core.fund_math.terms import FundTerms, PrefCompounding

__all__ = ["WholeFundCarry", "whole_fund_carry"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class WholeFundCarry:
    """What the whole-fund tiers would have taken from each LP's distributions, by LP id,
    unrounded."""

    carry: Mapping[str, Decimal]


def whole_fund_carry(
    terms: FundTerms, positions: Sequence[LpPosition], as_of: dt.date
) -> WholeFundCarry:
    """Replay each LP's distributions up to ``as_of`` through the whole-fund tiers of
    ``terms`` (its pref, catch-up and split; its style and apportionment play no part)."""
    tiers = _Tiers(terms)
    by_date = attrgetter("date")
    with localcontext(FUND_MATH_CONTEXT):
        carry = {
            p.lp_id: tiers.replay(p, sorted(p.distributions, key=by_date), as_of) for p in positions
        }
    return WholeFundCarry(carry)


class _Tiers:
    """The whole-fund tiers of one set of terms, with the accrual factors every LP shares
    (a fund's LPs share their call and distribution dates)."""

    def __init__(self, terms: FundTerms) -> None:
        self.rate = terms.preferred_return
        self.compound = terms.compounding is PrefCompounding.COMPOUND
        self.share = terms.carried_interest
        self.catch_up = terms.catch_up if terms.has_catch_up else None
        self.factors: dict[int, Decimal] = {}

    def factor(self, days: int) -> Decimal:
        """Growth over ``days`` (compound) or pref per unit of capital (simple)."""
        found = self.factors.get(days)
        if found is None:
            rate = self.rate
            found = compound_growth(rate, days) if self.compound else rate * days / DAYS_PER_YEAR
            self.factors[days] = found
        return found

    def replay(
        self, position: LpPosition, records: list[PriorDistribution], as_of: dt.date
    ) -> Decimal:
        """The carry the tiers take from ``records`` (the LP's portions, in date order) up
        to ``as_of``, against all of ``position``'s contributions; unrounded."""
        share, catch_up, compound = self.share, self.catch_up, self.compound
        if not records or not position.bears_carry or share == 0:
            return _ZERO
        accrues = self.rate != 0
        factors, factor = self.factors, self.factor
        paid = sorted(((c.date, c.amount) for c in position.contributions), key=itemgetter(0))
        count = len(paid)
        capital = pref = profit = carry = _ZERO
        since: dt.date | None = None
        taken = 0
        for record in records:
            day = record.date
            if day > as_of:
                break
            if accrues and since is not None and since != day:
                days = (day - since).days
                grow = factors.get(days) or factor(days)
                if compound:
                    pref = (capital + pref) * grow - capital
                else:
                    pref += capital * grow
            while taken < count and paid[taken][0] <= day:
                paid_on, amount = paid[taken]
                taken += 1
                capital += amount
                if accrues and paid_on != day:
                    days = (day - paid_on).days
                    grow = factors.get(days) or factor(days)
                    pref += amount * (grow - 1) if compound else amount * grow
            since = day
            portion = record.to_lp + record.carry
            returned = capital if portion > capital else portion
            remaining = portion - returned
            pref_paid = pref if remaining > pref else remaining
            remaining -= pref_paid
            capital -= returned
            pref -= pref_paid
            if remaining > 0:
                short = share * (profit + pref_paid) - carry
                if catch_up is not None and short > 0:
                    owed = short / (catch_up - share)
                    tier = remaining if owed > remaining else owed
                    carry += tier * catch_up
                    remaining -= tier
                carry += remaining * share
            profit += portion - returned
        return carry
