"""American (deal-by-deal) waterfalls, set against the European result on the same facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from core.fund_math import (
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    PriorDistribution,
    Tier,
    Waterfall,
    WaterfallInputError,
    WaterfallStyle,
)

D = Decimal


def terms(**changes: Any) -> FundTerms:
    base: dict[str, Any] = {
        "version": 1,
        "currency": "USD",
        "style": WaterfallStyle.AMERICAN,
        "preferred_return": D("0.08"),
        "compounding": PrefCompounding.COMPOUND,
        "carried_interest": D("0.20"),
        "catch_up": D("0.8"),
    }
    return FundTerms(**{**base, **changes})


def test_strict_deal_by_deal_without_hurdle_or_catch_up() -> None:
    """The textbook "strict deal-by-deal" illustration (as posed on SolutionInn, study-help
    question 12134621): two investments at a cost basis of $45 each, investment A sold for
    $70, investment B written off; no hurdle rate, no GP catch-up, 80/20 carried interest.

    Derivation. American, deal A alone: return A's $45 of capital, then split the $25 gain
    80/20: $20 to the LP, $5 to the GP; the LP has $65. European, the whole fund: $90 was
    contributed, so all $70 is return of capital and the GP gets nothing. When B is written
    off the American GP keeps its $5 (the clawback recovers it: see test_clawback.py).
    """
    fund = [
        LpPosition(
            "lp",
            "Fund LPs",
            D("90.00"),
            (
                Contribution(date(2020, 1, 1), D("45.00"), "A"),
                Contribution(date(2020, 1, 1), D("45.00"), "B"),
            ),
        )
    ]
    hurdle_free = {"preferred_return": D(0), "catch_up": None}

    american = Waterfall(terms(**hurdle_free)).run(
        fund, amount=D("70.00"), on=date(2021, 1, 1), deal_id="A"
    )
    european = Waterfall(terms(style=WaterfallStyle.EUROPEAN, **hurdle_free)).run(
        fund, amount=D("70.00"), on=date(2021, 1, 1), deal_id="A"
    )

    assert american.allocation("lp").by_tier == (
        (Tier.RETURN_OF_CAPITAL, D("45.00")),
        (Tier.CARRIED_INTEREST, D("20.00")),
    )
    assert american.gp_carry == D("5.00")
    assert european.allocation("lp").amount == D("70.00")
    assert european.gp_carry == D("0.00")


def _harbor_fund(**gp_commitment: Any) -> list[LpPosition]:
    """Two LPs and the GP commitment (60/30/10) in deals Harbor (2021-01-01, $6m) and
    Quarry (2021-06-01, $4m)."""
    holders: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("acme", "Acme Pension", "3600000.00", "2400000.00", {}),
        ("birch", "Birch Endowment", "1800000.00", "1200000.00", {}),
        ("summit", "Summit Partners", "600000.00", "400000.00", {"gp_commitment": True}),
    ]
    fund = []
    for lp_id, name, harbor, quarry, extra in holders:
        extra = {**extra, **gp_commitment} if lp_id == "summit" else extra
        paid = (
            Contribution(date(2021, 1, 1), D(harbor), "harbor"),
            Contribution(date(2021, 6, 1), D(quarry), "quarry"),
        )
        fund.append(LpPosition(lp_id, name, D(harbor) + D(quarry), paid, **extra))
    return fund


HARBOR_EXIT: dict[str, Any] = {
    "amount": D("9000000.00"),
    "on": date(2023, 1, 1),
    "deal_id": "harbor",
}


def test_american_compound_pref_with_80_percent_catch_up_and_gp_commitment() -> None:
    """Hand-worked from the common description of an American waterfall (per deal: capital,
    8 % pref compounded annually, 80 % GP catch-up, 80/20). Harbor's $6,000,000 was called
    2021-01-01 and it is sold for $9,000,000 on 2023-01-01: 730 days, two 365-day years.

    Deal level: pref = 6,000,000 x (1.08^2 - 1) = 6,000,000 x 0.1664 = 998,400.00.
    Catch-up tier y: 0.8y = 0.2(998,400 + y), y = 199,680 / 0.6 = 332,800.00:
    266,240.00 to the GP, 66,560.00 to the LPs. Rest 9,000,000 - 6,000,000 - 998,400 -
    332,800 = 1,668,800.00, split 1,335,040.00 / 333,760.00. GP 600,000.00 = 20 % x 3m.
    Each partner's portion is its share of Harbor's capital (60/30/10), so every tier splits
    the same way: Acme 3,600,000 / 599,040 / 39,936 / 801,024 = 5,040,000, carry 360,000;
    Birch exactly half of Acme; the GP commitment one sixth: 600,000 / 99,840 / 6,656 /
    133,504 = 840,000, carry 60,000. Quarry's capital plays no part.
    """
    result = Waterfall(terms()).run(_harbor_fund(), **HARBOR_EXIT)

    figures = {
        "acme": ("3600000.00", "599040.00", "39936.00", "801024.00", "360000.00"),
        "birch": ("1800000.00", "299520.00", "19968.00", "400512.00", "180000.00"),
        "summit": ("600000.00", "99840.00", "6656.00", "133504.00", "60000.00"),
    }
    for lp_id, expected in figures.items():
        got = result.allocation(lp_id)
        assert [*(amount for _, amount in got.by_tier), got.carry] == [D(e) for e in expected]
    assert [t.total for t in result.tiers] == [
        D("6000000.00"),
        D("998400.00"),
        D("332800.00"),
        D("1668800.00"),
    ]
    assert result.gp_by_tier == (
        (Tier.CATCH_UP, D("266240.00")),
        (Tier.CARRIED_INTEREST, D("333760.00")),
    )
    assert result.allocation("summit").name == "Summit Partners (GP commitment)"


def test_a_carry_free_gp_commitment_keeps_its_whole_portion() -> None:
    """As above, but the LPA exempts the GP commitment from carry: its $900,000 portion is
    600,000 capital + 99,840 pref + the remaining 200,160 to itself. Carry falls to
    360,000 + 180,000 = 540,000 (from Acme and Birch only)."""
    result = Waterfall(terms()).run(_harbor_fund(bears_carry=False), **HARBOR_EXIT)

    summit = result.allocation("summit")
    assert summit.amount == D("900000.00")
    assert summit.tier(Tier.CARRIED_INTEREST) == D("200160.00")
    assert summit.carry == D("0.00")
    assert result.gp_carry == D("540000.00")
    carry_free = "to Summit Partners (GP commitment) (carry-free)"
    assert any(line.endswith(carry_free) for line in result.explanation)


def test_the_same_exit_under_a_european_waterfall_is_all_return_of_capital() -> None:
    """Whole fund: $10,000,000 was called across Harbor and Quarry, so the $9,000,000 is
    return of capital, apportioned 60/30/10: 5,400,000 / 2,700,000 / 900,000; GP nothing."""
    result = Waterfall(terms(style=WaterfallStyle.EUROPEAN)).run(_harbor_fund(), **HARBOR_EXIT)

    assert [a.amount for a in result.allocations] == [
        D("5400000.00"),
        D("2700000.00"),
        D("900000.00"),
    ]
    assert result.gp_carry == D("0.00")


def test_american_runs_need_a_deal_and_dealt_history() -> None:
    fund = _harbor_fund()
    with pytest.raises(WaterfallInputError, match="deal_id"):
        Waterfall(terms()).run(fund, amount=D("1.00"), on=date(2023, 1, 1))
    undated = LpPosition(
        "acme",
        "Acme Pension",
        D("1.00"),
        fund[0].contributions,
        (PriorDistribution(date(2022, 1, 1), D("1.00")),),
    )
    with pytest.raises(WaterfallInputError, match="needs a deal_id"):
        Waterfall(terms()).run([undated], **HARBOR_EXIT)
    with pytest.raises(WaterfallInputError, match="nobody to apportion"):
        Waterfall(terms()).run(fund, amount=D("1.00"), on=date(2023, 1, 1), deal_id="nowhere")
