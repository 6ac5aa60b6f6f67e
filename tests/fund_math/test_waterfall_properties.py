"""Waterfall invariants over generated funds: conservation, signs, monotonicity, determinism.

Each generated fund has one to six partners with dated contributions to up to three deals
and some prior distributions, under any combination of style, pref, compounding, carry,
catch-up and apportionment the terms allow.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.fund_math import (
    Apportionment,
    CashFlow,
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    PriorDistribution,
    Waterfall,
    WaterfallResult,
    WaterfallStyle,
    xirr,
)

START = date(2015, 1, 1)
ON = START + timedelta(days=3001)
DEALS = ("d1", "d2", "d3")
UNIT = Decimal("0.01")
SOLVER_NOISE = Decimal("1e-30")  # far below a cent on any amount


def money(max_cents: int, min_cents: int = 1) -> st.SearchStrategy[Decimal]:
    return st.integers(min_cents, max_cents).map(lambda n: Decimal(n).scaleb(-2))


days = st.integers(0, 3000).map(lambda n: START + timedelta(days=n))


@st.composite
def fund_terms(draw: st.DrawFn) -> FundTerms:
    carry = draw(st.sampled_from(["0", "0.1", "0.2", "0.3"]))
    catch_up = None if carry == "0" else draw(st.sampled_from([None, "0.5", "0.8", "1"]))
    return FundTerms(
        version=draw(st.integers(1, 9)),
        currency="USD",
        style=draw(st.sampled_from(WaterfallStyle)),
        preferred_return=Decimal(draw(st.sampled_from(["0", "0.06", "0.08", "0.1"]))),
        compounding=draw(st.sampled_from(PrefCompounding)),
        carried_interest=Decimal(carry),
        catch_up=None if catch_up is None else Decimal(catch_up),
        apportionment=draw(st.sampled_from(Apportionment)),
    )


@st.composite
def positions(draw: st.DrawFn) -> list[LpPosition]:
    fund = []
    for i in range(draw(st.integers(1, 6))):
        paid = [
            Contribution(draw(days), draw(money(10**9)), draw(st.sampled_from(DEALS)))
            for _ in range(draw(st.integers(0, 4)))
        ]
        if i == 0:  # somebody holds every deal, so any deal can distribute
            paid += [Contribution(draw(days), draw(money(10**9)), deal) for deal in DEALS]
        priors = tuple(
            PriorDistribution(draw(days), draw(money(10**8)), deal_id=draw(st.sampled_from(DEALS)))
            for _ in range(draw(st.integers(0, 2)))
        )
        committed = sum((c.amount for c in paid), Decimal(0)) + draw(money(10**8, 0))
        gp = i == 0 and draw(st.booleans())
        fund.append(
            LpPosition(
                f"lp{i}",
                f"Partner {i}",
                committed,
                tuple(paid),
                priors,
                gp_commitment=gp,
                bears_carry=not gp or draw(st.booleans()),
            )
        )
    return fund


amounts = money(10**10, 0)
deals = st.sampled_from(DEALS)


def run(terms: FundTerms, fund: list[LpPosition], amount: Decimal, deal: str) -> WaterfallResult:
    return Waterfall(terms).run(fund, amount=amount, on=ON, deal_id=deal)


@settings(max_examples=300, deadline=None)
@given(fund_terms(), positions(), amounts, deals)
def test_every_cent_in_goes_out_and_nothing_is_negative(
    terms: FundTerms, fund: list[LpPosition], amount: Decimal, deal: str
) -> None:
    result = run(terms, fund, amount, deal)

    assert result.total_allocated == amount
    assert sum((t.total for t in result.tiers), Decimal(0)) == amount
    assert sum((a.carry for a in result.allocations), Decimal(0)) == result.gp_carry
    for a in result.allocations:
        assert sum((v for _, v in a.by_tier), Decimal(0)) == a.amount
        assert abs(a.amount - a.exact) < UNIT
        assert a.amount >= 0
        assert a.carry >= 0
        assert all(v >= 0 for _, v in a.by_tier)
    assert all(v >= 0 for _, v in result.gp_by_tier)
    assert all(t.to_lps >= 0 and t.to_gp >= 0 for t in result.tiers)
    assert result.terms_version == terms.version


@settings(max_examples=150, deadline=None)
@given(fund_terms(), positions(), amounts, deals)
def test_reruns_are_identical_and_order_free(
    terms: FundTerms, fund: list[LpPosition], amount: Decimal, deal: str
) -> None:
    first = run(terms, fund, amount, deal)
    assert run(terms, fund, amount, deal) == first
    reordered = run(terms, list(reversed(fund)), amount, deal)
    assert {a.lp_id: a.amount for a in reordered.allocations} == {
        a.lp_id: a.amount for a in first.allocations
    }


@settings(max_examples=300, deadline=None)
@given(fund_terms(), positions(), amounts, deals, st.data())
def test_an_lp_never_gets_less_when_only_its_stake_grows(
    terms: FundTerms, fund: list[LpPosition], amount: Decimal, deal: str, data: st.DataObject
) -> None:
    """More capital, an earlier or larger contribution, or a larger commitment can only
    raise an LP's exact entitlement. Its rounded amount may lose at most the single cent
    that largest remainder moves between parties (Hamilton rounding is not monotone: a
    rival's remainder can overtake this LP's when the quotas shift)."""
    k = data.draw(st.integers(0, len(fund) - 1))
    extra = Contribution(data.draw(days), data.draw(money(10**9)), data.draw(deals))
    before = fund[k]
    grown = replace(
        before,
        commitment=before.commitment + extra.amount,
        contributions=(*before.contributions, extra),
    )
    bigger = [grown if i == k else p for i, p in enumerate(fund)]

    old = run(terms, fund, amount, deal).allocation(before.lp_id)
    new = run(terms, bigger, amount, deal).allocation(before.lp_id)

    assert new.exact >= old.exact - Decimal("1e-20")
    assert new.amount >= old.amount - UNIT


@settings(max_examples=150, deadline=None)
@given(fund_terms(), positions(), amounts)
def test_a_single_deal_fund_is_the_same_american_or_european(
    terms: FundTerms, fund: list[LpPosition], amount: Decimal
) -> None:
    one_deal = [
        replace(
            p,
            contributions=tuple(replace(c, deal_id="d1") for c in p.contributions),
            distributions=tuple(replace(d, deal_id="d1") for d in p.distributions),
        )
        for p in fund
    ]
    american = run(replace(terms, style=WaterfallStyle.AMERICAN), one_deal, amount, "d1")
    european = run(replace(terms, style=WaterfallStyle.EUROPEAN), one_deal, amount, "d1")
    assert american.allocations == european.allocations
    assert american.gp_by_tier == european.gp_by_tier


@settings(max_examples=150, deadline=None)
@given(money(10**10, 100), st.integers(1, 4000), st.sampled_from(["0.06", "0.08", "0.12"]))
def test_paying_exactly_the_compound_hurdle_is_an_xirr_of_the_pref_rate(
    capital: Decimal, held: int, rate: str
) -> None:
    """Under compound pref the hurdle is capital x (1 + r)^(days/365): an LP paid exactly
    that (to the cent, rounded down) gets all of it, the GP nothing, and its XIRR is r —
    short of r only by what the dropped fraction of a cent is worth: d(ln(1 + r)) =
    (365 / days) x d(ln H), so at most (1 + r) x (365 / days) x 0.01 / H."""
    terms = FundTerms(
        1,
        "USD",
        WaterfallStyle.EUROPEAN,
        Decimal(rate),
        PrefCompounding.COMPOUND,
        Decimal("0.2"),
        Decimal(1),
    )
    on = START + timedelta(days=held)
    growth = (1 + Decimal(rate)) ** (Decimal(held) / 365)
    hurdle = (capital * growth).quantize(UNIT, rounding="ROUND_DOWN")
    fund = [LpPosition("lp", "Solo", capital, (Contribution(START, capital),))]

    result = Waterfall(terms).run(fund, amount=hurdle, on=on)

    assert result.gp_carry == 0
    achieved = xirr([CashFlow(START, -capital), CashFlow(on, hurdle)])
    assert achieved.rate is not None
    bound = (1 + Decimal(rate)) * Decimal(365) / held * UNIT / hurdle
    # The solver stops within its own precision of the root (a few units in the 34th
    # digit either side): a hurdle with no fraction of a cent dropped may land just above r.
    assert -SOLVER_NOISE <= Decimal(rate) - achieved.rate <= bound * Decimal("1.001")


@settings(max_examples=150, deadline=None)
@given(money(10**10, 100), money(10**10, 0), st.sampled_from(["0.1", "0.2", "0.25"]))
def test_a_completed_full_catch_up_leaves_the_gp_exactly_its_share_of_profit(
    capital: Decimal, surplus: Decimal, carry: str
) -> None:
    """With a 100 % catch-up, once proceeds pass capital + pref / (1 - carry), the GP holds
    exactly its carry share of all profit: GP = carry x (proceeds - capital), to the cent."""
    terms = FundTerms(
        1,
        "USD",
        WaterfallStyle.EUROPEAN,
        Decimal("0.08"),
        PrefCompounding.SIMPLE,
        Decimal(carry),
        Decimal(1),
    )
    on = START + timedelta(days=730)
    pref = capital * Decimal("0.16")
    amount = (capital + pref / (1 - Decimal(carry))).quantize(UNIT) + UNIT + surplus
    fund = [LpPosition("lp", "Solo", capital, (Contribution(START, capital),))]

    result = Waterfall(terms).run(fund, amount=amount, on=on)

    assert abs(result.gp_carry - Decimal(carry) * (amount - capital)) < UNIT
