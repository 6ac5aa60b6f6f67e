"""Payloads of organization, user, role, device and entitlement operations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from core.domain.roles import Role
from core.ops.fields import (
    CurrencyCode,
    EmailStr,
    LongText,
    PublicKeyStr,
    ShortText,
    Uuid,
)
from core.ops.payloads.base import Payload
from core.ops.signing import public_key_bytes

__all__ = [
    "DeviceEnrollPayload",
    "DeviceRevokePayload",
    "EntitlementGrantPayload",
    "EntitlementRevokePayload",
    "OrgCreatePayload",
    "RoleGrantPayload",
    "RoleRevokePayload",
    "UserInvitePayload",
]

ProofStr = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{86}$", max_length=86)]
RoleName = Literal["gp", "gp_analyst", "admin", "counsel", "lender", "lp", "auditor", "regulator"]


class _PublicKey(Payload):
    public_key: PublicKeyStr

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        public_key_bytes(value)
        return value


class FounderDevice(_PublicKey):
    name: ShortText


class Founder(Payload):
    email: EmailStr
    display_name: ShortText


class OrgCreatePayload(Payload):
    """Genesis: the organization, its founder (GP and admin) and the founder's device."""

    name: ShortText
    base_currency: CurrencyCode
    founder: Founder
    device: FounderDevice


class UserInvitePayload(Payload):
    email: EmailStr
    display_name: ShortText
    roles: Annotated[list[RoleName], Field(min_length=1, max_length=8)]

    @field_validator("roles")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each role may be listed once")
        return value


class RoleGrantPayload(Payload):
    role: RoleName


class RoleRevokePayload(Payload):
    role: RoleName


class DeviceEnrollPayload(_PublicKey):
    user_id: Uuid
    name: ShortText
    # The enrolled key's own signature over the org, the user and the key
    # (core.ops.signing.device_proof): whoever enrolls a key holds it. Every replica checks
    # it when present; the server refuses a pushed enrollment without it (ops logged
    # before proofs existed replay without one).
    proof: ProofStr | None = None


class DeviceRevokePayload(Payload):
    reason: LongText = ""


class EntitlementGrantPayload(Payload):
    user_id: Uuid
    scope_type: Literal["deal", "fund", "lp"]
    scope_id: Uuid


class EntitlementRevokePayload(Payload):
    reason: LongText = ""


def role_of(name: str) -> Role:
    return Role(name)
