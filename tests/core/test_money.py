"""Money: a Decimal with a currency, built only from exact inputs (DESIGN §5).

A fund reports in USD; one of its LPs is a Tokyo pension (JPY, no minor unit) and one a
Kuwaiti family office (KWD, three decimals). Whatever they type, no float, no exponent and
no hidden rounding ever becomes an amount.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import (
    MAX_AMOUNT,
    Money,
    MoneyError,
    figure_text,
    minor_unit,
    money_text,
    parse_amount,
)


def test_a_commitment_typed_as_a_decimal_string_is_exact() -> None:
    commitment = Money.parse("1250000.00", "USD")
    assert commitment.amount == Decimal("1250000.00")
    assert commitment.wire() == "1250000.00"
    assert str(commitment) == "USD 1,250,000.00"


def test_whole_amounts_are_quantized_to_the_minor_unit() -> None:
    assert Money.parse("1250000", "USD").wire() == "1250000.00"
    assert Money.parse(7, "KWD").wire() == "7.000"
    assert Money.parse("500000", "JPY").wire() == "500000"
    assert Money(Decimal("0.1"), "EUR").wire() == "0.10"


@pytest.mark.parametrize("raw", [0.1, 1.0, 1250000.0, float("nan"), float("inf")])
def test_floats_are_refused_outright(raw: float) -> None:
    with pytest.raises(MoneyError, match="never a floating-point"):
        Money.parse(raw, "USD")
    with pytest.raises(MoneyError, match="never a floating-point"):
        Money(raw, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [True, False, None, [1], {"amount": "1.00"}, b"1.00"])
def test_non_numbers_are_refused(raw: object) -> None:
    with pytest.raises(MoneyError):
        Money.parse(raw, "USD")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "1e5",
        "1E5",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "sNaN",
        " 1.00",
        "1.00 ",
        "1_000.00",
        "1,000.00",
        "abc",
        "0x10",
        "1.2.3",
        "--1",
        "1.00\n",
        "١٢٣",
        "１２３.４５",
    ],
)
def test_strings_that_are_not_plain_decimals_are_refused(raw: str) -> None:
    with pytest.raises(MoneyError):
        Money.parse(raw, "USD")


@pytest.mark.parametrize(
    ("raw", "currency"),
    [
        ("1.001", "USD"),
        ("0.005", "EUR"),
        ("1.5", "JPY"),
        ("100.0001", "KWD"),
        (Decimal("0.001"), "USD"),
        (Decimal("1.1"), "JPY"),
    ],
)
def test_more_precision_than_the_currency_allows_is_an_error_not_a_rounding(
    raw: object, currency: str
) -> None:
    with pytest.raises(MoneyError, match=rf"^{currency} amounts (have at most|are whole)"):
        Money.parse(raw, currency)


def test_trailing_zeros_within_the_minor_unit_are_fine() -> None:
    assert Money.parse("1.000", "KWD").amount == Decimal("1.000")
    assert Money.parse("1.0", "JPY").amount == Decimal("1")
    assert Money.parse("12.50000", "USD").amount == Decimal("12.50")


def test_amounts_beyond_a_quadrillion_are_refused() -> None:
    assert Money.parse("999999999999999.99", "USD").amount == MAX_AMOUNT - Decimal("0.01")
    with pytest.raises(MoneyError, match="largest amount"):
        Money.parse("1000000000000000", "USD")
    with pytest.raises(MoneyError, match="largest amount"):
        Money.parse("-1000000000000000.00", "USD")


@pytest.mark.parametrize("currency", ["XXX", "usd", "US", "", "DOLLARS"])
def test_unknown_currencies_are_refused(currency: str) -> None:
    with pytest.raises(MoneyError, match="unknown currency"):
        Money.parse("1.00", currency)


def test_minor_units_follow_iso_4217() -> None:
    assert minor_unit("USD") == Decimal("0.01")
    assert minor_unit("JPY") == Decimal("1")
    assert minor_unit("KWD") == Decimal("0.001")


def test_mixing_currencies_is_refused_in_every_operation() -> None:
    usd, eur = Money.parse("100.00", "USD"), Money.parse("100.00", "EUR")
    with pytest.raises(MoneyError, match="cannot combine USD with EUR"):
        _ = usd + eur
    with pytest.raises(MoneyError, match="cannot combine"):
        _ = usd - eur
    with pytest.raises(MoneyError, match="cannot combine"):
        _ = usd < eur
    with pytest.raises(MoneyError, match="cannot combine"):
        _ = usd <= eur


def test_arithmetic_is_exact_where_floats_are_not() -> None:
    # 0.1 + 0.2 != 0.3 in binary floating point; a capital account must not drift.
    total = Money.parse("0.10", "USD") + Money.parse("0.20", "USD")
    assert total == Money.parse("0.30", "USD")
    assert total.amount == Decimal("0.30")
    assert (Money.parse("5.00", "USD") - Money.parse("7.50", "USD")).amount == Decimal("-2.50")
    assert (-Money.parse("3.25", "USD")).amount == Decimal("-3.25")
    assert Money.parse("1.00", "USD") < Money.parse("1.01", "USD")
    assert Money.parse("1.00", "USD") <= Money.parse("1.00", "USD")
    assert Money.zero("JPY").wire() == "0"
    assert Money.parse("0.01", "USD").is_positive
    assert not Money.zero("USD").is_positive


def test_money_is_immutable() -> None:
    m = Money.parse("1.00", "USD")
    with pytest.raises(AttributeError):
        m.amount = Decimal("2.00")  # type: ignore[misc]


@given(cents=st.integers(min_value=-(10**17) + 1, max_value=10**17 - 1))
def test_every_amount_round_trips_through_its_wire_form(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    money = Money.parse(format(amount, "f"), "USD")
    assert money.amount == amount
    assert Money.parse(money.wire(), "USD") == money
    assert parse_amount(money.wire(), "USD") == amount


@given(text=st.text(alphabet="0123456789.-+eE _,\n١２", max_size=12) | st.text(max_size=8))
def test_arbitrary_text_is_money_only_when_it_is_a_plain_decimal(text: str) -> None:
    try:
        value = parse_amount(text, "USD")
    except MoneyError:
        return
    assert text == text.strip()
    assert text.isascii()
    assert "e" not in text.lower()
    assert value == Decimal(text)
    assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("amount", "currency", "text", "coded", "figure"),
    [
        ("1250000", "USD", "$1,250,000.00", "USD 1,250,000.00", "1,250,000.00"),
        ("1.125", "KWD", "KWD 1.125", "KWD 1.125", "1.125"),
        ("1250", "JPY", "JPY 1,250", "JPY 1,250", "1,250"),
        ("-28449.36", "USD", "$-28,449.36", "USD -28,449.36", "-28,449.36"),
    ],
)
def test_one_money_format_to_each_currencys_minor_unit(
    amount: str, currency: str, text: str, coded: str, figure: str
) -> None:
    """1.125 KWD reads "KWD 1.125" everywhere, never "KWD 1.12" (the desktop once kept a
    table of its own); the accounting form puts a negative amount in parentheses."""
    value = Decimal(amount)
    assert money_text(value, currency) == text
    assert money_text(value, currency, symbol=False) == coded
    assert figure_text(value, currency) == figure
    assert money_text(Decimal("-28449.36"), "USD", accounting=True) == "($28,449.36)"
