"""The catalog of descriptive deal fields, each with its type and validation rule.

Descriptive fields merge per field (DESIGN §3 rule 4): the later op in server order wins
and both values stay in the op log. Each stored value carries its provenance — typed by
hand, extracted from a document (which one, which page), or extracted and then confirmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final

from core.ids import is_uuid

__all__ = ["DEAL_FIELDS", "DealField", "FieldType", "Provenance", "check_field_value"]


class FieldType(StrEnum):
    TEXT = "text"
    MONEY = "money"  # in the deal's currency
    PERCENT = "percent"  # 0–100, decimal string
    INTEGER = "integer"
    USER = "user"  # a user id of the organization


class Provenance(StrEnum):
    MANUAL = "manual"
    EXTRACTED = "extracted"
    CONFIRMED = "confirmed"


@dataclass(frozen=True, slots=True)
class DealField:
    name: str
    label: str
    type: FieldType


DEAL_FIELDS: Final[dict[str, DealField]] = {
    f.name: f
    for f in (
        DealField("sponsor", "Sponsor", FieldType.TEXT),
        DealField("property_type", "Property type", FieldType.TEXT),
        DealField("address", "Address", FieldType.TEXT),
        DealField("city", "City", FieldType.TEXT),
        DealField("market", "Market", FieldType.TEXT),
        DealField("owner_id", "Deal owner", FieldType.USER),
        DealField("asking_price", "Asking price", FieldType.MONEY),
        DealField("noi", "Net operating income", FieldType.MONEY),
        DealField("equity_required", "Equity required", FieldType.MONEY),
        DealField("cap_rate", "Cap rate %", FieldType.PERCENT),
        DealField("occupancy", "Occupancy %", FieldType.PERCENT),
        DealField("target_irr", "Target IRR %", FieldType.PERCENT),
        DealField("units", "Units", FieldType.INTEGER),
        DealField("square_feet", "Square feet", FieldType.INTEGER),
        DealField("year_built", "Year built", FieldType.INTEGER),
        DealField("debt_terms", "Debt terms", FieldType.TEXT),
        DealField("key_dates", "Key dates", FieldType.TEXT),
        DealField("notes", "Notes", FieldType.TEXT),
    )
}

_PLAIN_DECIMAL = re.compile(r"^-?\d{1,18}(\.\d{1,6})?$")


def check_field_value(field: DealField, value: str) -> str | None:
    """None when ``value`` is valid for ``field``, else the rule it breaks."""
    if field.type is FieldType.TEXT:
        return (
            None
            if 0 < len(value) <= (4000 if field.name == "notes" else 200)
            else ("must be 1–200 characters")
        )
    if field.type is FieldType.USER:
        return None if is_uuid(value) else "must be a user id"
    if field.type is FieldType.INTEGER:
        return None if re.fullmatch(r"\d{1,12}", value) else "must be a whole number"
    if not _PLAIN_DECIMAL.match(value):
        return 'must be a decimal string such as "1250000.00"'
    try:
        number = Decimal(value)
    except InvalidOperation:
        return "must be a decimal string"
    if field.type is FieldType.PERCENT and not (0 <= number <= 100):
        return "must be a percentage between 0 and 100"
    if field.type is FieldType.MONEY and number < 0:
        return "an amount cannot be negative"
    return None
