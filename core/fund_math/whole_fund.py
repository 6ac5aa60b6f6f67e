"""The whole-fund test behind a clawback: what a European waterfall would have paid the GP.

An American LPA pays carried interest deal by deal, then tests the result against the
whole fund: had every distribution made so far (the same amounts, on the same dates) gone
through the whole-fund waterfall — all contributed capital and the preferred return repaid
across every deal first — how much carry would the GP hold? The answer is a hypothetical:
nothing is paid on it, so it is kept unrounded here and the clawback rounds it once.

The tiers are those of :func:`core.fund_math.hurdles.pour`, applied LP by LP the way
:class:`~core.fund_math.waterfall.Waterfall` applies them to a European distribution (a
test holds the two together). What differs is the pass: a ``Waterfall`` run replays every
LP's history from the start, so testing a fund with *n* distributions that way costs *n*
full replays; here one pass in date order carries each LP's account from one distribution
to the next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from operator import itemgetter

from core.fund_math.accounts import LpPosition
from core.fund_math.cashflows import (
    DAYS_PER_YEAR,
    FUND_MATH_CONTEXT,
    WaterfallInputError,
    compound_growth,
)
from core.fund_math.terms import Apportionment, FundTerms, PrefCompounding

__all__ = ["WholeFundCarry", "whole_fund_carry"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class WholeFundCarry:
    """The whole-fund waterfall replayed over a fund's distributions, unrounded.

    ``distributions`` are the fund's gross distributions per date (every deal's together);
    ``carry`` is what the GP would have taken out of each LP's portions, by LP id.
    """

    distributions: tuple[tuple[dt.date, Decimal], ...]
    carry: Mapping[str, Decimal]

    @property
    def total(self) -> Decimal:
        with localcontext(FUND_MATH_CONTEXT):
            return sum(self.carry.values(), _ZERO)


def whole_fund_carry(
    terms: FundTerms, positions: Sequence[LpPosition], as_of: dt.date
) -> WholeFundCarry:
    """Replay every distribution recorded in ``positions`` up to ``as_of`` through the
    whole-fund waterfall of ``terms`` (its pref, catch-up and split; its style ignored)."""
    events: dict[dt.date, Decimal] = {}
    for position in positions:
        for record in position.distributions:
            if record.date <= as_of:
                events[record.date] = events.get(record.date, _ZERO) + record.gross
    days = sorted(events)
    count = len(positions)
    paid = [
        sorted(((c.date, c.amount) for c in p.contributions if c.date <= as_of), key=itemgetter(0))
        for p in positions
    ]
    capital = [_ZERO] * count
    pref = [_ZERO] * count
    profit = [_ZERO] * count
    carry = [_ZERO] * count
    contributed = [_ZERO] * count
    since: list[dt.date | None] = [None] * count
    taken = [0] * count
    rate = terms.preferred_return
    compound = terms.compounding is PrefCompounding.COMPOUND
    share = terms.carried_interest
    catch_up = terms.catch_up if terms.has_catch_up else None
    by_commitment = terms.apportionment is Apportionment.COMMITMENTS

    def accrual(start: dt.date, until: dt.date) -> Decimal:
        elapsed = (until - start).days
        return compound_growth(rate, elapsed) if compound else rate * elapsed / DAYS_PER_YEAR

    with localcontext(FUND_MATH_CONTEXT):
        for day in days:
            for i in range(count):
                history = paid[i]
                start = taken[i]
                end = start
                while end < len(history) and history[end][0] <= day:
                    end += 1
                if since[i] is None and end == start:
                    continue
                added = sum((amount for _, amount in history[start:end]), _ZERO)
                contributed[i] += added
                if rate == 0:
                    capital[i] += added
                else:
                    grown = sum((a * accrual(d, day) for d, a in history[start:end]), _ZERO)
                    before = since[i]
                    if before is not None:
                        base = capital[i] + pref[i] if compound else capital[i]
                        grown += base * accrual(before, day)
                    capital[i] += added
                    pref[i] = grown - capital[i] if compound else pref[i] + grown
                since[i] = day
                taken[i] = end
            weights = [p.commitment for p in positions] if by_commitment else contributed
            total_weight = sum(weights, _ZERO)
            amount = events[day]
            if total_weight == 0:
                if amount > 0:
                    raise WaterfallInputError(
                        f"the whole-fund test has nobody to apportion the distribution of "
                        f"{day} to: no partner has a {terms.apportionment.value} basis"
                    )
                continue
            for i, position in enumerate(positions):
                if not weights[i]:
                    continue
                portion = amount * weights[i] / total_weight
                returned = min(portion, capital[i])
                remaining = portion - returned
                pref_paid = min(remaining, pref[i])
                remaining -= pref_paid
                capital[i] -= returned
                pref[i] -= pref_paid
                to_gp = _ZERO
                if position.bears_carry and share != 0 and remaining > 0:
                    if catch_up is not None:
                        owed = (share * (profit[i] + pref_paid) - carry[i]) / (catch_up - share)
                        tier = min(remaining, max(owed, _ZERO))
                        to_gp = tier * catch_up
                        remaining -= tier
                    to_gp += remaining * share
                profit[i] += portion - returned
                carry[i] += to_gp
    return WholeFundCarry(
        tuple((day, events[day]) for day in days),
        {p.lp_id: carry[i] for i, p in enumerate(positions)},
    )
