"""LP positions and the hurdle account each one keeps under a waterfall.

An LPA typically says: a distribution is first apportioned among the partners, and each
limited partner's portion is then split between that LP and the GP through the tiers. So
every LP (the GP's own commitment included: it is an LP position like any other) has a
*hurdle account* per scope — the whole fund for a European waterfall, one deal for an
American one — holding:

* ``capital``: contributed capital not yet returned;
* ``pref``: preferred return accrued and not yet paid;
* ``profit``: everything distributed beyond capital so far (pref, catch-up, split — both sides);
* ``carry``: what the GP has taken out of this LP's portions so far (catch-up and carry).

The account is rebuilt by replaying the LP's dated contributions and prior distributions in
date order (a contribution before a distribution on the same day). A prior distribution is
replayed as recorded — capital first, then pref, then profit, with the GP's recorded share —
so an amendment of the terms does not rewrite what was already paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, localcontext

from core.fund_math.cashflows import (
    DAYS_PER_YEAR,
    FUND_MATH_CONTEXT,
    CashFlowError,
    WaterfallInputError,
    compound_growth,
    require_decimal,
)
from core.fund_math.terms import Apportionment, FundTerms, PrefCompounding, WaterfallStyle

__all__ = [
    "Contribution",
    "HurdleAccount",
    "LpPosition",
    "PriorDistribution",
    "TierSplit",
    "apportionment_weight",
    "hurdle_account",
    "pour",
]

_ZERO = Decimal(0)


def _amount(value: object, field: str) -> Decimal:
    try:
        amount = require_decimal(value, field)
    except CashFlowError as exc:
        raise WaterfallInputError(str(exc)) from None
    if amount < 0:
        raise WaterfallInputError(f"{field} cannot be negative, got {amount}")
    return amount


def _day(value: object, field: str) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise WaterfallInputError(f"{field} must be a date, got {value!r}")


@dataclass(frozen=True, slots=True)
class Contribution:
    """Capital an LP paid in on ``date``; ``deal_id`` names the deal it funded, if any."""

    date: dt.date
    amount: Decimal
    deal_id: str | None = None

    def __post_init__(self) -> None:
        _day(self.date, "contribution date")
        _amount(self.amount, "contribution amount")


@dataclass(frozen=True, slots=True)
class PriorDistribution:
    """A past distribution out of one LP's portion: what the LP got and what the GP took."""

    date: dt.date
    to_lp: Decimal
    carry: Decimal = _ZERO
    deal_id: str | None = None

    def __post_init__(self) -> None:
        _day(self.date, "distribution date")
        _amount(self.to_lp, "distribution to_lp")
        _amount(self.carry, "distribution carry")

    @property
    def gross(self) -> Decimal:
        return self.to_lp + self.carry


@dataclass(frozen=True, slots=True)
class LpPosition:
    """One partner's stake: commitment, contributions and prior distributions.

    ``gp_commitment`` marks the GP's own commitment, which takes its pro-rata share of every
    LP tier; ``bears_carry=False`` exempts a position from catch-up and carried interest (many
    LPAs exempt the GP commitment; the default treats it exactly like any LP).
    """

    lp_id: str
    name: str
    commitment: Decimal
    contributions: tuple[Contribution, ...] = ()
    distributions: tuple[PriorDistribution, ...] = ()
    gp_commitment: bool = False
    bears_carry: bool = True

    def __post_init__(self) -> None:
        if not self.lp_id or not self.name:
            raise WaterfallInputError("an LP position needs an lp_id and a name")
        _amount(self.commitment, f"commitment of {self.lp_id}")
        object.__setattr__(self, "contributions", tuple(self.contributions))
        object.__setattr__(self, "distributions", tuple(self.distributions))

    @property
    def display_name(self) -> str:
        return f"{self.name} (GP commitment)" if self.gp_commitment else f"LP {self.name}"


@dataclass(frozen=True, slots=True)
class HurdleAccount:
    """An LP's hurdle account on the distribution date, after replaying its history."""

    capital: Decimal
    pref: Decimal
    profit: Decimal
    carry: Decimal
    pref_from: dt.date | None


@dataclass(frozen=True, slots=True)
class TierSplit:
    """One LP portion through the tiers, unrounded: what each side gets at each tier."""

    return_of_capital: Decimal
    preferred_return: Decimal
    catch_up_lp: Decimal
    catch_up_gp: Decimal
    split_lp: Decimal
    split_gp: Decimal

    @property
    def to_lp(self) -> Decimal:
        return self.return_of_capital + self.preferred_return + self.catch_up_lp + self.split_lp

    @property
    def to_gp(self) -> Decimal:
        return self.catch_up_gp + self.split_gp


def _in_scope(deal_id: str | None, terms: FundTerms, scope: str | None) -> bool:
    return terms.style is WaterfallStyle.EUROPEAN or deal_id == scope


def apportionment_weight(position: LpPosition, terms: FundTerms, scope: str | None) -> Decimal:
    """The position's weight when a distribution (from deal ``scope``) is apportioned."""
    if terms.apportionment is Apportionment.COMMITMENTS:
        return position.commitment
    return sum(
        (c.amount for c in position.contributions if _in_scope(c.deal_id, terms, scope)), _ZERO
    )


def _events(
    position: LpPosition, terms: FundTerms, scope: str | None
) -> Iterator[tuple[dt.date, int, Decimal, Decimal]]:
    for c in position.contributions:
        if _in_scope(c.deal_id, terms, scope):
            yield c.date, 0, c.amount, _ZERO
    for d in position.distributions:
        if _in_scope(d.deal_id, terms, scope):
            yield d.date, 1, d.gross, d.carry


def _accrue(capital: Decimal, pref: Decimal, days: int, terms: FundTerms) -> Decimal:
    if days <= 0 or capital + pref == 0 or not terms.has_preferred_return:
        return pref
    if terms.compounding is PrefCompounding.SIMPLE:
        return pref + capital * terms.preferred_return * days / DAYS_PER_YEAR
    return (capital + pref) * compound_growth(terms.preferred_return, days) - capital


def hurdle_account(
    position: LpPosition, terms: FundTerms, scope: str | None, on: dt.date
) -> HurdleAccount:
    """Replay ``position``'s history in ``scope`` up to ``on`` into its hurdle account."""
    capital = pref = profit = carry = _ZERO
    as_of: dt.date | None = None
    pref_from: dt.date | None = None
    with localcontext(FUND_MATH_CONTEXT):
        for day, kind, gross, carried in sorted(_events(position, terms, scope)):
            if day > on:
                what = "contribution" if kind == 0 else "distribution"
                raise WaterfallInputError(
                    f"{position.lp_id}: a {what} dated {day} is after the distribution "
                    f"date {on}; run the waterfall on the history as of its date"
                )
            if as_of is not None:
                pref = _accrue(capital, pref, (day - as_of).days, terms)
            as_of = day
            if kind == 0:
                capital += gross
                pref_from = day if pref_from is None else pref_from
                continue
            returned = min(gross, capital)
            capital -= returned
            beyond = gross - returned
            pref -= min(beyond, pref)
            if carried > beyond:
                raise WaterfallInputError(
                    f"{position.lp_id}: the distribution of {day} records {carried} of carry "
                    f"but only {beyond} of it was profit"
                )
            profit += beyond
            carry += carried
        if as_of is not None:
            pref = _accrue(capital, pref, (on - as_of).days, terms)
    return HurdleAccount(capital, pref, profit, carry, pref_from)


def pour(account: HurdleAccount, gross: Decimal, terms: FundTerms, bears_carry: bool) -> TierSplit:
    """Run one LP portion of ``gross`` through the tiers, unrounded.

    Catch-up: the GP takes ``catch_up`` of each dollar until its carry equals
    ``carried_interest`` of all profit distributed, i.e. the tier size ``y`` solves
    ``carry + c*y = s*(profit + y)``, so ``y = (s*profit - carry) / (c - s)``.
    """
    with localcontext(FUND_MATH_CONTEXT):
        remaining = gross
        returned = min(remaining, account.capital)
        remaining -= returned
        pref_paid = min(remaining, account.pref)
        remaining -= pref_paid
        if not bears_carry or terms.carried_interest == 0:
            return TierSplit(returned, pref_paid, _ZERO, _ZERO, remaining, _ZERO)
        share = terms.carried_interest
        catch_up_lp = catch_up_gp = _ZERO
        if terms.catch_up is not None and remaining > 0:
            profit = account.profit + pref_paid
            owed = (share * profit - account.carry) / (terms.catch_up - share)
            tier = min(remaining, max(owed, _ZERO))
            catch_up_gp = tier * terms.catch_up
            catch_up_lp = tier - catch_up_gp
            remaining -= tier
        split_gp = remaining * share
        return TierSplit(
            returned, pref_paid, catch_up_lp, catch_up_gp, remaining - split_gp, split_gp
        )
