"""The clawback of an American (deal-by-deal) waterfall: what the GP owes back, and to whom.

The rule, as an LPA states it and as it is computed here, on the history recorded up to
the test date (distributions after it change nothing — DESIGN §5's point in time):

1. **Carry received.** The catch-up and carried interest the GP took deal by deal: the
   ``carry`` of every recorded distribution, per LP portion and per deal.
2. **Whole-fund test, LP by LP** (:mod:`core.fund_math.whole_fund`). Each LP's own
   distributions — its portions of every deal's proceeds, on their dates — through the
   whole-fund (European) tiers of the same terms against all its contributions: the carry
   the GP would have taken from that LP had its capital and preferred return across all
   deals come first. Rounded per LP to the minor unit, half to even.
3. **Excess.** Per LP, carry borne less its whole-fund carry, never below zero (a GP that
   took less from one LP than the test allows is not owed the difference, nor does it
   offset another LP's excess); the clawback is the sum. When every LP holds every deal
   pro rata this is simply carry received less the whole-fund carry.
4. **Net of taxes, if the LPA says so.** ILPA's Principles 3.0 ask for a clawback gross of
   taxes and, where that is impractical, net of taxes at a stated hypothetical rate: the GP
   then returns no more than the carry it kept after tax, carry received x (1 - rate)
   rounded down to the minor unit. Whatever of the excess that cap leaves is reported as
   not recovered.
5. **To the LPs.** By default in proportion to each LP's excess — uncapped, that is each
   LP's own excess exactly, which puts it back where the whole-fund waterfall would have.
   Where the LPA shares it by contributed capital instead, only LPs that bear carry take
   part. Either way the split is by largest remainder, ties by LP id, and sums to the
   clawback.

Recovery of losses on earlier deals inside the deal-by-deal tiers, interim
tests, escrow and the clawback's own timing are not modelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from core.allocation import allocate_pro_rata
from core.fund_math.accounts import LpPosition
from core.fund_math.cashflows import TermsError, WaterfallInputError
from core.fund_math.statement import format_money
from core.fund_math.terms import FundTerms, WaterfallStyle, as_percent
from core.fund_math.whole_fund import whole_fund_carry

__all__ = [
    "ClawbackBasis",
    "ClawbackResult",
    "ClawbackTerms",
    "LpClawback",
    "assess_clawback",
]

_ZERO = Decimal(0)


class ClawbackBasis(StrEnum):
    """How the LPs share what the GP returns."""

    EXCESS_CARRY = "excess_carry"
    CONTRIBUTIONS = "contributions"


@dataclass(frozen=True, slots=True)
class ClawbackTerms:
    """The LPA's clawback clause: a hypothetical tax rate if it is net of taxes, and the
    basis on which LPs share it."""

    tax_rate: Decimal | None = None
    basis: ClawbackBasis = ClawbackBasis.EXCESS_CARRY

    def __post_init__(self) -> None:
        rate = self.tax_rate
        if rate is not None and (
            isinstance(rate, float)
            or not isinstance(rate, Decimal)
            or not rate.is_finite()
            or not 0 <= rate < 1
        ):
            raise TermsError(
                f"clawback tax_rate must be a Decimal from 0 to below 1 (such as "
                f"Decimal('0.37')), or None for a clawback gross of taxes; got {rate!r}"
            )
        try:
            object.__setattr__(self, "basis", ClawbackBasis(self.basis))
        except ValueError:
            allowed = ", ".join(b.value for b in ClawbackBasis)
            raise TermsError(
                f"clawback basis must be one of {allowed}, got {self.basis!r}"
            ) from None
        if rate is not None and rate == 0:
            object.__setattr__(self, "tax_rate", None)


@dataclass(frozen=True, slots=True)
class LpClawback:
    """One LP's side of the clawback.

    ``received``: what the LP was distributed deal by deal; ``carry_borne``: what the GP
    took from its portions; ``whole_fund_carry``: what the whole-fund test lets the GP take
    from them; ``excess``: the first less the second, never below zero; ``share``: its part
    of the clawback; ``total``: what it ends with, ``received`` plus ``share``.
    """

    lp_id: str
    name: str
    received: Decimal
    carry_borne: Decimal
    whole_fund_carry: Decimal
    excess: Decimal
    share: Decimal

    @property
    def total(self) -> Decimal:
        return self.received + self.share


@dataclass(frozen=True, slots=True)
class ClawbackResult:
    """The whole-fund test as of ``as_of``; every amount rounded to the minor unit, and
    LP totals plus the carry the GP keeps sum to ``distributed`` exactly. ``deals`` holds,
    per deal, what it distributed in all and the carry the GP took from it. ``basis`` is
    the one the clawback was shared on: the clause's, except that a clause asking for
    contributed capital falls back to excess carry when no LP bearing carry contributed."""

    terms_version: int
    terms_description: str
    currency: str
    as_of: dt.date
    gp_id: str
    gp_name: str
    distributed: Decimal
    deals: tuple[tuple[str, Decimal, Decimal], ...]
    gp_carry: Decimal
    whole_fund_carry: Decimal
    excess: Decimal
    tax_rate: Decimal | None
    after_tax_cap: Decimal | None
    clawback: Decimal
    basis: ClawbackBasis
    lps: tuple[LpClawback, ...]
    explanation: tuple[str, ...]

    @property
    def carry_by_deal(self) -> dict[str, Decimal]:
        """Carry the GP took from each deal, in the order the deals first distributed."""
        return {deal: carry for deal, _, carry in self.deals}

    @property
    def unrecovered(self) -> Decimal:
        """Excess carry the after-tax cap lets the GP keep."""
        return self.excess - self.clawback

    @property
    def gp_carry_kept(self) -> Decimal:
        return self.gp_carry - self.clawback

    @property
    def total_allocated(self) -> Decimal:
        return sum((lp.total for lp in self.lps), self.gp_carry_kept)

    def lp(self, lp_id: str) -> LpClawback:
        for entry in self.lps:
            if entry.lp_id == lp_id:
                return entry
        raise KeyError(lp_id)


def assess_clawback(
    terms: FundTerms,
    positions: Sequence[LpPosition],
    *,
    as_of: dt.date,
    clause: ClawbackTerms | None = None,
) -> ClawbackResult:
    """The clawback the whole-fund test implies for ``positions``' recorded history."""
    clause = clause or ClawbackTerms()
    _check(terms, positions, as_of)
    unit = terms.unit()
    currency = terms.currency
    received: dict[str, Decimal] = {}
    borne: dict[str, Decimal] = {}
    first: dict[str, dt.date] = {}
    dates: set[dt.date] = set()
    gross_by_deal: dict[str, Decimal] = {}
    carry_by_deal: dict[str, Decimal] = {}
    for position in positions:
        to_lp = carry = _ZERO
        for record in position.distributions:
            when = record.date
            if when > as_of:
                continue
            dates.add(when)
            lp_part, gp_part = record.to_lp, record.carry
            to_lp += lp_part
            carry += gp_part
            deal = record.deal_id or ""
            if deal in first:
                gross_by_deal[deal] += lp_part + gp_part
                carry_by_deal[deal] += gp_part
                if when < first[deal]:
                    first[deal] = when
            else:
                first[deal] = when
                gross_by_deal[deal] = lp_part + gp_part
                carry_by_deal[deal] = gp_part
        received[position.lp_id] = to_lp
        borne[position.lp_id] = carry
    by_deal = {
        deal: (gross_by_deal[deal], carry_by_deal[deal])
        for deal in sorted(first, key=lambda deal: (first[deal], deal))
    }
    gp_carry = sum(borne.values(), _ZERO).quantize(unit)
    distributed = (sum(received.values(), _ZERO) + gp_carry).quantize(unit)

    test = whole_fund_carry(terms, positions, as_of)
    whole_by_lp = {
        lp: carry.quantize(unit, rounding=ROUND_HALF_EVEN) for lp, carry in test.carry.items()
    }
    whole = sum(whole_by_lp.values(), _ZERO).quantize(unit)
    over = {lp: max(borne[lp] - whole_by_lp[lp], _ZERO).quantize(unit) for lp in borne}
    excess = sum(over.values(), _ZERO).quantize(unit)
    cap = None
    if clause.tax_rate is not None:
        cap = (gp_carry * (1 - clause.tax_rate)).quantize(unit, rounding=ROUND_FLOOR)
    clawback = excess if cap is None else min(excess, cap)
    basis = clause.basis
    weights = over
    if basis is ClawbackBasis.CONTRIBUTIONS:
        weights = {
            p.lp_id: sum((c.amount for c in p.contributions if c.date <= as_of), _ZERO)
            if p.bears_carry
            else _ZERO
            for p in positions
        }
        if clawback > 0 and not any(weights.values()):
            # Only LPs paid without contributing (apportionment by commitment) bore the
            # excess; the excess itself is then the only basis that reaches anyone.
            basis, weights = ClawbackBasis.EXCESS_CARRY, over
    shares = allocate_pro_rata(clawback.quantize(unit), weights, currency)
    lps = tuple(
        LpClawback(
            p.lp_id,
            p.display_name,
            received[p.lp_id].quantize(unit),
            borne[p.lp_id].quantize(unit),
            whole_by_lp[p.lp_id],
            over[p.lp_id],
            shares[p.lp_id],
        )
        for p in positions
    )
    result = ClawbackResult(
        terms_version=terms.version,
        terms_description=terms.describe(),
        currency=currency,
        as_of=as_of,
        gp_id=terms.gp_id,
        gp_name=terms.gp_name,
        distributed=distributed,
        deals=tuple((deal, gross, carry) for deal, (gross, carry) in by_deal.items()),
        gp_carry=gp_carry,
        whole_fund_carry=whole,
        excess=excess,
        tax_rate=clause.tax_rate,
        after_tax_cap=cap,
        clawback=clawback.quantize(unit),
        basis=basis,
        lps=lps,
        explanation=(),
    )
    return replace(result, explanation=_explain(terms, result, len(dates), weights))


def _check(terms: FundTerms, positions: Sequence[LpPosition], as_of: object) -> None:
    if terms.style is not WaterfallStyle.AMERICAN:
        raise WaterfallInputError(
            "a clawback is tested on an American (deal-by-deal) waterfall; these terms are "
            f"{terms.style.value}"
        )
    if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
        raise WaterfallInputError(f"the clawback test date must be a date, got {as_of!r}")
    if not positions:
        raise WaterfallInputError("a clawback test needs at least one LP position")
    seen: set[str] = set()
    for position in positions:
        if not isinstance(position, LpPosition):
            raise WaterfallInputError(f"positions hold LpPosition values, not {position!r}")
        if position.lp_id in seen or position.lp_id == terms.gp_id:
            raise WaterfallInputError(
                f"LP {position.lp_id} is listed twice or carries the GP's id (terms.gp_id)"
            )
        seen.add(position.lp_id)
        if any(d.deal_id is None for d in position.distributions):
            raise WaterfallInputError(
                f"{position.lp_id}: every distribution needs a deal_id in an American waterfall"
            )


def _explain(
    terms: FundTerms, result: ClawbackResult, dates: int, weights: dict[str, Decimal]
) -> tuple[str, ...]:
    def money(value: Decimal) -> str:
        return format_money(value, terms.currency)

    gp = terms.gp_name
    lines = [f"Clawback test as of {result.as_of.isoformat()} under {terms.describe()}"]
    for deal, gross, carry in result.deals:
        lines.append(
            f"Deal {deal}: {money(gross)} distributed, of which {money(carry)} went to {gp} "
            "as catch-up and carried interest"
        )
    lines.append(
        f"Carry {gp} received deal by deal: {money(result.gp_carry)}, the sum of the deals above"
    )
    plural = "date" if dates == 1 else "dates"
    lines.append(
        f"Whole-fund test: the same {money(result.distributed)}, distributed on {dates} "
        f"{plural}, run LP by LP through the whole-fund waterfall of these terms — each "
        "LP's contributed capital and preferred return across all its deals first — gives "
        f"{gp} {money(result.whole_fund_carry)}"
    )
    if result.excess == 0:
        lines.append(
            f"No clawback: {gp} took no more from any LP than the whole-fund test allows "
            f"({money(result.gp_carry)} received against {money(result.whole_fund_carry)})"
        )
    elif result.excess == result.gp_carry - result.whole_fund_carry:
        lines.append(
            f"Excess carry: {money(result.gp_carry)} received less "
            f"{money(result.whole_fund_carry)} whole-fund = {money(result.excess)}"
        )
    else:
        lines.append(
            f"Excess carry: {money(result.excess)}, the sum of each LP's excess below (an LP "
            "from which the GP took less than the test allows offsets no other LP's excess)"
        )
    if result.tax_rate is None:
        lines.append(f"The clawback is gross of taxes: {gp} returns the whole excess")
    else:
        rate = as_percent(result.tax_rate)
        cap = result.after_tax_cap or _ZERO
        lines.append(
            f"Net of taxes at {rate}: {gp} returns at most the carry it kept after tax, "
            f"{money(result.gp_carry)} x (1 - {rate}) = {money(cap)}"
        )
        if result.unrecovered:
            lines.append(
                f"The cap binds: {money(result.unrecovered)} of the excess is not recovered"
            )
        else:
            lines.append("The cap does not bind: the whole excess is returned")
    lines.append(
        f"Clawback: {gp} returns {money(result.clawback)} and keeps "
        f"{money(result.gp_carry_kept)} of carried interest"
    )
    if result.clawback == 0:
        return tuple(lines)
    basis = (
        "the carry each bore deal by deal beyond its whole-fund share"
        if result.basis is ClawbackBasis.EXCESS_CARRY
        else "its contributed capital (LPs that bear carry only)"
    )
    lines.append(
        f"The {money(result.clawback)} goes to the LPs in proportion to {basis}, by largest "
        "remainder to the minor unit, ties broken by LP id"
    )
    total_weight = sum(weights.values(), _ZERO)
    for lp in result.lps:
        part = weights[lp.lp_id] / total_weight * 100 if total_weight else _ZERO
        percent = f"{part.quantize(Decimal('0.01')).normalize():f} %"
        lines.append(
            f"{lp.name}: bore {money(lp.carry_borne)} of carry deal by deal against "
            f"{money(lp.whole_fund_carry)} in the whole-fund test (excess "
            f"{money(lp.excess)}); receives {money(lp.share)} of the clawback ({percent}), "
            f"{money(lp.total)} in all with the {money(lp.received)} distributed to it"
        )
    return tuple(lines)
