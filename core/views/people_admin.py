"""What an administrator reads to manage people: each user with roles and the version
the next role change is written against, each entitlement with what it lets its user
see, by name, and each device with whose it is."""

from __future__ import annotations

from dataclasses import dataclass

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.domain.roles import Role
from core.store.projection import Projection
from core.store.sql_projection import SqlProjection

__all__ = [
    "DeviceRecord",
    "EntitlementRecord",
    "UserRecord",
    "device_records",
    "entitlement_records",
    "scope_name",
    "user_record",
    "user_records",
]

_SCOPES = {"deal": ("deals", "deal_id"), "fund": ("funds", "fund_id"), "lp": ("lps", "lp_id")}


@dataclass(frozen=True, slots=True)
class UserRecord:
    user_id: str
    display_name: str
    email: str
    roles: frozenset[Role]
    active: bool
    version: int


@dataclass(frozen=True, slots=True)
class EntitlementRecord:
    """Which deal, fund or LP position a user may see; ``scope_name`` names it."""

    entitlement_id: str
    user_id: str
    user_name: str
    scope_type: str
    scope_id: str
    scope_name: str
    active: bool
    version: int


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A device enrolled to sign a user's ops; a revoked one's later ops are refused."""

    device_id: str
    user_id: str
    user_name: str
    name: str
    active: bool
    version: int


def _version(store: Projection, entity_id: str) -> int:
    row = store.get("entities", {"entity_id": entity_id})
    return 0 if row is None else int(row["version"])


def _users(store: Projection) -> list[UserRecord]:
    held: dict[str, set[Role]] = {}
    for m in store.rows("memberships", {}):
        held.setdefault(str(m["user_id"]), set()).add(Role(m["role"]))
    found = [
        UserRecord(
            u["user_id"],
            u["display_name"],
            u["email"],
            frozenset(held.get(u["user_id"], set())),
            bool(u["active"]),
            _version(store, u["user_id"]),
        )
        for u in store.rows("users", {})
    ]
    return sorted(found, key=lambda u: (u.display_name, u.user_id))


def user_records(ws: Workspace) -> list[UserRecord]:
    """Every user of the organization, by name."""
    with reading(ws) as conn:
        return _users(SqlProjection(conn, ws.org_id))


def user_record(ws: Workspace, user_id: str) -> UserRecord | None:
    """The user ``user_id``; None when the organization has no such user."""
    return next((u for u in user_records(ws) if u.user_id == user_id), None)


def entitlement_records(ws: Workspace) -> list[EntitlementRecord]:
    """Every entitlement, active ones first, then by user and scope."""
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        names = {u.user_id: u.display_name for u in _users(store)}
        found = []
        for e in store.rows("entitlements", {}):
            table, key = _SCOPES[e["scope_type"]]
            scope = store.get(table, {key: e["scope_id"]})
            found.append(
                EntitlementRecord(
                    e["entitlement_id"],
                    e["user_id"],
                    names.get(e["user_id"], str(e["user_id"])),
                    e["scope_type"],
                    e["scope_id"],
                    e["scope_id"] if scope is None else str(scope["name"]),
                    bool(e["active"]),
                    _version(store, e["entitlement_id"]),
                )
            )
    return sorted(
        found,
        key=lambda e: (not e.active, e.user_name, e.scope_type, e.scope_name, e.entitlement_id),
    )


def scope_name(ws: Workspace, scope_type: str, scope_id: str) -> str | None:
    """The name of the deal, fund or LP an entitlement would name; None if none such."""
    table, key = _SCOPES[scope_type]
    with reading(ws) as conn:
        row = SqlProjection(conn, ws.org_id).get(table, {key: scope_id})
    return None if row is None else str(row["name"])


def device_records(ws: Workspace) -> list[DeviceRecord]:
    """Every device, active ones first, then by user and device name."""
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        names = {u.user_id: u.display_name for u in _users(store)}
        found = [
            DeviceRecord(
                d["device_id"],
                d["user_id"],
                names.get(d["user_id"], str(d["user_id"])),
                d["name"],
                d["status"] == "active",
                _version(store, d["device_id"]),
            )
            for d in store.rows("devices", {})
        ]
    return sorted(found, key=lambda d: (not d.active, d.user_name, d.name, d.device_id))
