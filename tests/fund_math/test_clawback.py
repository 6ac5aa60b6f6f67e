"""American (deal-by-deal) waterfalls with the clawback their whole-fund test implies.

Each scenario names its fund at the top and derives every asserted figure by hand in its
docstring; the published examples name their source and the figures it prints.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.fund_math import (
    AmericanWaterfall,
    ClawbackBasis,
    ClawbackTerms,
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    PriorDistribution,
    Realization,
    TermsError,
    WaterfallInputError,
    WaterfallStyle,
)

D = Decimal
CALLED = date(2024, 1, 1)
# 2024 is a leap year: 1 January to 31 December is 365 days, one year at actual/365.
A_EXIT = date(2024, 12, 31)
B_EXIT = date(2025, 12, 31)


def terms(**changes: Any) -> FundTerms:
    base: dict[str, Any] = {
        "version": 1,
        "currency": "USD",
        "style": WaterfallStyle.AMERICAN,
        "preferred_return": D("0.08"),
        "compounding": PrefCompounding.COMPOUND,
        "carried_interest": D("0.20"),
        "catch_up": D(1),
    }
    return FundTerms(**{**base, **changes})


NO_HURDLE: dict[str, Any] = {"preferred_return": D(0), "catch_up": None}


def two_deal_fund(holders: list[tuple[str, str, str, str]]) -> list[LpPosition]:
    """LPs as (id, name, deal A contribution, deal B contribution), all paid on CALLED."""
    fund = []
    for lp_id, name, a, b in holders:
        paid = tuple(
            Contribution(CALLED, D(amount), deal)
            for deal, amount in (("A", a), ("B", b))
            if D(amount)
        )
        fund.append(LpPosition(lp_id, name, D(a) + D(b), paid))
    return fund


ISSUE_EXITS = [
    Realization("A", A_EXIT, D("1500000.00")),
    Realization("B", B_EXIT, D("100000.00")),
]
ACME_BIRCH_CEDAR = [
    ("acme", "Acme Pension", "300000.00", "300000.00"),
    ("birch", "Birch Endowment", "150000.00", "150000.00"),
    ("cedar", "Cedar Family Office", "50000.00", "50000.00"),
]


def test_the_issues_two_deal_fund_owes_back_80000() -> None:
    """Issue 13's check. One LP puts $500,000 into deal A and $500,000 into deal B on
    2024-01-01; 8 % pref compounded annually, 100 % catch-up, 80/20. A exits for
    $1,500,000 on 2024-12-31 (365 days: one year, so the pref is exactly 8 %); B returns
    $100,000 on 2025-12-31.

    Deal by deal. A: capital 500,000; pref 500,000 x 8 % = 40,000; catch-up y with
    1.0 y = 0.2 (40,000 + y), y = 10,000 (all to the GP); the remaining 950,000 splits
    760,000 / 190,000. GP: 10,000 + 190,000 = 200,000.00 = 20 % of A's 1,000,000 profit.
    B: 100,000 is return of capital; the GP gets nothing. Carry received: 200,000.00.

    Whole fund. On 2024-12-31 contributed capital is 1,000,000 and the pref 80,000; of the
    1,500,000: 1,000,000 capital, 80,000 pref, 20,000 catch-up, 400,000 split 320,000 /
    80,000 — GP 100,000. Capital and pref are then fully repaid, so nothing accrues; on
    2025-12-31 the 100,000 is all profit and the GP already holds 20 % of the 500,000 so
    far, so it splits 80,000 / 20,000. GP: 120,000.00 = 20 % of the fund's 600,000 profit.
    (Any holding period gives the same two figures as long as each catch-up completes: deal
    A's pref stays under 800,000 and the fund's under 480,000, i.e. under about five years.)

    Clawback: 200,000 - 120,000 = 80,000.00. The LP ends with 1,300,000 + 100,000 +
    80,000 = 1,480,000, exactly its whole-fund figure (1,600,000 - 120,000)."""
    fund = two_deal_fund([("lp", "Fund LPs", "500000.00", "500000.00")])

    run = AmericanWaterfall(terms()).run(fund, ISSUE_EXITS)

    assert [r.gp_carry for r in run.distributions] == [D("200000.00"), D("0.00")]
    result = run.clawback
    assert result.carry_by_deal == {"A": D("200000.00"), "B": D("0.00")}
    assert result.gp_carry == D("200000.00")
    assert result.whole_fund_carry == D("120000.00")
    assert result.excess == D("80000.00")
    assert result.clawback == D("80000.00")
    assert result.gp_carry_kept == D("120000.00")
    lp = result.lp("lp")
    assert (lp.received, lp.share, lp.total) == (
        D("1400000.00"),
        D("80000.00"),
        D("1480000.00"),
    )
    assert result.total_allocated == result.distributed == D("1600000.00")
    assert "Excess carry: $200,000.00 received less $120,000.00 whole-fund = $80,000.00" in (
        result.explanation
    )
    assert "Clawback: the GP returns $80,000.00 and keeps $120,000.00 of carried interest" in (
        result.explanation
    )


def test_three_lps_share_the_80000_by_their_excess_carry() -> None:
    """The same fund held 60/30/10 by Acme, Birch and Cedar in both deals. Every tier of
    every distribution splits 60/30/10, so the GP took 120,000 / 60,000 / 20,000 from their
    portions of deal A, the whole-fund test allows 72,000 / 36,000 / 12,000 (60/30/10 of
    120,000), and each excess — 48,000 / 24,000 / 8,000 — is what each LP receives of the
    80,000.00 clawback."""
    run = AmericanWaterfall(terms()).run(two_deal_fund(ACME_BIRCH_CEDAR), ISSUE_EXITS)

    result = run.clawback
    assert [(lp.carry_borne, lp.whole_fund_carry, lp.excess, lp.share) for lp in result.lps] == [
        (D("120000.00"), D("72000.00"), D("48000.00"), D("48000.00")),
        (D("60000.00"), D("36000.00"), D("24000.00"), D("24000.00")),
        (D("20000.00"), D("12000.00"), D("8000.00"), D("8000.00")),
    ]
    assert result.clawback == D("80000.00")
    assert (
        "LP Acme Pension: bore $120,000.00 of carry deal by deal against $72,000.00 in the "
        "whole-fund test (excess $48,000.00); receives $48,000.00 of the clawback (60 %), "
        "$888,000.00 in all with the $840,000.00 distributed to it"
    ) in result.explanation


@pytest.mark.parametrize(
    ("rate", "cap", "clawback", "shares"),
    [
        # 200,000 x (1 - 40 %) = 120,000 after tax: more than the excess, which is repaid whole.
        ("0.40", "120000.00", "80000.00", ("48000.00", "24000.00", "8000.00")),
        # 200,000 x (1 - 65 %) = 70,000: the cap binds; 10,000 of the excess stays with the
        # GP and the 70,000 is shared 60/30/10 by excess: 42,000 / 21,000 / 7,000.
        ("0.65", "70000.00", "70000.00", ("42000.00", "21000.00", "7000.00")),
    ],
)
def test_net_of_taxes_the_gp_returns_no_more_than_its_after_tax_carry(
    rate: str, cap: str, clawback: str, shares: tuple[str, ...]
) -> None:
    """ILPA Principles 3.0 (Clawback): amounts gross of taxes, or where that is impractical
    net of taxes at a stated hypothetical rate."""
    waterfall = AmericanWaterfall(terms(), ClawbackTerms(tax_rate=D(rate)))

    result = waterfall.run(two_deal_fund(ACME_BIRCH_CEDAR), ISSUE_EXITS).clawback

    assert result.after_tax_cap == D(cap)
    assert result.clawback == D(clawback)
    assert result.unrecovered == D("80000.00") - D(clawback)
    assert [lp.share for lp in result.lps] == [D(s) for s in shares]
    assert result.total_allocated == D("1600000.00")
    assert f"{result.gp_name} returns at most the carry it kept after tax" in " ".join(
        result.explanation
    )


def test_the_explanation_gives_each_figure_with_its_source() -> None:
    """What a fund controller signs off on, for the 60/30/10 fund net of tax at 40 %."""
    waterfall = AmericanWaterfall(terms(), ClawbackTerms(tax_rate=D("0.40")))

    result = waterfall.run(two_deal_fund(ACME_BIRCH_CEDAR), ISSUE_EXITS).clawback

    assert result.explanation == (
        "Clawback test as of 2025-12-31 under terms v1: American (deal by deal), 8 % "
        "preferred return compounded annually, 100 % GP catch-up, 80/20 carried interest "
        "split",
        "Deal A: $1,500,000.00 distributed, of which $200,000.00 went to the GP as catch-up "
        "and carried interest",
        "Deal B: $100,000.00 distributed, of which $0.00 went to the GP as catch-up and "
        "carried interest",
        "Carry the GP received deal by deal: $200,000.00, the sum of the deals above",
        "Whole-fund test: the same $1,600,000.00, distributed on 2 dates, run LP by LP "
        "through the whole-fund waterfall of these terms — each LP's contributed capital and "
        "preferred return across all its deals first — gives the GP $120,000.00",
        "Excess carry: $200,000.00 received less $120,000.00 whole-fund = $80,000.00",
        "Net of taxes at 40 %: the GP returns at most the carry it kept after tax, "
        "$200,000.00 x (1 - 40 %) = $120,000.00",
        "The cap does not bind: the whole excess is returned",
        "Clawback: the GP returns $80,000.00 and keeps $120,000.00 of carried interest",
        "The $80,000.00 goes to the LPs in proportion to the carry each bore deal by deal "
        "beyond its whole-fund share, by largest remainder to the minor unit, ties broken by "
        "LP id",
        "LP Acme Pension: bore $120,000.00 of carry deal by deal against $72,000.00 in the "
        "whole-fund test (excess $48,000.00); receives $48,000.00 of the clawback (60 %), "
        "$888,000.00 in all with the $840,000.00 distributed to it",
        "LP Birch Endowment: bore $60,000.00 of carry deal by deal against $36,000.00 in the "
        "whole-fund test (excess $24,000.00); receives $24,000.00 of the clawback (30 %), "
        "$444,000.00 in all with the $420,000.00 distributed to it",
        "LP Cedar Family Office: bore $20,000.00 of carry deal by deal against $12,000.00 in "
        "the whole-fund test (excess $8,000.00); receives $8,000.00 of the clawback (10 %), "
        "$148,000.00 in all with the $140,000.00 distributed to it",
    )


def test_sydecar_glossary_clawback_example() -> None:
    """Sydecar, glossary entry "Clawback": a $1M fund makes 2 deals of $500k each; the
    first returns 4x, $2M, and "in an American waterfall, the GP gets $300k in carry
    interest at a 20% rate"; the second is a complete loss; "$1M is returned back to the
    LPs, leaving $1M left as profit", so the GP's net carried interest is "30%
    ($300k/$1M)". No hurdle or catch-up is mentioned, so none is modelled.

    Deal by deal: 2,000,000 - 500,000 = 1,500,000 profit x 20 % = 300,000.00 (printed).
    Whole fund: 2,000,000 - 1,000,000 = 1,000,000 profit (printed) x 20 % = 200,000.00.
    Clawback 100,000.00, after which the GP holds 20 % of the profit instead of 30 %."""
    fund = two_deal_fund([("lp", "Investors", "500000.00", "500000.00")])
    exits = [Realization("A", A_EXIT, D("2000000.00")), Realization("B", B_EXIT, D("0.00"))]

    result = AmericanWaterfall(terms(**NO_HURDLE)).run(fund, exits).clawback

    profit = result.distributed - D("1000000.00")
    assert result.gp_carry == D("300000.00")
    assert profit == D("1000000.00")
    assert result.gp_carry / profit == D("0.3")
    assert result.whole_fund_carry == D("200000.00")
    assert result.clawback == D("100000.00")
    assert result.gp_carry_kept / profit == D("0.2")


def test_solutioninn_strict_deal_by_deal_with_clawback() -> None:
    """SolutionInn study-help question 12134621, "Strict Deal-by-deal": investments A and B
    cost $45 each (year 1); A is sold for $70 (year 2); B is written off (year 3); no
    hurdle, no catch-up, 80/20, "clawback provision in the event of an under-performance".
    Its table asks for the return of capital, the 80/20 split, the sub-total, the clawback
    and the loss on capital.

    A: 45 capital, the 25 gain split 20 to the LPs, 5 to the GP. B: nothing comes back.
    Whole fund: 70 against 90 contributed is no profit, so the GP is owed nothing and the
    clawback is the whole $5.00; the LPs end with 45 + 20 + 5 = $70.00 and a loss on
    capital of 90 - 70 = $20.00."""
    fund = two_deal_fund([("lp", "Limited Partners", "45.00", "45.00")])
    exits = [
        Realization("A", date(2025, 1, 1), D("70.00")),
        Realization("B", date(2026, 1, 1), D("0.00")),
    ]

    result = AmericanWaterfall(terms(**NO_HURDLE)).run(fund, exits).clawback

    assert result.gp_carry == D("5.00")
    assert result.whole_fund_carry == D("0.00")
    assert result.clawback == D("5.00")
    assert result.lp("lp").total == D("70.00")
    assert D("90.00") - result.lp("lp").total == D("20.00")


def test_an_lp_excused_from_the_losing_deal_owes_nothing_back() -> None:
    """No hurdle, no catch-up, 80/20. Acme and Birch put 250 each into deal A; Acme alone
    puts 500 into deal B (Birch is excused). A exits for 1,000 on 2024-12-31: each portion
    of 500 is 250 capital and 250 profit, 50 of it to the GP. B returns 100 to Acme alone.

    LP by LP: Acme contributed 750 and got back 600 gross — no profit, so the whole-fund
    test allows no carry from Acme: excess 50. Birch contributed 250 and got 500 gross —
    250 profit, 50 of carry allowed: excess 0. The clawback is 50.00, all to Acme. Shared
    by contributed capital instead (750 : 250) it would be 37.50 / 12.50."""
    fund = two_deal_fund([("acme", "Acme", "250.00", "500.00"), ("birch", "Birch", "250.00", "0")])
    exits = [Realization("A", A_EXIT, D("1000.00")), Realization("B", B_EXIT, D("100.00"))]

    result = AmericanWaterfall(terms(**NO_HURDLE)).run(fund, exits).clawback
    by_capital = (
        AmericanWaterfall(terms(**NO_HURDLE), ClawbackTerms(basis=ClawbackBasis.CONTRIBUTIONS))
        .run(fund, exits)
        .clawback
    )

    assert [(lp.carry_borne, lp.whole_fund_carry, lp.share) for lp in result.lps] == [
        (D("50.00"), D("0.00"), D("50.00")),
        (D("50.00"), D("50.00"), D("0.00")),
    ]
    assert [lp.share for lp in by_capital.lps] == [D("37.50"), D("12.50")]


def test_an_odd_cent_goes_to_the_smallest_lp_id() -> None:
    """Three equal LPs, listed gamma, beta, alpha, put 100,000 each into A and into B. A
    exits for 900,000 after one year: per LP 100,000 capital, 8,000 pref, 2,000 catch-up,
    the rest 190,000 split 152,000 / 38,000, so the GP takes 40,000 per LP, 120,000 in all.
    B returns 60,000. Whole fund per LP: 200,000 capital, 16,000 pref, 4,000 catch-up, 80,000
    split (GP 16,000), then 20,000 split (GP 4,000): 24,000, so each excess is 16,000.
    Net of tax at 66.66666 %: 120,000 x 0.3333334 = 40,000.008, rounded down 40,000.00 —
    a third is 13,333.33 with one cent left over, which goes to alpha."""
    holders = [(lp, lp.title(), "100000.00", "100000.00") for lp in ("gamma", "beta", "alpha")]
    exits = [Realization("A", A_EXIT, D("900000.00")), Realization("B", B_EXIT, D("60000.00"))]
    waterfall = AmericanWaterfall(terms(), ClawbackTerms(tax_rate=D("0.6666666")))

    result = waterfall.run(two_deal_fund(holders), exits).clawback

    assert {lp.lp_id: lp.excess for lp in result.lps} == dict.fromkeys(
        ("gamma", "beta", "alpha"), D("16000.00")
    )
    assert result.clawback == D("40000.00")
    assert {lp.lp_id: lp.share for lp in result.lps} == {
        "gamma": D("13333.33"),
        "beta": D("13333.33"),
        "alpha": D("13333.34"),
    }


def test_the_test_uses_the_history_as_of_its_date() -> None:
    """As of 2025-06-30 deal B has returned nothing yet: the LP has 1,500,000 back against
    1,000,000 contributed, so the whole-fund test allows 20 % of 500,000 = 100,000 and the
    excess is then 100,000.00. Unrealized value is not counted (no NAV enters the test).
    A test dated before B's realization never sees it, however late it is run."""
    fund = two_deal_fund([("lp", "Fund LPs", "500000.00", "500000.00")])
    waterfall = AmericanWaterfall(terms())
    history = waterfall.run(fund, ISSUE_EXITS).positions

    interim = waterfall.clawback(history, as_of=date(2025, 6, 30))

    assert interim.whole_fund_carry == D("100000.00")
    assert interim.clawback == D("100000.00")
    assert interim.distributed == D("1500000.00")
    assert waterfall.clawback(history, as_of=B_EXIT).clawback == D("80000.00")


def test_no_excess_no_clawback() -> None:
    """One deal only: deal by deal and whole fund are the same waterfall."""
    fund = two_deal_fund([("lp", "Fund LPs", "500000.00", "0")])
    result = AmericanWaterfall(terms()).run(fund, ISSUE_EXITS[:1]).clawback

    assert result.gp_carry == result.whole_fund_carry == D("200000.00")
    assert result.clawback == D("0.00")
    assert result.explanation[-1].startswith("Clawback: the GP returns $0.00")


def test_bad_inputs_are_refused_by_name() -> None:
    with pytest.raises(WaterfallInputError, match="needs American terms"):
        AmericanWaterfall(terms(style=WaterfallStyle.EUROPEAN))
    with pytest.raises(TermsError, match="tax_rate"):
        ClawbackTerms(tax_rate=D(1))
    with pytest.raises(TermsError, match="tax_rate"):
        ClawbackTerms(tax_rate=0.4)  # type: ignore[arg-type]
    with pytest.raises(TermsError, match="basis"):
        ClawbackTerms(basis="by_vibes")  # type: ignore[arg-type]
    with pytest.raises(WaterfallInputError, match="float"):
        Realization("A", A_EXIT, 1.5)  # type: ignore[arg-type]
    fund = two_deal_fund([("lp", "Fund LPs", "500000.00", "500000.00")])
    with pytest.raises(WaterfallInputError, match="before the realization"):
        AmericanWaterfall(terms()).run(fund, ISSUE_EXITS, as_of=A_EXIT)
    undealt = [
        LpPosition(
            "lp",
            "Fund LPs",
            D(1),
            fund[0].contributions,
            (PriorDistribution(A_EXIT, D("1.00")),),
        )
    ]
    with pytest.raises(WaterfallInputError, match="needs a deal_id"):
        AmericanWaterfall(terms()).clawback(undealt, as_of=B_EXIT)
