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

:mod:`core.fund_math.hurdles` rebuilds the account from the LP's dated history and runs
the LP's portion of a distribution through the tiers against it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from core.fund_math.cashflows import (
    CashFlowError,
    WaterfallInputError,
    require_decimal,
)
from core.fund_math.terms import Apportionment, FundTerms

__all__ = [
    "Contribution",
    "HurdleAccount",
    "LpPosition",
    "PriorDistribution",
    "apportionment_weight",
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
    """An LP's hurdle account on the distribution date, after replaying its history.

    ``contributed`` is all capital the LP put into the scope, returned or not: the basis on
    which distributions are apportioned.
    """

    capital: Decimal
    pref: Decimal
    profit: Decimal
    carry: Decimal
    pref_from: dt.date | None
    contributed: Decimal


def apportionment_weight(position: LpPosition, account: HurdleAccount, terms: FundTerms) -> Decimal:
    """The position's weight when a distribution is apportioned among the partners."""
    if terms.apportionment is Apportionment.COMMITMENTS:
        return position.commitment
    return account.contributed
