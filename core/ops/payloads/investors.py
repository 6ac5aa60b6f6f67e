"""Payloads of LP (investor) and commitment operations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from core.ops.fields import AmountStr, CurrencyCode, EmailStr, IsoDate, ShortText, Uuid
from core.ops.payloads.base import Payload

__all__ = [
    "CommitmentCreatePayload",
    "CommitmentTransferPayload",
    "Contact",
    "LpCreatePayload",
    "LpUpdatePayload",
]


class Contact(Payload):
    contact_id: Uuid
    name: ShortText
    email: EmailStr
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ()-]{5,30}$")] | None = None
    title: ShortText | None = None


Contacts = Annotated[list[Contact], Field(max_length=50)]


def _distinct_contacts(value: list[Contact]) -> list[Contact]:
    ids = [c.contact_id for c in value]
    if len(set(ids)) != len(ids):
        raise ValueError("each contact_id may appear once")
    return value


class LpCreatePayload(Payload):
    name: ShortText
    lp_type: Literal["institution", "individual", "family_office", "fund_of_funds", "gp"]
    contacts: Contacts = Field(default_factory=list)

    _contacts = field_validator("contacts")(_distinct_contacts)


class LpUpdatePayload(Payload):
    """Replaces the name and/or the whole contact list (descriptive: merges per field)."""

    name: ShortText | None = None
    contacts: Contacts | None = None

    _contacts = field_validator("contacts")(lambda v: None if v is None else _distinct_contacts(v))


class CommitmentCreatePayload(Payload):
    fund_id: Uuid
    lp_id: Uuid
    amount: AmountStr
    currency: CurrencyCode
    committed_on: IsoDate


class CommitmentTransferPayload(Payload):
    """Part of one LP's unfunded commitment to a fund passes to another LP on a date.

    The op's entity is the commitment the transferee receives; the transferor's commitment
    falls by the same amount from the same day. Only unfunded commitment moves: what the
    transferor was called, paid and received stays in its own capital account.
    """

    fund_id: Uuid
    from_lp_id: Uuid
    to_lp_id: Uuid
    amount: AmountStr
    currency: CurrencyCode
    effective_date: IsoDate
    note: Annotated[str, Field(max_length=2000)] = ""
