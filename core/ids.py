"""Identifiers: UUIDv7 for everything a client creates, so ids sort by creation time."""

from __future__ import annotations

import re
import uuid

import uuid6

__all__ = ["is_uuid", "new_id", "transferred_out_id"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_id() -> str:
    """A fresh lowercase UUIDv7 string."""
    return str(uuid6.uuid7())


def is_uuid(value: str, *, version: int | None = None) -> bool:
    """True for a lowercase canonical UUID string (of ``version``, when given)."""
    if len(value) != 36 or not _UUID.match(value):
        return False
    # What uuid.UUID(value).version answers, read off the canonical text: the version is
    # the 13th hex digit, and only the RFC 4122 variant (89ab) has one.
    return version is None or (value[19] in "89ab" and int(value[14], 16) == version)


# The transferor's side of a commitment transfer is a commitment row named from the
# transfer, so every replica gives it the same id.
_TRANSFERRED_OUT = uuid.UUID("8f3f0c1e-2a57-4d0b-9c61-5e8a4b7d2f13")


def transferred_out_id(transfer_id: str) -> str:
    """The id of the (negative) commitment row a transfer leaves with the transferor."""
    return str(uuid.uuid5(_TRANSFERRED_OUT, transfer_id))
