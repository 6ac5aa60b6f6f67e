"""Fund terms as an LPA states them: validated, versioned, described in words."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from core.fund_math import (
    Contribution,
    FundTerms,
    LpPosition,
    PrefCompounding,
    PriorDistribution,
    TermsError,
    Waterfall,
    WaterfallInputError,
    WaterfallStyle,
)
from core.fund_math.terms import Apportionment, as_percent

D = Decimal
STANDARD: dict[str, Any] = {
    "version": 1,
    "currency": "USD",
    "style": WaterfallStyle.EUROPEAN,
    "preferred_return": D("0.08"),
    "compounding": PrefCompounding.COMPOUND,
    "carried_interest": D("0.20"),
    "catch_up": D(1),
}


def make(**changes: Any) -> FundTerms:
    return FundTerms(**{**STANDARD, **changes})


def test_standard_terms_describe_themselves() -> None:
    assert make(label="Fund II LPA").describe() == (
        "terms v1 'Fund II LPA': European (whole fund), 8 % preferred return compounded "
        "annually, 100 % GP catch-up, 80/20 carried interest split"
    )
    assert make(
        style="american", compounding="simple", catch_up=D("0.5"), preferred_return=D("0.075")
    ).describe() == (
        "terms v1: American (deal by deal), 7.5 % preferred return simple, 50 % GP catch-up, "
        "80/20 carried interest split"
    )


def test_stored_strings_become_enums() -> None:
    terms = make(style="american", compounding="simple", apportionment="commitments")
    assert terms.style is WaterfallStyle.AMERICAN
    assert terms.compounding is PrefCompounding.SIMPLE
    assert terms.apportionment is Apportionment.COMMITMENTS


def test_an_amendment_is_the_next_version_and_leaves_the_old_one_alone() -> None:
    v1 = make()
    v2 = v1.revise(carried_interest=D("0.25"), catch_up=D("0.8"))
    assert (v1.version, v1.carried_interest) == (1, D("0.20"))
    assert (v2.version, v2.carried_interest, v2.split_phrase()) == (2, D("0.25"), "75/25")
    with pytest.raises(TermsError, match="numbers itself"):
        v1.revise(version=7)


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"version": 0}, "version"),
        ({"version": True}, "version"),
        ({"currency": "XXX"}, "currency"),
        ({"style": "asian"}, "style must be one of european, american"),
        ({"preferred_return": 0.08}, "the preferred return must be a finite Decimal"),
        ({"preferred_return": D("-0.01")}, "the preferred return must be between"),
        ({"carried_interest": D(1)}, "the carried interest must be between 0 and below 100 %"),
        ({"catch_up": D("0.2")}, "must exceed the carried interest"),
        ({"catch_up": D("1.5")}, "the catch-up must be between"),
        ({"carried_interest": D(0)}, "needs a carried interest"),
        ({"gp_name": ""}, "the GP's name"),
    ],
)
def test_inconsistent_terms_are_refused_by_rule(changes: dict[str, Any], rule: str) -> None:
    with pytest.raises(TermsError, match=rule):
        make(**changes)


def test_percentages_read_naturally() -> None:
    assert as_percent(D("0.08")) == "8 %"
    assert as_percent(D("0.075")) == "7.5 %"
    assert as_percent(D(1)) == "100 %"


ACME = LpPosition("acme", "Acme", D(100), (Contribution(date(2024, 1, 1), D("100.00")),))


@pytest.mark.parametrize(
    ("kwargs", "rule"),
    [
        ({"amount": 1.5}, "floating-point"),
        ({"amount": D("1.005")}, "at most 2 decimal places; 1.005 has 3"),
        ({"amount": D("-1.00")}, "cannot be negative"),
        ({"on": datetime(2025, 1, 1, 9)}, "must be a date"),
        ({"on": date(2023, 12, 31)}, "after the distribution date"),
        ({"positions": []}, "at least one"),
        ({"positions": [ACME, ACME]}, "listed twice"),
        ({"positions": [LpPosition("gp", "GP", D(0))]}, "carry recipient"),
    ],
)
def test_a_waterfall_refuses_bad_inputs_by_rule(kwargs: dict[str, Any], rule: str) -> None:
    args: dict[str, Any] = {"positions": [ACME], "amount": D("10.00"), "on": date(2025, 1, 1)}
    args.update(kwargs)
    with pytest.raises(WaterfallInputError, match=rule):
        Waterfall(make()).run(args.pop("positions"), **args)


def test_positions_refuse_floats_and_negative_amounts() -> None:
    with pytest.raises(WaterfallInputError, match="float"):
        Contribution(date(2024, 1, 1), 100.0)  # type: ignore[arg-type]
    with pytest.raises(WaterfallInputError, match="negative"):
        LpPosition("a", "A", D(-1))


def test_recorded_carry_cannot_exceed_the_profit_it_came_from() -> None:
    broken = LpPosition(
        "acme",
        "Acme",
        D(100),
        (Contribution(date(2024, 1, 1), D("100.00")),),
        (PriorDistribution(date(2024, 6, 1), D("50.00"), carry=D("10.00")),),
    )
    with pytest.raises(WaterfallInputError, match="carry"):
        Waterfall(make()).run([broken], amount=D("1.00"), on=date(2025, 1, 1))


def test_a_zero_distribution_allocates_zero_everywhere() -> None:
    result = Waterfall(make()).run([ACME], amount=D("0.00"), on=date(2025, 1, 1))
    assert result.total_allocated == 0
    assert all(t.total == 0 for t in result.tiers)
