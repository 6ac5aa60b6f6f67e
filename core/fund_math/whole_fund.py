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
    """The whole-fund tiers replayed over each LP's distributions, unrounded.

    ``distributions`` are the fund's gross distributions per date (every deal's and every
    LP's portion together); ``carry`` is what the GP would have taken from each LP, by id.
    """

    distributions: tuple[tuple[dt.date, Decimal], ...]
    carry: Mapping[str, Decimal]


def whole_fund_carry(
    terms: FundTerms, positions: Sequence[LpPosition], as_of: dt.date
) -> WholeFundCarry:
    """Replay each LP's distributions up to ``as_of`` through the whole-fund tiers of
    ``terms`` (its pref, catch-up and split; its style and apportionment play no part)."""
    events: dict[dt.date, Decimal] = {}
    carry: dict[str, Decimal] = {}
    with localcontext(FUND_MATH_CONTEXT):
        for position in positions:
            records = sorted(
                (d for d in position.distributions if d.date <= as_of), key=attrgetter("date")
            )
            for record in records:
                events[record.date] = events.get(record.date, _ZERO) + record.gross
            carry[position.lp_id] = _replay(terms, position, records)
    return WholeFundCarry(tuple(sorted(events.items())), carry)


def _replay(terms: FundTerms, position: LpPosition, records: list[PriorDistribution]) -> Decimal:
    if not records or not position.bears_carry or terms.carried_interest == 0:
        return _ZERO
    rate = terms.preferred_return
    compound = terms.compounding is PrefCompounding.COMPOUND
    share = terms.carried_interest
    catch_up = terms.catch_up if terms.has_catch_up else None

    def accrual(start: dt.date, until: dt.date) -> Decimal:
        elapsed = (until - start).days
        return compound_growth(rate, elapsed) if compound else rate * elapsed / DAYS_PER_YEAR

    paid = sorted(((c.date, c.amount) for c in position.contributions), key=itemgetter(0))
    capital = pref = profit = carry = _ZERO
    since: dt.date | None = None
    taken = 0
    for record in records:
        day, portion = record.date, record.gross
        end = taken
        while end < len(paid) and paid[end][0] <= day:
            end += 1
        if since is not None or end > taken:
            added = sum((amount for _, amount in paid[taken:end]), _ZERO)
            if rate == 0:
                capital += added
            else:
                grown = sum((a * accrual(d, day) for d, a in paid[taken:end]), _ZERO)
                if since is not None:
                    grown += (capital + pref if compound else capital) * accrual(since, day)
                capital += added
                pref = grown - capital if compound else pref + grown
            since = day
            taken = end
        returned = min(portion, capital)
        remaining = portion - returned
        pref_paid = min(remaining, pref)
        remaining -= pref_paid
        capital -= returned
        pref -= pref_paid
        if remaining > 0:
            to_gp = _ZERO
            if catch_up is not None:
                owed = (share * (profit + pref_paid) - carry) / (catch_up - share)
                tier = min(remaining, max(owed, _ZERO))
                to_gp = tier * catch_up
                remaining -= tier
            carry += to_gp + remaining * share
        profit += portion - returned
    return carry
