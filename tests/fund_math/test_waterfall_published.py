"""Waterfalls against worked examples whose *results* are printed by their sources.

With tests/fund_math/test_waterfall_european.py's Tentt scenario (European, 8 %
compounded over five years, full catch-up, 80/20), these make three published examples
checked figure by figure. Each source describes one investment sold once, so each runs
both as a European (whole-fund) and as an American (deal-by-deal) waterfall of a single
deal, which must agree; and over one 365-day year, where simple and compound pref agree.
"""

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
    Tier,
    Waterfall,
    WaterfallStyle,
)

D = Decimal
# 2024 is a leap year: 1 January to 31 December is exactly 365 days, one year at actual/365.
START, END = date(2024, 1, 1), date(2024, 12, 31)
VARIANTS = [(style, compounding) for style in WaterfallStyle for compounding in PrefCompounding]


def _run(
    amount: str,
    contributed: str,
    *,
    catch_up: Decimal | None,
    style: WaterfallStyle,
    compounding: PrefCompounding,
) -> Any:
    terms = FundTerms(
        version=1,
        currency="USD",
        style=style,
        preferred_return=D("0.08"),
        compounding=compounding,
        carried_interest=D("0.20"),
        catch_up=catch_up,
    )
    position = LpPosition(
        "lp", "Investor", D(contributed), (Contribution(START, D(contributed), "deal-1"),)
    )
    return Waterfall(terms).run([position], amount=D(amount), on=END, deal_id="deal-1")


@pytest.mark.parametrize(("style", "compounding"), VARIANTS)
def test_fundamentals_law_preferred_return_without_catch_up(
    style: WaterfallStyle, compounding: PrefCompounding
) -> None:
    """Fundamentals (fundamentals.law), "How Investment Fund Carried Interest Works
    (Part 3)", Example: the LP invested $100; a year later the fund has $200 to distribute;
    100 % to the LP until capital is returned, then until an 8 % return compounded
    annually, then 80/20 — no catch-up. Printed: step 1 $100 to the LP; step 2 $8; step 3
    the remaining $92 split $73.60 to the LP and $18.40 to the GP; the LP receives $181.60
    and the GP $18.40."""
    result = _run("200.00", "100.00", catch_up=None, style=style, compounding=compounding)
    investor = result.allocation("lp")
    assert investor.tier(Tier.RETURN_OF_CAPITAL) == D("100.00")
    assert investor.tier(Tier.PREFERRED_RETURN) == D("8.00")
    assert investor.tier(Tier.CARRIED_INTEREST) == D("73.60")
    assert result.tier(Tier.CARRIED_INTEREST).to_gp == D("18.40")
    assert investor.amount == D("181.60")
    assert result.gp_carry == D("18.40")


@pytest.mark.parametrize(("style", "compounding"), VARIANTS)
def test_ilyab_notes_distribution_waterfall_with_full_catch_up(
    style: WaterfallStyle, compounding: PrefCompounding
) -> None:
    """ilyab.xyz notes, "Distribution Waterfall", Numerical Example: $10 million invested,
    $18 million of proceeds; return of capital, an 8 % preferred return, a 100 % GP
    catch-up, then 80/20. Printed: tier 1 the first $10M to the LPs; tier 2 the next $800K
    to the LPs; tier 3 the next $200K to the GP (20 % of the $1M of profit so far); tier 4
    the remaining $7M, $5.6M to the LPs. The GP's tier-4 share is the other 20 %, $1.4M,
    so the GP holds $1.6M = 20 % of the $8M profit."""
    result = _run("18000000.00", "10000000.00", catch_up=D(1), style=style, compounding=compounding)
    investor = result.allocation("lp")
    assert investor.tier(Tier.RETURN_OF_CAPITAL) == D("10000000.00")
    assert investor.tier(Tier.PREFERRED_RETURN) == D("800000.00")
    assert result.tier(Tier.CATCH_UP).to_gp == D("200000.00")
    assert investor.tier(Tier.CARRIED_INTEREST) == D("5600000.00")
    assert result.tier(Tier.CARRIED_INTEREST).to_gp == D("1400000.00")
    assert investor.amount == D("16400000.00")
    assert result.gp_carry == D("1600000.00")
