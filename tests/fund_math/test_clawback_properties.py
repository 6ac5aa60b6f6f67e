"""Clawback invariants over generated American funds.

Each generated fund has one to five partners that fund some of three deals (partner 0
funds all of them) before any deal realizes; one to five realizations follow, under any
terms the American waterfall allows and a clawback gross or net of taxes.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from core.fund_math import (
    AmericanRun,
    AmericanWaterfall,
    Apportionment,
    ClawbackBasis,
    ClawbackTerms,
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    Realization,
    Waterfall,
    WaterfallStyle,
)
from core.fund_math.whole_fund import whole_fund_carry

START = date(2015, 1, 1)
DEALS = ("d1", "d2", "d3")
UNIT = Decimal("0.01")


def money(max_cents: int, min_cents: int = 1) -> st.SearchStrategy[Decimal]:
    return st.integers(min_cents, max_cents).map(lambda n: Decimal(n).scaleb(-2))


def day(low: int, high: int) -> st.SearchStrategy[date]:
    return st.integers(low, high).map(lambda n: START + timedelta(days=n))


@st.composite
def american_terms(draw: st.DrawFn) -> FundTerms:
    carry = draw(st.sampled_from(["0", "0.1", "0.2", "0.3"]))
    catch_up = None if carry == "0" else draw(st.sampled_from([None, "0.5", "0.8", "1"]))
    return FundTerms(
        version=1,
        currency="USD",
        style=WaterfallStyle.AMERICAN,
        preferred_return=Decimal(draw(st.sampled_from(["0", "0.06", "0.08", "0.1"]))),
        compounding=draw(st.sampled_from(PrefCompounding)),
        carried_interest=Decimal(carry),
        catch_up=None if catch_up is None else Decimal(catch_up),
        apportionment=draw(st.sampled_from(Apportionment)),
    )


@st.composite
def funds(draw: st.DrawFn) -> list[LpPosition]:
    fund = []
    for i in range(draw(st.integers(1, 5))):
        held = DEALS if i == 0 else draw(st.lists(st.sampled_from(DEALS), unique=True))
        paid = tuple(Contribution(draw(day(0, 1000)), draw(money(10**9)), d) for d in held)
        committed = sum((c.amount for c in paid), Decimal(0)) + draw(money(10**8, 0))
        exempt = i == 0 and draw(st.booleans())
        fund.append(
            LpPosition(
                f"lp{i}",
                f"Partner {i}",
                committed,
                paid,
                gp_commitment=exempt,
                bears_carry=not exempt,
            )
        )
    return fund


realizations = st.lists(
    st.builds(Realization, st.sampled_from(DEALS), day(1001, 3000), money(3 * 10**9, 0)),
    min_size=1,
    max_size=5,
)
clauses = st.builds(
    ClawbackTerms,
    st.sampled_from([None, Decimal("0.2"), Decimal("0.37"), Decimal("0.9")]),
    st.sampled_from(ClawbackBasis),
)


def run(
    terms: FundTerms, clause: ClawbackTerms, fund: list[LpPosition], exits: list[Realization]
) -> AmericanRun:
    return AmericanWaterfall(terms, clause).run(fund, exits)


@settings(max_examples=200, deadline=None)
@given(american_terms(), clauses, funds(), realizations)
def test_every_cent_is_accounted_for_and_the_gp_keeps_no_more_than_the_whole_fund_allows(
    terms: FundTerms, clause: ClawbackTerms, fund: list[LpPosition], exits: list[Realization]
) -> None:
    result = run(terms, clause, fund, exits).clawback
    distributed = sum((r.amount for r in exits), Decimal(0))

    assert result.clawback >= 0
    assert all(lp.share >= 0 and lp.excess >= 0 for lp in result.lps)
    assert sum((lp.share for lp in result.lps), Decimal(0)) == result.clawback
    assert result.distributed == distributed
    assert sum((lp.total for lp in result.lps), result.gp_carry_kept) == distributed
    assert result.total_allocated == distributed
    assert result.excess == sum((lp.excess for lp in result.lps), Decimal(0))
    assert result.excess >= result.gp_carry - result.whole_fund_carry
    assert result.clawback <= result.excess
    assert result.clawback <= result.gp_carry
    assert result.gp_carry_kept <= result.whole_fund_carry + result.unrecovered
    if clause.tax_rate is None:
        assert result.gp_carry_kept <= result.whole_fund_carry
        if clause.basis is ClawbackBasis.EXCESS_CARRY:
            assert all(lp.share == lp.excess for lp in result.lps)
    for lp, position in zip(result.lps, fund, strict=True):
        if not position.bears_carry:
            assert lp.share == lp.carry_borne == lp.whole_fund_carry == 0


@settings(max_examples=100, deadline=None)
@given(american_terms(), clauses, funds(), realizations)
def test_the_result_does_not_depend_on_the_order_lps_are_listed_in(
    terms: FundTerms, clause: ClawbackTerms, fund: list[LpPosition], exits: list[Realization]
) -> None:
    forward = run(terms, clause, fund, exits).clawback
    backward = run(terms, clause, fund[::-1], exits).clawback

    assert backward.clawback == forward.clawback
    assert {lp.lp_id: lp.share for lp in backward.lps} == {lp.lp_id: lp.share for lp in forward.lps}


@settings(max_examples=150, deadline=None)
@given(american_terms(), funds(), realizations)
def test_the_whole_fund_replay_matches_the_european_waterfall_for_one_lp(
    terms: FundTerms, fund: list[LpPosition], exits: list[Realization]
) -> None:
    """With one LP there is nothing to apportion, so each LP's whole-fund test is exactly a
    European waterfall run distribution by distribution on the same history. That run
    rounds each distribution to the cent (and the rounding feeds the next one's catch-up),
    so the two agree within a cent per distribution."""
    solo = fund[:1]
    history = run(terms, ClawbackTerms(), solo, exits).positions
    european = Waterfall(FundTerms(**{**_fields(terms), "style": WaterfallStyle.EUROPEAN}))
    replayed = list(solo)
    carry = Decimal(0)
    for record in sorted(history[0].distributions, key=lambda d: d.date):
        result = european.run(replayed, amount=record.gross, on=record.date)
        carry += result.gp_carry
        replayed = [
            LpPosition(
                p.lp_id,
                p.name,
                p.commitment,
                p.contributions,
                (*p.distributions, result.allocation(p.lp_id).as_prior(record.date)),
                bears_carry=p.bears_carry,
            )
            for p in replayed
        ]

    exact = whole_fund_carry(terms, history, START + timedelta(days=3000)).carry["lp0"]

    assert abs(exact - carry) <= UNIT * len(exits)


def _fields(terms: FundTerms) -> dict[str, object]:
    return {name: getattr(terms, name) for name in FundTerms.__dataclass_fields__}
