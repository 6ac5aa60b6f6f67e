"""What a waterfall run returns: tier totals, per-LP allocations and the plain-language lines.

The explanation is part of the result, not a view of it: a fund controller signs off on a
distribution by reading it, and an LP who asks "why did I get this?" is answered by it. One
line per tier (its total), one per tier and recipient (who got what and why), one per LP
(its portion and what the GP took from it) — every amount the same cents as the numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from core.fund_math.accounts import PriorDistribution
from core.fund_math.terms import Apportionment, FundTerms, as_percent
from core.money import money_text

__all__ = [
    "LpAllocation",
    "Tier",
    "TierTotal",
    "WaterfallResult",
    "active_tiers",
    "explain",
    "format_money",
    "tier_title",
]


class Tier(StrEnum):
    RETURN_OF_CAPITAL = "return_of_capital"
    PREFERRED_RETURN = "preferred_return"
    CATCH_UP = "catch_up"
    CARRIED_INTEREST = "carried_interest"


def active_tiers(terms: FundTerms) -> tuple[Tier, ...]:
    """The tiers these terms use, in order; numbering in explanations follows this."""
    tiers = [Tier.RETURN_OF_CAPITAL]
    if terms.has_preferred_return:
        tiers.append(Tier.PREFERRED_RETURN)
    if terms.has_catch_up:
        tiers.append(Tier.CATCH_UP)
    tiers.append(Tier.CARRIED_INTEREST)
    return tuple(tiers)


def tier_title(tier: Tier, terms: FundTerms) -> str:
    if tier is Tier.RETURN_OF_CAPITAL:
        return "return of capital"
    if tier is Tier.PREFERRED_RETURN:
        return f"preferred return at {terms.pref_phrase()}"
    if tier is Tier.CATCH_UP:
        return f"GP catch-up at {as_percent(terms.catch_up or Decimal(0))}"
    return f"carried interest split {terms.split_phrase()}"


def format_money(amount: Decimal, currency: str) -> str:
    """``$41,306.12``; currencies without a common symbol read ``CHF 1,250.00``."""
    return money_text(amount, currency)


@dataclass(frozen=True, slots=True)
class TierTotal:
    tier: Tier
    number: int
    title: str
    to_lps: Decimal
    to_gp: Decimal

    @property
    def total(self) -> Decimal:
        return self.to_lps + self.to_gp


@dataclass(frozen=True, slots=True)
class LpAllocation:
    """What one LP receives, tier by tier, and what the GP took out of its portion.

    ``amount`` and ``by_tier`` are rounded to the minor unit; ``exact`` is the unrounded
    entitlement they were rounded from (largest remainder keeps them within one unit).
    """

    lp_id: str
    name: str
    amount: Decimal
    by_tier: tuple[tuple[Tier, Decimal], ...]
    carry: Decimal
    exact: Decimal
    pref_from: dt.date | None
    gp_commitment: bool = False
    bears_carry: bool = True

    @property
    def portion(self) -> Decimal:
        """The LP's apportioned share of the distribution, before the GP's carry."""
        return self.amount + self.carry

    def tier(self, tier: Tier) -> Decimal:
        return next((amount for t, amount in self.by_tier if t is tier), Decimal(0))

    def as_prior(self, on: dt.date, deal_id: str | None = None) -> PriorDistribution:
        """This allocation as history for the next waterfall run."""
        return PriorDistribution(on, self.amount, self.carry, deal_id)


@dataclass(frozen=True, slots=True)
class WaterfallResult:
    """One distribution through the waterfall; allocations plus GP sum to ``amount`` exactly."""

    terms_version: int
    terms_description: str
    currency: str
    amount: Decimal
    on: dt.date
    deal_id: str | None
    tiers: tuple[TierTotal, ...]
    allocations: tuple[LpAllocation, ...]
    gp_id: str
    gp_name: str
    gp_by_tier: tuple[tuple[Tier, Decimal], ...]
    explanation: tuple[str, ...]

    @property
    def gp_carry(self) -> Decimal:
        """Catch-up plus carried interest to the GP (its commitment is an LP allocation)."""
        return sum((amount for _, amount in self.gp_by_tier), Decimal(0))

    @property
    def total_allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), self.gp_carry)

    def allocation(self, lp_id: str) -> LpAllocation:
        for allocation in self.allocations:
            if allocation.lp_id == lp_id:
                return allocation
        raise KeyError(lp_id)

    def tier(self, tier: Tier) -> TierTotal:
        for total in self.tiers:
            if total.tier is tier:
                return total
        raise KeyError(tier)


def explain(
    terms: FundTerms,
    amount: Decimal,
    on: dt.date,
    deal_id: str | None,
    tiers: tuple[TierTotal, ...],
    allocations: tuple[LpAllocation, ...],
    gp_by_tier: tuple[tuple[Tier, Decimal], ...],
) -> tuple[str, ...]:
    """The plain-language statement of a distribution, line by line."""

    def money(value: Decimal) -> str:
        return format_money(value, terms.currency)

    source = f" from deal {deal_id}" if deal_id else ""
    lines = [
        f"Distribution of {money(amount)} on {on.isoformat()}{source} under {terms.describe()}"
    ]
    gp_amounts = dict(gp_by_tier)
    for total in tiers:
        head = f"Tier {total.number}, {total.title}"
        lines.append(
            f"{head}: {money(total.total)} in total, {money(total.to_lps)} to LPs and "
            f"{money(total.to_gp)} to {terms.gp_name}"
        )
        for allocation in allocations:
            value = allocation.tier(total.tier)
            if value == 0:
                continue
            since = ""
            if total.tier is Tier.PREFERRED_RETURN and allocation.pref_from is not None:
                since = f" from {allocation.pref_from.isoformat()}"
            exempt = (
                " (carry-free)"
                if total.tier is Tier.CARRIED_INTEREST and not allocation.bears_carry
                else ""
            )
            lines.append(f"{head}{since}: {money(value)} to {allocation.name}{exempt}")
        to_gp = gp_amounts.get(total.tier, Decimal(0))
        if to_gp != 0:
            lines.append(f"{head}: {money(to_gp)} to {terms.gp_name}")
    basis = (
        "contributed capital"
        if terms.apportionment is Apportionment.CONTRIBUTIONS
        else "commitment"
    )
    for allocation in allocations:
        if allocation.portion == 0:
            lines.append(f"{allocation.name}: nothing, having no {basis} in this distribution")
            continue
        lines.append(
            f"{allocation.name}: {money(allocation.amount)} of a {money(allocation.portion)} "
            f"portion apportioned by {basis}; {money(allocation.carry)} of it to "
            f"{terms.gp_name} as catch-up and carried interest"
        )
    return tuple(lines)
