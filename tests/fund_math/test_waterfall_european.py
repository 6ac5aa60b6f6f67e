"""European (whole-fund) waterfalls against published and hand-worked examples.

Each scenario states where its numbers come from: figures printed by the source are
asserted as printed; figures the source does not print are derived by hand in the
docstring, step by step, and only then asserted — never copied from this code's output.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core.fund_math import (
    CashFlow,
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    PriorDistribution,
    Tier,
    Waterfall,
    WaterfallStyle,
    xirr,
)

D = Decimal


def terms(**changes: Any) -> FundTerms:
    base: dict[str, Any] = {
        "version": 1,
        "currency": "USD",
        "style": WaterfallStyle.EUROPEAN,
        "preferred_return": D("0.08"),
        "compounding": PrefCompounding.COMPOUND,
        "carried_interest": D("0.20"),
        "catch_up": D(1),
    }
    return FundTerms(**{**base, **changes})


def lp(lp_id: str, name: str, *contributions: tuple[date, str], **kw: Any) -> LpPosition:
    paid = tuple(Contribution(day, D(amount)) for day, amount in contributions)
    return LpPosition(lp_id, name, sum((c.amount for c in paid), D(0)), paid, **kw)


def test_tentt_calculator_default_scenario() -> None:
    """Tentt, "Waterfall Distribution Calculator" (trytentt.com/tools/waterfall-calculator),
    default scenario: $50,000,000 contributed, 8 % preferred return compounded over 5 years,
    100 % GP catch-up, 80/20 carried interest, $125,000,000 of proceeds.

    Printed (whole dollars): return of capital $50,000,000; preferred return $23,466,404;
    GP catch-up $5,866,601; split $36,533,596 LP / $9,133,399 GP; LP $110,000,000 (2.20x),
    GP $15,000,000 (20.0 % of profits).

    Derivation to the cent (five 365-day years = 1,825 days, so 2019-01-01 to 2023-12-31):
    pref = 50,000,000 x (1.08^5 - 1) = 50,000,000 x 0.4693280768 = 23,466,403.84;
    catch-up = pref x 20/80 = 5,866,600.96 (then the GP holds 20 % of all profit so far);
    rest = 125,000,000 - 50,000,000 - 23,466,403.84 - 5,866,600.96 = 45,666,995.20,
    split 80/20 = 36,533,596.16 / 9,133,399.04. GP total 15,000,000.00 = 20 % x 75,000,000.
    """
    start = date(2019, 1, 1)
    fund = [lp("acme", "Acme Pension", (start, "50000000.00"))]

    result = Waterfall(terms()).run(fund, amount=D("125000000.00"), on=start + timedelta(days=1825))

    acme = result.allocation("acme")
    assert acme.tier(Tier.RETURN_OF_CAPITAL) == D("50000000.00")
    assert acme.tier(Tier.PREFERRED_RETURN) == D("23466403.84")
    assert result.tier(Tier.CATCH_UP).to_gp == D("5866600.96")
    assert acme.tier(Tier.CARRIED_INTEREST) == D("36533596.16")
    assert result.tier(Tier.CARRIED_INTEREST).to_gp == D("9133399.04")
    assert acme.amount == D("110000000.00")
    assert result.gp_carry == D("15000000.00")
    printed = [
        acme.tier(Tier.PREFERRED_RETURN),
        result.tier(Tier.CATCH_UP).to_gp,
        acme.tier(Tier.CARRIED_INTEREST),
        result.tier(Tier.CARRIED_INTEREST).to_gp,
    ]
    assert [p.quantize(D(1)) for p in printed] == [
        D(23466404),
        D(5866601),
        D(36533596),
        D(9133399),
    ]


# EisnerAmper, "Using Waterfalls to Allocate an Investment's Distributable Proceeds: GP
# Catch-Ups with Examples" (22 Feb 2024), Example #1 assumptions: the LP contributes $1,000
# on January 1, the distributable proceeds are $2,000 on December 31, preferred return 8 %,
# no prior distributions. 2024 is a leap year, so Jan 1 to Dec 31 is exactly 365 days: one
# 365-day year, and simple and compound pref agree (80.00).
ONE_YEAR = [lp("acme", "Acme Pension", (date(2024, 1, 1), "1000.00"))]
YEAR_END = date(2024, 12, 31)


def test_eisneramper_example_one_with_full_catch_up() -> None:
    """Inputs from EisnerAmper Example #1 (above); figures derived by hand.

    ROC 1,000.00; pref 1,000 x 8 % = 80.00; full catch-up until the GP holds 20 % of
    profit: 80 x 20/80 = 20.00; the rest 2,000 - 1,100 = 900.00 split 720.00 / 180.00.
    LP 1,800.00; GP 200.00 = 20 % of the 1,000.00 profit.
    """
    for compounding in PrefCompounding:
        result = Waterfall(terms(compounding=compounding)).run(
            ONE_YEAR, amount=D("2000.00"), on=YEAR_END
        )
        acme = result.allocation("acme")
        assert [amount for _, amount in acme.by_tier] == [
            D("1000.00"),
            D("80.00"),
            D("0.00"),
            D("720.00"),
        ]
        assert result.gp_by_tier == (
            (Tier.CATCH_UP, D("20.00")),
            (Tier.CARRIED_INTEREST, D("180.00")),
        )


def test_eisneramper_example_one_with_a_50_percent_catch_up() -> None:
    """Same inputs; a 50 % catch-up (GP and LP share each catch-up dollar equally).

    Catch-up tier y solves GP = 20 % of profit: 0.5y = 0.2(80 + y), y = 16 / 0.3 = 53.333...,
    26.666... to each side. Rest 2,000 - 1,080 - 53.333... = 866.666..., split
    693.333... / 173.333.... GP = 26.666... + 173.333... = 200 exactly; LP 1,800 exactly.
    Cents by largest remainder: LP 1,000.00 + 80.00 + 26.66 + 693.33 = 1,799.99, and the
    last cent goes to the larger remainder (catch-up, .67 of a cent): 26.67. The GP's side
    likewise: 26.67 + 173.33. The catch-up tier therefore totals 53.34.
    """
    result = Waterfall(terms(catch_up=D("0.5"), compounding=PrefCompounding.SIMPLE)).run(
        ONE_YEAR, amount=D("2000.00"), on=YEAR_END
    )

    acme = result.allocation("acme")
    assert [amount for _, amount in acme.by_tier] == [
        D("1000.00"),
        D("80.00"),
        D("26.67"),
        D("693.33"),
    ]
    assert acme.amount == D("1800.00")
    assert result.gp_by_tier == ((Tier.CATCH_UP, D("26.67")), (Tier.CARRIED_INTEREST, D("173.33")))
    assert result.tier(Tier.CATCH_UP).total == D("53.34")


def test_eisneramper_example_one_with_an_80_percent_catch_up() -> None:
    """Same inputs; 80 % catch-up: 0.8y = 0.2(80 + y), y = 16 / 0.6 = 26.666...:
    GP 21.333..., LP 5.333.... Rest 2,000 - 1,080 - 26.666... = 893.333..., split
    714.666... / 178.666.... Cents: LP 5.33 + 714.67 (the split's .67 remainder wins),
    GP 21.33 + 178.67. Totals LP 1,800.00, GP 200.00.
    """
    result = Waterfall(terms(catch_up=D("0.8"))).run(ONE_YEAR, amount=D("2000.00"), on=YEAR_END)

    acme = result.allocation("acme")
    assert acme.tier(Tier.CATCH_UP) == D("5.33")
    assert acme.tier(Tier.CARRIED_INTEREST) == D("714.67")
    assert result.gp_by_tier == ((Tier.CATCH_UP, D("21.33")), (Tier.CARRIED_INTEREST, D("178.67")))


def test_eisneramper_example_one_without_catch_up() -> None:
    """Same inputs, a hard hurdle (no catch-up): after 1,000 + 80, the 920.00 left is split
    80/20: 736.00 / 184.00. LP 1,816.00; the GP gets 20 % of profit above the pref only.
    """
    result = Waterfall(terms(catch_up=None, compounding=PrefCompounding.SIMPLE)).run(
        ONE_YEAR, amount=D("2000.00"), on=YEAR_END
    )

    assert [t.tier for t in result.tiers] == [
        Tier.RETURN_OF_CAPITAL,
        Tier.PREFERRED_RETURN,
        Tier.CARRIED_INTEREST,
    ]
    assert result.allocation("acme").amount == D("1816.00")
    assert result.gp_carry == D("184.00")


def test_a_zero_catch_up_is_no_catch_up_to_the_cent() -> None:
    """The hard-hurdle example again, its LPA table writing the catch-up as 0 %: the same
    tiers, the same 1,816.00 / 184.00, the same words, as with no catch-up at all."""
    zero = terms(catch_up=D(0), compounding=PrefCompounding.SIMPLE)
    none = terms(catch_up=None, compounding=PrefCompounding.SIMPLE)

    assert zero == none
    assert not zero.has_catch_up
    assert zero.catch_up_phrase() == "no GP catch-up"
    assert zero.describe() == none.describe()
    assert terms(catch_up=D(1)).revise(catch_up=D("0.000")) == none.revise(
        compounding=PrefCompounding.COMPOUND
    )
    with_zero = Waterfall(zero).run(ONE_YEAR, amount=D("2000.00"), on=YEAR_END)
    with_none = Waterfall(none).run(ONE_YEAR, amount=D("2000.00"), on=YEAR_END)
    assert with_zero == with_none
    assert with_zero.explanation == with_none.explanation
    assert with_zero.allocation("acme").amount == D("1816.00")
    assert with_zero.gp_carry == D("184.00")


def test_a_prior_distribution_is_replayed_before_the_pref_accrues_again() -> None:
    """Hand-worked. $1,000,000 paid in on 2021-01-01; $400,000 distributed on 2022-01-01
    (all return of capital: pref then stood at 80,000 unpaid); $1,000,000 now, 2023-01-01.
    Both years have 365 days.

    Simple: pref = 80,000 + 600,000 x 8 % = 128,000. ROC 600,000; pref 128,000; catch-up
    128,000 x 20/80 = 32,000; rest 240,000 -> 192,000 / 48,000. GP 80,000 = 20 % of the
    400,000 lifetime profit (1,400,000 returned on 1,000,000).

    Compound: pref = (600,000 + 80,000) x 1.08 - 600,000 = 134,400 (pref earns pref).
    ROC 600,000; pref 134,400; catch-up 33,600; rest 232,000 -> 185,600 / 46,400; GP 80,000.
    """
    history = lp(
        "acme",
        "Acme Pension",
        (date(2021, 1, 1), "1000000.00"),
        distributions=(PriorDistribution(date(2022, 1, 1), D("400000.00")),),
    )
    on = date(2023, 1, 1)
    expected = {
        PrefCompounding.SIMPLE: ["600000.00", "128000.00", "0.00", "192000.00", "80000.00"],
        PrefCompounding.COMPOUND: ["600000.00", "134400.00", "0.00", "185600.00", "80000.00"],
    }
    for compounding, figures in expected.items():
        result = Waterfall(terms(compounding=compounding)).run(
            [history], amount=D("1000000.00"), on=on
        )
        tiers = [amount for _, amount in result.allocation("acme").by_tier]
        assert [*tiers, result.gp_carry] == [D(f) for f in figures]


def test_compound_pref_is_an_xirr_of_exactly_the_pref_rate() -> None:
    """The compound hurdle above, paid exactly (400,000 then 600,000 + 134,400), is an 8 %
    XIRR: -1,000,000 + 400,000 / 1.08 + 734,400 / 1.08^2 = 0.
    """
    paid = [
        CashFlow(date(2021, 1, 1), D("-1000000")),
        CashFlow(date(2022, 1, 1), D("400000")),
        CashFlow(date(2023, 1, 1), D("734400")),
    ]
    result = xirr(paid)
    assert result.rate is not None
    assert abs(result.rate - D("0.08")) < D("1e-25")


def test_explanation_reads_tier_by_tier_and_lp_by_lp() -> None:
    """$500,000 on 2024-03-01, $600,000 distributed 2025-03-01 (365 days): pref 40,000.00,
    catch-up 10,000.00, rest 50,000.00 split 40,000.00 / 10,000.00.
    """
    fund = [lp("acme", "Acme Pension", (date(2024, 3, 1), "500000.00"))]
    result = Waterfall(terms(version=3, label="LPA 2024")).run(
        fund, amount=D("600000.00"), on=date(2025, 3, 1)
    )

    assert result.terms_version == 3
    assert result.explanation[0] == (
        "Distribution of $600,000.00 on 2025-03-01 under terms v3 'LPA 2024': European "
        "(whole fund), 8 % preferred return compounded annually, 100 % GP catch-up, 80/20 "
        "carried interest split"
    )
    assert (
        "Tier 2, preferred return at 8 % compounded annually from 2024-03-01: "
        "$40,000.00 to LP Acme Pension"
    ) in result.explanation
    assert "Tier 3, GP catch-up at 100 %: $10,000.00 to the GP" in result.explanation
    assert "Tier 4, carried interest split 80/20: $40,000.00 to LP Acme Pension" in (
        result.explanation
    )
    assert result.explanation[-1] == (
        "LP Acme Pension: $580,000.00 of a $600,000.00 portion apportioned by contributed "
        "capital; $20,000.00 of it to the GP as catch-up and carried interest"
    )
