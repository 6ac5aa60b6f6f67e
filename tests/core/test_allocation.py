"""Pro-rata allocation by largest remainder: the parts always sum to the whole (DESIGN §5).

Harbor Point Fund I has LPs of every size — a pension with 50M, a family office with 3M,
a dentist with 250k — and a call or a distribution must split to the cent, the same way
on every replica, whatever order the LPs were loaded in.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.allocation import AllocationError, allocate_pro_rata
from core.money import minor_unit


def reference_allocation(
    amount: Decimal, weights: dict[str, Decimal], currency: str
) -> dict[str, Decimal]:
    """Hamilton's method written again, independently, in exact rational arithmetic."""
    unit = Fraction(minor_unit(currency))
    total = sum((Fraction(w) for w in weights.values()), Fraction(0))
    sign = -1 if amount < 0 else 1
    units = abs(Fraction(amount)) / unit
    assert units.denominator == 1
    exact = {lp: units * Fraction(w) / total for lp, w in weights.items()}
    counts = {lp: math.floor(share) for lp, share in exact.items()}
    left = int(units) - sum(counts.values())
    by_remainder = sorted(weights, key=lambda lp: (-(exact[lp] - counts[lp]), lp))
    for lp in by_remainder[:left]:
        counts[lp] += 1
    return {lp: Decimal(sign * n) * minor_unit(currency) for lp, n in counts.items()}


# -- worked examples -------------------------------------------------------------------


def test_a_call_on_three_lps_goes_to_the_cent_with_the_odd_cent_to_the_largest_remainder() -> None:
    weights = {
        "lp-a": Decimal("5000000.00"),
        "lp-b": Decimal("3000000.00"),
        "lp-c": Decimal("2000000.00"),
    }
    parts = allocate_pro_rata(Decimal("1000000.01"), weights, "USD")
    # Exact shares: 500000.005, 300000.003, 200000.002 -> floors leave one cent for lp-a.
    assert parts == {
        "lp-a": Decimal("500000.01"),
        "lp-b": Decimal("300000.00"),
        "lp-c": Decimal("200000.00"),
    }
    assert sum(parts.values()) == Decimal("1000000.01")


def test_equal_commitments_leave_the_odd_cents_to_the_smallest_lp_ids() -> None:
    # Inserted largest id first: the tie-break must not depend on dict order.
    weights = {lp: Decimal("100") for lp in ("lp-d", "lp-c", "lp-b", "lp-a")}
    parts = allocate_pro_rata(Decimal("0.02"), weights, "USD")
    assert parts == {
        "lp-a": Decimal("0.01"),
        "lp-b": Decimal("0.01"),
        "lp-c": Decimal("0.00"),
        "lp-d": Decimal("0.00"),
    }
    assert list(parts) == ["lp-d", "lp-c", "lp-b", "lp-a"]


def test_three_way_split_of_one_hundred_dollars() -> None:
    parts = allocate_pro_rata(
        Decimal("100.00"), {"x": Decimal(1), "y": Decimal(1), "z": Decimal(1)}, "USD"
    )
    assert parts == {"x": Decimal("33.34"), "y": Decimal("33.33"), "z": Decimal("33.33")}


def test_yen_has_no_minor_unit_and_dinars_have_three() -> None:
    yen = allocate_pro_rata(Decimal("1000"), {"a": Decimal(1), "b": Decimal(2)}, "JPY")
    assert yen == {"a": Decimal("333"), "b": Decimal("667")}
    dinar = allocate_pro_rata(Decimal("1.000"), {"a": Decimal(1), "b": Decimal(2)}, "KWD")
    assert dinar == {"a": Decimal("0.333"), "b": Decimal("0.667")}


def test_an_lp_with_zero_weight_gets_zero() -> None:
    parts = allocate_pro_rata(
        Decimal("10.00"), {"paid-up": Decimal(0), "open": Decimal("250000.00")}, "USD"
    )
    assert parts == {"paid-up": Decimal("0.00"), "open": Decimal("10.00")}


def test_nothing_to_allocate_over_nothing_is_all_zeros() -> None:
    assert allocate_pro_rata(Decimal("0.00"), {"a": Decimal(0)}, "USD") == {"a": Decimal("0.00")}
    assert allocate_pro_rata(Decimal("0.00"), {}, "USD") == {}


@pytest.mark.parametrize(
    ("amount", "weights", "rule"),
    [
        (Decimal("10.00"), {"a": Decimal(0), "b": Decimal(0)}, "every weight is zero"),
        (Decimal("10.00"), {}, "every weight is zero"),
        (Decimal("10.00"), {"a": Decimal(5), "b": Decimal(-1)}, "cannot be negative"),
        (Decimal("10.001"), {"a": Decimal(1)}, "minor units"),
    ],
)
def test_allocations_that_cannot_be_made_are_refused(
    amount: Decimal, weights: dict[str, Decimal], rule: str
) -> None:
    with pytest.raises(AllocationError, match=rule):
        allocate_pro_rata(amount, weights, "USD")


# -- properties ------------------------------------------------------------------------

CURRENCIES = st.sampled_from(["USD", "JPY", "KWD"])
LP_IDS = st.text(alphabet="0123456789abcdef-", min_size=1, max_size=8)
WEIGHT = st.one_of(
    st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("0.01"), places=6),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000000"), places=2),
    st.decimals(min_value=Decimal("1e9"), max_value=Decimal("1e15"), places=0),
    st.sampled_from([Decimal("0.000001"), Decimal("1"), Decimal("999999999999999.99")]),
)


@st.composite
def allocations(draw: st.DrawFn, *, signed: bool = True) -> tuple[Decimal, dict[str, Decimal], str]:
    currency = draw(CURRENCIES)
    exp = -minor_unit(currency).as_tuple().exponent  # type: ignore[operator]
    low = -(10**15) if signed else 0
    units = draw(st.one_of(st.integers(low, 10**15), st.integers(-3 if signed else 0, 50)))
    amount = Decimal(units).scaleb(-exp)
    if draw(st.booleans()):
        lps = draw(st.lists(LP_IDS, min_size=1, max_size=200, unique=True))
        weight = draw(WEIGHT)
        weights = dict.fromkeys(lps, weight)  # many LPs with the same commitment
    else:
        weights = draw(st.dictionaries(LP_IDS, WEIGHT, min_size=1, max_size=40))
    return amount, weights, currency


@settings(max_examples=300)
@given(case=allocations())
@example(case=(Decimal("0.07"), dict.fromkeys("abcdefghij", Decimal("3")), "USD"))
@example(case=(Decimal("-0.07"), {"a": Decimal("1"), "b": Decimal("1e15")}, "USD"))
def test_parts_sum_exactly_and_each_is_within_one_minor_unit_of_its_share(
    case: tuple[Decimal, dict[str, Decimal], str],
) -> None:
    amount, weights, currency = case
    parts = allocate_pro_rata(amount, weights, currency)
    unit = minor_unit(currency)
    assert set(parts) == set(weights)
    assert sum(parts.values(), Decimal(0)) == amount
    total = sum(Fraction(w) for w in weights.values())
    for lp, part in parts.items():
        exact = Fraction(amount) * Fraction(weights[lp]) / total
        assert abs(Fraction(part) - exact) < Fraction(unit), (lp, part, exact)
        assert part == part.quantize(unit)


@settings(max_examples=200)
@given(case=allocations(signed=False))
def test_no_part_is_negative_when_the_amount_is_not(
    case: tuple[Decimal, dict[str, Decimal], str],
) -> None:
    amount, weights, currency = case
    assert all(part >= 0 for part in allocate_pro_rata(amount, weights, currency).values())


@settings(max_examples=200)
@given(case=allocations(), order=st.randoms(use_true_random=False))
def test_the_split_is_deterministic_and_ignores_insertion_order(
    case: tuple[Decimal, dict[str, Decimal], str], order: object
) -> None:
    amount, weights, currency = case
    first = allocate_pro_rata(amount, weights, currency)
    assert allocate_pro_rata(amount, dict(weights), currency) == first
    items = list(weights.items())
    order.shuffle(items)  # type: ignore[attr-defined]
    assert allocate_pro_rata(amount, dict(items), currency) == first
    assert allocate_pro_rata(amount, dict(reversed(items)), currency) == first


@settings(max_examples=200)
@given(
    lps=st.lists(LP_IDS, min_size=2, max_size=60, unique=True),
    weight=WEIGHT,
    units=st.integers(0, 10_000),
)
def test_ties_go_to_the_smaller_lp_id_first(lps: list[str], weight: Decimal, units: int) -> None:
    amount = Decimal(units).scaleb(-2)
    parts = allocate_pro_rata(amount, dict.fromkeys(lps, weight), "USD")
    ordered = [parts[lp] for lp in sorted(lps)]
    each, extra = divmod(units, len(lps))
    cent = Decimal("0.01")
    assert ordered == [(each + 1) * cent] * extra + [each * cent] * (len(lps) - extra)


@settings(max_examples=300)
@given(case=allocations())
def test_matches_an_independent_rational_implementation(
    case: tuple[Decimal, dict[str, Decimal], str],
) -> None:
    amount, weights, currency = case
    assert allocate_pro_rata(amount, weights, currency) == reference_allocation(
        amount, weights, currency
    )
