"""Field types shared by the envelope and every payload, each refusing with a clear rule.

Money travels as a decimal string; a JSON number where money is expected is refused by
strict typing before any of these validators run.

Each type also carries its published JSON Schema (PROTOCOL "Conventions"): ids
``format: uuid`` with the lowercase pattern, dates ``format: date``, money a ``pattern``
for a decimal string, currencies an ``enum``. ``/v1/openapi.json`` is generated from the
payload models, so every field of every op gets its real shape from here, and the patterns
are the very ones the validators use.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from core.ids import is_uuid
from core.money import CURRENCY_EXPONENTS

__all__ = [
    "DATE_PATTERN",
    "MONEY",
    "PUBLIC_KEY_PATTERN",
    "UUID7_PATTERN",
    "UUID_PATTERN",
    "AmountStr",
    "CurrencyCode",
    "DecimalStr",
    "EmailStr",
    "IsoDate",
    "LongText",
    "MoneyAmount",
    "PublicKeyStr",
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
_AMOUNT_PATTERN = _DECIMAL.pattern.replace("^-?", "^", 1)


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


# The published shapes. A UUID is lowercase and canonical (what ``is_uuid`` accepts); a
# UUIDv7 also has the version nibble 7 and the RFC 4122 variant.
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UUID7_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# 32 bytes in base64url without padding: 43 characters, the last one's 2 spare bits zero.
PUBLIC_KEY_PATTERN = r"^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$"


class MoneyAmount:
    """Marks a field's type as money, so a payload's amounts are found by type: every one is
    checked against the payload's currency (:mod:`core.ops.amounts`), nested and in maps."""

    def __repr__(self) -> str:
        return "MONEY"


MONEY = MoneyAmount()


def _shape(**schema: object) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **schema})


Uuid = Annotated[
    str, AfterValidator(_uuid), _shape(format="uuid", pattern=UUID_PATTERN, description="lowercase")
]
Uuid7 = Annotated[
    str,
    AfterValidator(_uuid7),
    _shape(format="uuid", pattern=UUID7_PATTERN, description="lowercase UUIDv7"),
]
DecimalStr = Annotated[
    str,
    AfterValidator(_decimal),
    _shape(pattern=_DECIMAL.pattern, description='a decimal string such as "-1250.50"'),
]
AmountStr = Annotated[
    str,
    MONEY,
    AfterValidator(_amount),
    _shape(
        pattern=_AMOUNT_PATTERN,
        description='money: a decimal string such as "1250000.00", never more decimals than '
        "the currency's minor unit",
    ),
]
CurrencyCode = Annotated[
    str,
    AfterValidator(_currency),
    _shape(enum=sorted(CURRENCY_EXPONENTS), description="ISO 4217"),
]
IsoDate = Annotated[str, AfterValidator(_date), _shape(format="date", pattern=DATE_PATTERN)]
EmailStr = Annotated[
    str,
    StringConstraints(max_length=320),
    AfterValidator(_email),
    _shape(format="email", maxLength=320),
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
LongText = Annotated[str, StringConstraints(max_length=4000), AfterValidator(_no_nul)]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# Checked by the model that holds it (core.ops.signing.public_key_bytes); this is its shape.
PublicKeyStr = Annotated[
    str,
    _shape(pattern=PUBLIC_KEY_PATTERN, description="Ed25519 public key, base64url, no padding"),
]
Version = Annotated[int, Field(ge=0)]
