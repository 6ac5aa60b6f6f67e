"""The deal terms a model is asked for, as the pydantic schema its structured answer must
match, and how each term maps to a field of the deal (core.domain.deal_fields).

The schema is sent as the request's ``response_format`` (a strict JSON schema), and the
answer is validated by the same model: an answer of any other shape is refused, never
half read. ``PROMPT_VERSION`` names the prompt and schema together; a cached answer is
kept per version, so changing either asks again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from core.domain.deal_fields import DEAL_FIELDS, FieldType

__all__ = [
    "DEAL_NAME",
    "PROMPT_VERSION",
    "SYSTEM_PROMPT",
    "TERM_FIELDS",
    "TERM_WORDS",
    "DealTerms",
    "ProposedTerm",
    "TermName",
    "field_value",
]

PROMPT_VERSION: Final = "terms-1"


class TermName(StrEnum):
    DEAL_NAME = "deal_name"
    SPONSOR = "sponsor"
    PROPERTY_TYPE = "property_type"
    ADDRESS = "address"
    CITY = "city"
    MARKET = "market"
    UNITS = "units"
    SQUARE_FEET = "square_feet"
    YEAR_BUILT = "year_built"
    ASKING_PRICE = "asking_price"
    NOI = "noi"
    CAP_RATE = "cap_rate"
    OCCUPANCY = "occupancy"
    EQUITY_REQUIRED = "equity_required"
    TARGET_IRR = "target_irr"
    DEBT_TERMS = "debt_terms"
    KEY_DATES = "key_dates"


DEAL_NAME: Final = TermName.DEAL_NAME
# The terms a deal field holds (the deal's name is the deal's own, not a field).
TERM_FIELDS: Final = {t: t.value for t in TermName if t.value in DEAL_FIELDS}
TERM_WORDS: Final = {
    **{t: DEAL_FIELDS[f].label for t, f in TERM_FIELDS.items()},
    TermName.DEAL_NAME: "Deal name",
}


class ProposedTerm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: TermName
    value: str = Field(description="the value as the document states it")
    page: int = Field(description="the 1-based page the quote is on")
    quote: str = Field(description="the exact words of the document the value is read from")


class DealTerms(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: list[ProposedTerm]


SYSTEM_PROMPT: Final = (
    "You read real-estate deal documents (offering memoranda, term sheets, rent rolls) "
    "for a private-markets fund manager. From the pages given, propose the deal's terms: "
    + ", ".join(t.value for t in TermName)
    + ". Give only terms the document states. For each, give the value, the page number "
    "it is on (the number in the '=== page N ===' line before it) and the exact words of "
    "the document it is read from, copied character for character. Amounts are in the "
    "deal's currency; percentages as numbers from 0 to 100."
)

_NUMBER: Final = re.compile(r"-?\d[\d,]*(\.\d+)?")
_SCALE: Final = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "mm": 1_000_000,
                 "million": 1_000_000, "b": 1_000_000_000, "billion": 1_000_000_000}  # fmt: skip


def field_value(term: TermName, value: str) -> str | None:
    """The value as its deal field stores it ("$12.5 million" → "12500000"), or None when
    no number can be read from it."""
    spec = DEAL_FIELDS[TERM_FIELDS[term]]
    if spec.type is FieldType.TEXT:
        return value.strip()
    match = _NUMBER.search(value)
    if match is None:
        return None
    number = Decimal(match.group(0).replace(",", ""))
    rest = value[match.end() :].strip().lower()
    word = re.match(r"[a-z]+", rest)
    if spec.type is FieldType.MONEY and word and word.group(0) in _SCALE:
        number *= _SCALE[word.group(0)]
    if spec.type is FieldType.INTEGER:
        return str(int(number)) if number == number.to_integral_value() else None
    text = format(number.normalize(), "f")
    return text
