"""Reducers for the organization, its users, roles, devices and entitlements."""

from __future__ import annotations

from core.domain.roles import EXTERNAL_ROLES, Role
from core.ops.payloads import access as p
from core.ops.signing import verify_device_proof
from core.reducers.context import OpContext, reducer

_SCOPE_TABLES = {"deal": ("deals", "deal_id"), "fund": ("funds", "fund_id"), "lp": ("lps", "lp_id")}

__all__ = [
    "device_enroll",
    "device_revoke",
    "entitlement_grant",
    "entitlement_revoke",
    "org_create",
    "role_grant",
    "role_revoke",
    "user_invite",
]


@reducer("org.create")
def org_create(ctx: OpContext, payload: p.OrgCreatePayload) -> None:
    op, store = ctx.op, ctx.store
    store.insert("organizations", {"name": payload.name, "base_currency": payload.base_currency})
    store.insert(
        "users",
        {
            "user_id": op.actor_id,
            "email": payload.founder.email,
            "display_name": payload.founder.display_name,
            "active": True,
        },
    )
    for role in (Role.GP, Role.ADMIN):
        store.insert("memberships", {"user_id": op.actor_id, "role": role.value})
    store.insert(
        "devices",
        {
            "device_id": op.device_id,
            "user_id": op.actor_id,
            "public_key": payload.device.public_key,
            "name": payload.device.name,
            "status": "active",
        },
    )
    ctx.create_entity(op.actor_id, "user")
    ctx.create_entity(op.device_id, "device")


@reducer("user.invite")
def user_invite(ctx: OpContext, payload: p.UserInvitePayload) -> None:
    if ctx.store.rows("users", {"email": payload.email}):
        ctx.reject(
            "invariant_violation",
            f"{payload.email} is already a user of the organization",
            field="payload.email",
        )
    ctx.store.insert(
        "users",
        {
            "user_id": ctx.op.entity_id,
            "email": payload.email,
            "display_name": payload.display_name,
            "active": True,
        },
    )
    for role in payload.roles:
        ctx.store.insert("memberships", {"user_id": ctx.op.entity_id, "role": role})


def _user_roles(ctx: OpContext, user_id: str) -> set[str]:
    return {r["role"] for r in ctx.store.rows("memberships", {"user_id": user_id})}


@reducer("role.grant")
def role_grant(ctx: OpContext, payload: p.RoleGrantPayload) -> None:
    user_id = ctx.op.entity_id
    if payload.role in _user_roles(ctx, user_id):
        ctx.reject(
            "invariant_violation", f"the user already holds {payload.role}", field="payload.role"
        )
    ctx.store.insert("memberships", {"user_id": user_id, "role": payload.role})


@reducer("role.revoke")
def role_revoke(ctx: OpContext, payload: p.RoleRevokePayload) -> None:
    user_id = ctx.op.entity_id
    if payload.role not in _user_roles(ctx, user_id):
        ctx.reject(
            "invariant_violation", f"the user does not hold {payload.role}", field="payload.role"
        )
    if payload.role == Role.ADMIN.value:
        admins = ctx.store.rows("memberships", {"role": Role.ADMIN.value})
        if len(admins) == 1:
            ctx.reject(
                "invariant_violation",
                "the organization must keep at least one admin",
                field="payload.role",
            )
    ctx.store.delete("memberships", {"user_id": user_id, "role": payload.role})


@reducer("device.enroll")
def device_enroll(ctx: OpContext, payload: p.DeviceEnrollPayload) -> None:
    user = ctx.must_get("users", "user", "user_id", payload.user_id, "payload.user_id")
    if not user["active"]:
        ctx.reject("invariant_violation", "the user is not active", field="payload.user_id")
    if payload.proof is not None and not verify_device_proof(
        payload.public_key, ctx.op.org_id, payload.user_id, payload.proof
    ):
        ctx.reject(
            "invalid_payload",
            "the proof is not this key's signature over the organization and the user",
            field="payload.proof",
        )
    if ctx.store.rows("devices", {"public_key": payload.public_key}):
        ctx.reject(
            "invariant_violation", "that public key is already enrolled", field="payload.public_key"
        )
    ctx.store.insert(
        "devices",
        {
            "device_id": ctx.op.entity_id,
            "user_id": payload.user_id,
            "public_key": payload.public_key,
            "name": payload.name,
            "status": "active",
        },
    )


@reducer("device.revoke")
def device_revoke(ctx: OpContext, payload: p.DeviceRevokePayload) -> None:
    device = ctx.store.get("devices", {"device_id": ctx.op.entity_id})
    if device is None or device["status"] != "active":
        ctx.reject("invariant_violation", "the device is already revoked", field="entity_id")
    ctx.store.update("devices", {"device_id": ctx.op.entity_id}, {"status": "revoked"})


@reducer("entitlement.grant")
def entitlement_grant(ctx: OpContext, payload: p.EntitlementGrantPayload) -> None:
    ctx.must_get("users", "user", "user_id", payload.user_id, "payload.user_id")
    roles = _user_roles(ctx, payload.user_id)
    if not roles & {r.value for r in EXTERNAL_ROLES}:
        ctx.reject(
            "invariant_violation",
            "entitlements are for counsel, lenders and LPs; staff read the whole organization",
            field="payload.user_id",
        )
    if payload.scope_type == "lp" and Role.LP.value not in roles:
        ctx.reject(
            "invariant_violation",
            "only an LP user is entitled to an LP position",
            field="payload.scope_type",
        )
    table, key = _SCOPE_TABLES[payload.scope_type]
    ctx.must_get(table, payload.scope_type, key, payload.scope_id, "payload.scope_id")
    existing = ctx.store.rows(
        "entitlements",
        {
            "user_id": payload.user_id,
            "scope_type": payload.scope_type,
            "scope_id": payload.scope_id,
            "active": True,
        },
    )
    if existing:
        ctx.reject(
            "invariant_violation",
            "the user already holds that entitlement",
            field="payload.scope_id",
        )
    ctx.store.insert(
        "entitlements",
        {
            "entitlement_id": ctx.op.entity_id,
            "user_id": payload.user_id,
            "scope_type": payload.scope_type,
            "scope_id": payload.scope_id,
            "active": True,
        },
    )


@reducer("entitlement.revoke")
def entitlement_revoke(ctx: OpContext, payload: p.EntitlementRevokePayload) -> None:
    row = ctx.store.get("entitlements", {"entitlement_id": ctx.op.entity_id})
    if row is None or not row["active"]:
        ctx.reject("invariant_violation", "the entitlement is already revoked", field="entity_id")
    ctx.store.update("entitlements", {"entitlement_id": ctx.op.entity_id}, {"active": False})
