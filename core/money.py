"""Money: a ``Decimal`` amount with an ISO 4217 currency, and nothing else.

Every amount in Deal OS goes through :func:`Money.parse` or :class:`Money` itself, so a
float can never sneak in: the constructor refuses one outright rather than rounding it.
Amounts are quantized to the currency's minor unit on construction; a value with more
precision than the currency allows is an error, not a silent rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Final

__all__ = [
    "CURRENCY_EXPONENTS",
    "Money",
    "MoneyError",
    "figure_text",
    "minor_unit",
    "money_text",
    "parse_amount",
    "places_rule",
    "too_precise",
]

# ISO 4217 minor-unit exponents for the currencies a fund is likely to report in.
CURRENCY_EXPONENTS: Final[dict[str, int]] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "SGD": 2,
    "HKD": 2,
    "CNY": 2,
    "INR": 2,
    "BRL": 2,
    "MXN": 2,
    "ZAR": 2,
    "ILS": 2,
    "AED": 2,
    "SAR": 2,
    "PLN": 2,
    "CZK": 2,
    "JPY": 0,
    "KRW": 0,
    "CLP": 0,
    "ISK": 0,
    "KWD": 3,
    "BHD": 3,
    "OMR": 3,
}

MAX_AMOUNT: Final = Decimal("1e15")


class MoneyError(ValueError):
    """An amount or currency that cannot be money: names the rule it broke."""


_SYMBOLS: Final[dict[str, str]] = {"USD": "$", "EUR": "€", "GBP": "£"}


def figure_text(amount: Decimal, currency: str) -> str:
    """``1,250,000.00`` / ``1.125`` / ``1,250``: the digits of an amount to its currency's
    minor unit, for a column whose heading names the currency."""
    return f"{amount:,.{CURRENCY_EXPONENTS[currency]}f}"


def money_text(
    amount: Decimal, currency: str, *, symbol: bool = True, accounting: bool = False
) -> str:
    """An amount as a person reads it, to its currency's minor unit (``KWD 1.125``,
    ``JPY 1,250``): ``$1,250,000.00``, or ``CHF 1,250.00`` for a currency without a common
    symbol; ``symbol=False`` always writes the code (``USD 1,250,000.00``); ``accounting``
    puts a negative amount in parentheses (``($28,449.36)``). The one money format of the
    desktop, the reports and the fund-math explanations."""
    places = CURRENCY_EXPONENTS[currency]
    prefix = _SYMBOLS.get(currency, f"{currency} ") if symbol else f"{currency} "
    if accounting:
        text = f"{prefix}{abs(amount):,.{places}f}"
        return f"({text})" if amount < 0 else text
    return f"{prefix}{amount:,.{places}f}"


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency`` (``Decimal("0.01")`` for USD)."""
    try:
        exponent = CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}: use an ISO 4217 code") from None
    return Decimal(1).scaleb(-exponent)


def places_rule(currency: str) -> str:
    """``"USD amounts have at most 2 decimal places"``: the minor-unit rule in words."""
    places = CURRENCY_EXPONENTS[currency]
    if places == 0:
        return f"{currency} amounts are whole numbers, with no decimal places"
    return f"{currency} amounts have at most {places} decimal place{'s' if places > 1 else ''}"


def too_precise(value: Decimal, currency: str) -> str:
    """Why ``value`` is not an amount of ``currency``: the rule, then what it broke it by."""
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{places_rule(currency)}; {value} has {places}"


def parse_amount(raw: object, currency: str) -> Decimal:
    """Turn a decimal string (or ``Decimal``/``int``) into an amount exact to the minor unit."""
    if isinstance(raw, bool | float):
        raise MoneyError("money must be a decimal string, never a floating-point number")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        # Decimal() also reads non-ASCII digits ("١٢٣", "１２３"); money is ASCII only.
        if not text or text != raw or not text.isascii() or any(c in text for c in "eEnN_ "):
            raise MoneyError(f'{raw!r} is not a plain decimal string such as "1250000.00"')
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"{raw!r} is not a decimal number") from None
    else:
        raise MoneyError(f"money must be a decimal string, got {type(raw).__name__}")
    if not value.is_finite():
        raise MoneyError("money must be a finite number")
    unit = minor_unit(currency)
    quantized = value.quantize(unit, rounding=ROUND_DOWN)
    if quantized != value:
        raise MoneyError(too_precise(value, currency))
    if abs(quantized) >= MAX_AMOUNT:
        raise MoneyError(f"{raw} is beyond the largest amount Deal OS accepts")
    return quantized


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", parse_amount(self.amount, self.currency))

    @classmethod
    def parse(cls, raw: object, currency: str) -> Money:
        return cls(parse_amount(raw, currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def wire(self) -> str:
        """The decimal string that travels in JSON and is stored in SQLite."""
        return format(self.amount, "f")

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.{CURRENCY_EXPONENTS[self.currency]}f}"
