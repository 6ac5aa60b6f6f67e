"""How amounts, shares, dates and document ids read on an LP document.

Money is printed from the ``Decimal`` itself, grouped and at the currency's minor unit,
with a negative amount in accounting parentheses: ``($28,449.36)``. Nothing here rounds
money; a share of commitments is the only figure rounded (to 4 places of a percent),
because it is a description of the LP's weight, not an amount anyone is paid.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

from core.money import CURRENCY_EXPONENTS
from core.money import money_text as format_money

__all__ = [
    "document_id",
    "long_date",
    "money_text",
    "percent_text",
    "plain_money",
]

_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_PERCENT_QUANTUM: Final = Decimal("0.0001")


def money_text(amount: Decimal, currency: str) -> str:
    """``$1,250,000.00``; ``($28,449.36)`` when negative; ``CHF 1,250.00`` without a symbol."""
    return format_money(amount, currency, accounting=True)


def plain_money(amount: Decimal, currency: str) -> str:
    """``1250000.00``: the canonical decimal string of an export cell, never grouped."""
    places = CURRENCY_EXPONENTS[currency]
    return format(amount.quantize(Decimal(1).scaleb(-places)), "f")


def percent_text(fraction: Decimal) -> str:
    """``1.6207%`` for 0.016207…, rounded half to even at four places of a percent."""
    return f"{(fraction * 100).quantize(_PERCENT_QUANTUM, rounding=ROUND_HALF_EVEN)}%"


def long_date(day: dt.date) -> str:
    """``15 March 2024``: unambiguous on either side of the Atlantic.

    Not ``strftime("%B")``, which follows the process locale: the document is in English.
    """
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def document_id(kind: str, *parts: object) -> str:
    """A stable id for a document: the same ledger yields the same id, any change a new one.

    ``kind`` is a short prefix (``CCN`` call notice, ``DN`` distribution notice, ``CAS``
    capital account statement); the rest is a digest of the parts the document states.
    """
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest().upper()
    return f"{kind}-{digest[:4]}-{digest[4:8]}-{digest[8:12]}"
