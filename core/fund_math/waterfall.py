"""Running a distribution through the LPA's waterfall, to the cent, with its explanation.

How a run works, in the order an LPA states it:

1. **Apportion.** The distribution is shared among all partners (the GP commitment included)
   in proportion to contributed capital — to the whole fund for a European waterfall, to the
   deal for an American one — or to commitments if the terms say so.
2. **Pour.** Each partner's portion runs through the tiers against that partner's hurdle
   account (:mod:`core.fund_math.hurdles`): return of capital, preferred return, GP
   catch-up, carried interest split. Everything so far is unrounded ``Decimal``.
3. **Round.** Largest remainder (:func:`core.allocation.allocate_pro_rata`) three times over:
   the distribution across recipients (each LP and the GP) by their exact entitlements, so
   each is within one minor unit of exact and the parts sum to the whole; then each LP's
   rounded amount across its tiers, and the GP's across its tiers and across the LPs whose
   portions it came from. Tier totals are the sums of those rounded cells.

Out of scope, and stated so nobody assumes otherwise: GP give-back (the clawback of an
American waterfall is assessed afterwards, by :mod:`core.fund_math.clawback`), recovery of
earlier deals' losses in an American waterfall, management-fee offsets, recycling, and tiered
(IRR-ratcheted) carry. Contributions with no deal (fees, expenses) count only in European runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from core.allocation import allocate_pro_rata
from core.fund_math.accounts import LpPosition, apportionment_weight
from core.fund_math.cashflows import FUND_MATH_CONTEXT, WaterfallInputError
from core.fund_math.hurdles import HurdleBook, TierSplit, pour
from core.fund_math.statement import (
    LpAllocation,
    Tier,
    TierTotal,
    WaterfallResult,
    active_tiers,
    explain,
    tier_title,
)
from core.fund_math.terms import FundTerms, WaterfallStyle
from core.money import MoneyError, parse_amount

__all__ = ["Waterfall"]

_ZERO = Decimal(0)


def _lp_cells(split: TierSplit) -> dict[Tier, Decimal]:
    return {
        Tier.RETURN_OF_CAPITAL: split.return_of_capital,
        Tier.PREFERRED_RETURN: split.preferred_return,
        Tier.CATCH_UP: split.catch_up_lp,
        Tier.CARRIED_INTEREST: split.split_lp,
    }


@dataclass(frozen=True, slots=True)
class Waterfall:
    """The waterfall of one version of the fund terms."""

    terms: FundTerms

    def run(
        self,
        positions: Sequence[LpPosition],
        *,
        amount: Decimal,
        on: dt.date,
        deal_id: str | None = None,
    ) -> WaterfallResult:
        """Distribute ``amount`` on ``on`` (from ``deal_id``) across ``positions``.

        ``positions`` carry each LP's dated contributions and prior distributions; for an
        American waterfall those belonging to ``deal_id`` are the ones that count.
        """
        terms = self.terms
        amount = self._checked(positions, amount, on, deal_id)
        scope = deal_id if terms.style is WaterfallStyle.AMERICAN else None
        book = HurdleBook(terms, scope, on)
        accounts = {p.lp_id: book.account(p) for p in positions}
        weights = {p.lp_id: apportionment_weight(p, accounts[p.lp_id], terms) for p in positions}
        total_weight = sum(weights.values(), _ZERO)
        if total_weight == 0 and amount > 0:
            where = f"deal {deal_id}" if scope else "the fund"
            raise WaterfallInputError(
                f"no partner has a {terms.apportionment.value} basis in {where} on {on}: "
                "there is nobody to apportion the distribution to"
            )
        splits: dict[str, TierSplit] = {}
        pref_from: dict[str, dt.date | None] = {}
        with localcontext(FUND_MATH_CONTEXT):
            for position in positions:
                account = accounts[position.lp_id]
                weight = weights[position.lp_id]
                portion = amount * weight / total_weight if weight else _ZERO
                splits[position.lp_id] = pour(account, portion, terms, position.bears_carry)
                pref_from[position.lp_id] = account.pref_from
        return self._rounded(positions, splits, pref_from, amount, on, deal_id)

    def _checked(
        self, positions: Sequence[LpPosition], amount: object, on: object, deal_id: str | None
    ) -> Decimal:
        terms = self.terms
        try:
            checked = parse_amount(amount, terms.currency)
        except MoneyError as exc:
            raise WaterfallInputError(f"distribution amount: {exc}") from None
        if checked < 0:
            raise WaterfallInputError(f"a distribution cannot be negative, got {checked}")
        if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise WaterfallInputError(f"the distribution date must be a date, got {on!r}")
        if terms.style is WaterfallStyle.AMERICAN and not deal_id:
            raise WaterfallInputError("an American waterfall runs per deal: pass deal_id")
        if not positions:
            raise WaterfallInputError("a waterfall needs at least one LP position")
        seen: set[str] = set()
        for position in positions:
            if not isinstance(position, LpPosition):
                raise WaterfallInputError(f"positions hold LpPosition values, not {position!r}")
            if position.lp_id in seen:
                raise WaterfallInputError(f"LP {position.lp_id} is listed twice")
            if position.lp_id == terms.gp_id:
                raise WaterfallInputError(
                    f"LP id {position.lp_id} is the carry recipient's id (terms.gp_id); give "
                    "the GP commitment its own id"
                )
            seen.add(position.lp_id)
            if terms.style is WaterfallStyle.AMERICAN and any(
                d.deal_id is None for d in position.distributions
            ):
                raise WaterfallInputError(
                    f"{position.lp_id}: every prior distribution needs a deal_id in an "
                    "American waterfall"
                )
        return checked

    def _rounded(
        self,
        positions: Sequence[LpPosition],
        splits: dict[str, TierSplit],
        pref_from: dict[str, dt.date | None],
        amount: Decimal,
        on: dt.date,
        deal_id: str | None,
    ) -> WaterfallResult:
        terms = self.terms
        currency = terms.currency
        tiers = active_tiers(terms)
        nothing = _ZERO.quantize(terms.unit())
        gp = terms.gp_id
        exact = {lp: split.to_lp for lp, split in splits.items()}
        gp_exact = {
            Tier.CATCH_UP: sum((s.catch_up_gp for s in splits.values()), _ZERO),
            Tier.CARRIED_INTEREST: sum((s.split_gp for s in splits.values()), _ZERO),
        }
        totals = allocate_pro_rata(amount, {**exact, gp: sum(gp_exact.values(), _ZERO)}, currency)
        gp_cells = allocate_pro_rata(
            totals[gp], {t.value: v for t, v in gp_exact.items()}, currency
        )
        gp_from = allocate_pro_rata(
            totals[gp], {lp: split.to_gp for lp, split in splits.items()}, currency
        )
        allocations: list[LpAllocation] = []
        to_lps = dict.fromkeys(tiers, nothing)
        for position in positions:
            lp = position.lp_id
            cells = _lp_cells(splits[lp])
            rounded = allocate_pro_rata(totals[lp], {t.value: cells[t] for t in tiers}, currency)
            by_tier = tuple((t, rounded[t.value]) for t in tiers)
            for t, value in by_tier:
                to_lps[t] += value
            allocations.append(
                LpAllocation(
                    lp_id=lp,
                    name=position.display_name,
                    amount=totals[lp],
                    by_tier=by_tier,
                    carry=gp_from[lp],
                    exact=exact[lp],
                    pref_from=pref_from[lp],
                    gp_commitment=position.gp_commitment,
                    bears_carry=position.bears_carry,
                )
            )
        gp_by_tier = tuple(
            (t, gp_cells[t.value]) for t in (Tier.CATCH_UP, Tier.CARRIED_INTEREST) if t in tiers
        )
        gp_amounts: dict[Tier, Decimal] = dict(gp_by_tier)
        tier_totals = tuple(
            TierTotal(t, n, tier_title(t, terms), to_lps[t], gp_amounts.get(t, nothing))
            for n, t in enumerate(tiers, start=1)
        )
        frozen = tuple(allocations)
        return WaterfallResult(
            terms_version=terms.version,
            terms_description=terms.describe(),
            currency=currency,
            amount=amount,
            on=on,
            deal_id=deal_id,
            tiers=tier_totals,
            allocations=frozen,
            gp_id=gp,
            gp_name=terms.gp_name,
            gp_by_tier=gp_by_tier,
            explanation=explain(terms, amount, on, deal_id, tier_totals, frozen, gp_by_tier),
        )
