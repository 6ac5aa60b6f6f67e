"""Field types shared by the envelope and every payload, each refusing with a clear rule.

Money travels as a decimal string; a JSON number where money is expected is refused by
strict typing before any of these validators run.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from core.ids import is_uuid
from core.money import CURRENCY_EXPONENTS

__all__ = [
    "AmountStr",
    "CurrencyCode",
    "DecimalStr",
    "EmailStr",
    "IsoDate",
    "LongText",
    "Sha256Hex",
    "ShortText",
    "Uuid",
    "Uuid7",
]


def _uuid(value: str) -> str:
    if not is_uuid(value):
        raise ValueError("must be a lowercase UUID such as 01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10")
    return value


def _uuid7(value: str) -> str:
    if not is_uuid(value, version=7):
        raise ValueError("must be a lowercase UUIDv7")
    return value


_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$")


def _decimal(value: str) -> str:
    if not _DECIMAL.match(value):
        raise ValueError('must be a decimal string such as "1250000.00" (no exponent)')
    try:
        Decimal(value)
    except InvalidOperation:
        raise ValueError("must be a decimal string") from None
    return value


def _amount(value: str) -> str:
    _decimal(value)
    if value.startswith("-"):
        raise ValueError("an amount cannot be negative")
    return value


def _currency(value: str) -> str:
    if value not in CURRENCY_EXPONENTS:
        raise ValueError("must be a supported ISO 4217 currency code such as USD")
    return value


def _date(value: str) -> str:
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date as YYYY-MM-DD") from None
    if parsed.isoformat() != value:
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


_PART = r"[^@\s\x00-\x1f\x7f]"  # no @, no space, no control character
_EMAIL = re.compile(rf"^{_PART}{{1,64}}@{_PART}{{1,255}}\.{_PART}{{1,63}}$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an email address such as name@example.com")
    return value.lower()


def _no_nul(value: str) -> str:
    # Postgres text cannot hold U+0000: such an op could never reach the server.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    return value


Uuid = Annotated[str, AfterValidator(_uuid)]
Uuid7 = Annotated[str, AfterValidator(_uuid7)]
DecimalStr = Annotated[str, AfterValidator(_decimal)]
AmountStr = Annotated[str, AfterValidator(_amount)]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
IsoDate = Annotated[str, AfterValidator(_date)]
EmailStr = Annotated[str, StringConstraints(max_length=320), AfterValidator(_email)]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
LongText = Annotated[str, StringConstraints(max_length=4000), AfterValidator(_no_nul)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Version = Annotated[int, Field(ge=0)]
