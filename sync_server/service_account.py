"""The server's own member of each organization, and the ops it signs.

Enrolling a device over HTTP must end as a ``device.enroll`` op in the organization's log,
signed by an enrolled admin device, so that every replica learns the new key through the
same verified path as any other op. The server therefore holds one admin user per
organization (display name "Deal OS server") with one device, whose key is derived from
the server secret (:mod:`sync_server.server_keys`). It signs exactly two kinds of op:
``device.enroll`` for ``POST /v1/devices`` and ``device.revoke`` for
``DELETE /v1/devices/{id}``; everything else is signed by people's devices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from core.canonical_json import jcs
from core.domain.roles import Role
from core.ids import new_id
from core.ops.envelope import Envelope, UnsignedOp, utc_now_rfc3339
from core.ops.signing import DeviceKey
from core.reducers.apply import AppliedOp, apply_op
from core.store.projection import Projection
from core.sync.messages import ServiceAccountInfo
from sync_server.org_log import OrgLog
from sync_server.server_keys import ServerKeys

__all__ = [
    "SERVICE_DISPLAY_NAME",
    "ServiceAccount",
    "load_service_account",
    "orgs_of_another_key",
    "record_service_account",
    "service_email",
    "sign_and_apply",
]

SERVICE_DISPLAY_NAME = "Deal OS server"
SERVICE_DEVICE_NAME = "sync server"


def service_email(org_id: str) -> str:
    return f"sync-server+{org_id[:8]}@dealos.invalid"


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    org_id: str
    user_id: str
    device_id: str
    key: DeviceKey

    def describe(self) -> ServiceAccountInfo:
        """What an attaching client signs to admit the server (see bootstrap.attach_org)."""
        return ServiceAccountInfo(
            user_id=self.user_id,
            device_id=self.device_id,
            email=service_email(self.org_id),
            display_name=SERVICE_DISPLAY_NAME,
            roles=[Role.ADMIN],
            public_key=self.key.public_key,
            device_name=SERVICE_DEVICE_NAME,
        )


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def load_service_account(conn: Connection, keys: ServerKeys, org_id: str) -> ServiceAccount | None:
    cur = _cur(conn)
    cur.execute("SELECT user_id, device_id FROM service_accounts WHERE org_id = %s", (org_id,))
    row = cur.fetchone()
    if row is None:
        return None
    return ServiceAccount(org_id, row[0], row[1], keys.service_device(org_id))


def orgs_of_another_key(conn: Connection, keys: ServerKeys) -> list[str]:
    """The names of the organizations whose service device was enrolled with another
    server secret than ``keys``' (run as the owner, which reads every organization)."""
    cur = _cur(conn)
    cur.execute(
        "SELECT o.name, a.org_id, d.public_key FROM service_accounts a "
        "JOIN devices d ON d.org_id = a.org_id AND d.device_id = a.device_id "
        "JOIN organizations o ON o.org_id = a.org_id ORDER BY o.name"
    )
    return [
        str(name)
        for name, org_id, public_key in cur.fetchall()
        if keys.service_device(str(org_id)).public_key != public_key
    ]


def record_service_account(conn: Connection, keys: ServerKeys, org_id: str) -> ServiceAccount:
    """Choose the ids of the organization's service account and remember them."""
    account = ServiceAccount(org_id, new_id(), new_id(), keys.service_device(org_id))
    _cur(conn).execute(
        "INSERT INTO service_accounts (org_id, user_id, device_id) VALUES (%s, %s, %s)",
        (org_id, account.user_id, account.device_id),
    )
    return account


def sign_and_apply(
    projection: Projection,
    log: OrgLog,
    *,
    key: DeviceKey,
    device_id: str,
    actor_id: str,
    kind: str,
    entity_id: str,
    payload: dict[str, Any],
    base_version: int | None = None,
) -> tuple[Envelope, AppliedOp, int]:
    """Sign an op as ``device_id``, apply it through the one apply path, and log it.

    Raises ``OpRejected`` (nothing logged) if the reducers refuse it.
    """
    op = UnsignedOp(
        op_id=new_id(),
        org_id=log.org_id,
        device_id=device_id,
        device_seq=log.highest_device_seq(device_id) + 1,
        actor_id=actor_id,
        kind=kind,
        entity_id=entity_id,
        base_version=base_version,
        payload=payload,
        issued_at=utc_now_rfc3339(),
    )
    envelope = key.sign(op)
    applied = apply_op(projection, envelope, verify=True)
    seq = log.append_op(envelope, jcs(envelope.wire()))
    log.audit(
        "op.accepted",
        f"{applied.kind} → version {applied.version}",
        op_id=envelope.op_id,
        kind=kind,
        entity_id=entity_id,
        actor_id=actor_id,
        device_id=device_id,
    )
    return envelope, applied, seq
