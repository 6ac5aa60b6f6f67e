"""New organizations on a server: created there, or attached from a desktop that started
offline.

``create_org`` (``dealos server create-org``): the server writes the first four ops
itself, signed by a bootstrap device key generated for the occasion and thrown away:
``org.create`` (the admin becomes GP and admin, founder of the org, with the bootstrap
device as the founder's device), ``user.invite`` of the service account,
``device.enroll`` of the service device, and ``device.revoke`` of the bootstrap device
(signed by the service device). The bootstrap seed is never stored; once revoked it
could sign nothing anyway. The admin then logs in and enrolls real devices.

``attach_org`` (``POST /v1/orgs/attach``): a GP who ran ``dealos init`` offline owns an
organization whose genesis op their device signed. The operator issues a one-time
attach code for the GP's email (``dealos server invite-org``); the client sends the code,
its genesis op and a password. The server applies the genesis through the one apply path
(same ids, same signature), stores it as ``server_seq`` 1, sets the password, and answers
with a session and the service account the client must admit by a ``user.invite`` and a
``device.enroll`` signed by its own device; it sends them after the rest of its history,
every device's ops, to ``POST /v1/orgs/attach/history`` (:mod:`sync_server.attach_history`).

The same attach sent again — same code (still within its time), byte-identical genesis,
the password it set, the founder and device still active — answers as the first did,
with a new session and nothing else changed: a client whose answer was lost (a dropped
connection, a retry after the server committed) would otherwise be told its code was
used, with the organization on the server and its laptop not attached.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from core.canonical_json import jcs
from core.errors import OpRejected
from core.ids import new_id
from core.ops.envelope import Envelope, parse_envelope
from core.ops.signing import DeviceKey, device_proof
from core.reducers.apply import apply_op
from core.store.sql_projection import SqlProjection
from core.sync.messages import ServiceAccountInfo
from sync_server.api_errors import ApiError
from sync_server.credentials import set_password
from sync_server.database import set_org
from sync_server.org_log import OrgLog
from sync_server.request_log import logger
from sync_server.server_keys import ServerKeys
from sync_server.service_account import (
    SERVICE_DEVICE_NAME,
    SERVICE_DISPLAY_NAME,
    ServiceAccount,
    load_service_account,
    record_service_account,
    service_email,
    sign_and_apply,
)
from sync_server.sessions import IssuedSession, create_session, hash_token

__all__ = ["AttachedOrg", "CreatedOrg", "attach_org", "create_org", "invite_org"]


@dataclass(frozen=True, slots=True)
class CreatedOrg:
    org_id: str
    admin_user_id: str
    service_user_id: str
    last_seq: int


@dataclass(frozen=True, slots=True)
class AttachedOrg:
    org_id: str
    user_id: str
    device_id: str
    session: IssuedSession
    roles: list[str]
    service_account: ServiceAccountInfo


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def create_org(
    engine: Engine,
    keys: ServerKeys,
    *,
    name: str,
    admin_email: str,
    admin_name: str,
    password_hash: str,
    currency: str = "USD",
) -> CreatedOrg:
    org_id, admin_id, boot_device = new_id(), new_id(), new_id()
    boot = DeviceKey.generate()
    with engine.begin() as conn:
        set_org(conn, org_id)
        log = OrgLog(conn, org_id, keys)
        log.create()
        projection = SqlProjection(conn, org_id)
        account = record_service_account(conn, keys, org_id)
        as_founder = functools.partial(
            sign_and_apply, projection, log, key=boot, device_id=boot_device, actor_id=admin_id
        )
        as_founder(
            kind="org.create",
            entity_id=org_id,
            payload={
                "name": name,
                "base_currency": currency,
                "founder": {"email": admin_email, "display_name": admin_name},
                "device": {"public_key": boot.public_key, "name": "server bootstrap (revoked)"},
            },
        )
        as_founder(
            kind="user.invite",
            entity_id=account.user_id,
            payload={
                "email": service_email(org_id),
                "display_name": SERVICE_DISPLAY_NAME,
                "roles": ["admin"],
            },
        )
        as_founder(
            kind="device.enroll",
            entity_id=account.device_id,
            payload={
                "user_id": account.user_id,
                "public_key": account.key.public_key,
                "name": SERVICE_DEVICE_NAME,
                "proof": device_proof(account.key, org_id, account.user_id),
            },
        )
        sign_and_apply(
            projection,
            log,
            key=account.key,
            device_id=account.device_id,
            actor_id=account.user_id,
            kind="device.revoke",
            entity_id=boot_device,
            base_version=1,
            payload={"reason": "bootstrap key discarded"},
        )
        set_password(conn, org_id, admin_id, password_hash)
        log.flush()
        return CreatedOrg(org_id, admin_id, account.user_id, log.last_seq)


def invite_org(engine: Engine, *, admin_email: str, ttl_seconds: int) -> str:
    """A one-time code letting ``admin_email`` attach an offline organization.

    The GP types it after ``dealos attach --code``, where a code starting with ``-`` (one
    ``token_urlsafe`` in 64) is taken for an option and refused; such a code is drawn again.
    Run as the owner (``dealos server invite-org``): the server's own role has no right on
    ``org_invitations`` and reaches a code only through the functions of migration 0007.
    """
    code = secrets.token_urlsafe(32)
    while code.startswith("-"):
        code = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        _cur(conn).execute(
            "INSERT INTO org_invitations (code_hash, email, created_at, expires_at) "
            "VALUES (%s, %s, %s, %s)",
            (hash_token(code), admin_email.lower(), now, now + dt.timedelta(seconds=ttl_seconds)),
        )
    return code


def attach_org(
    engine: Engine,
    keys: ServerKeys,
    *,
    code: str,
    genesis: Any,
    password_hash: str,
    password_matches: Callable[[str], bool],
    session_ttl: int,
) -> AttachedOrg:
    expired = ApiError(401, "invalid_or_expired_token", "the attach code is wrong, used or expired")
    try:
        envelope = parse_envelope(genesis)
    except OpRejected as exc:
        raise ApiError(422, exc.code, exc.message, field=f"genesis.{exc.field}") from None
    if envelope.kind != "org.create":
        raise ApiError(422, "invalid_payload", "the genesis op is org.create", field="genesis.kind")
    org_id = envelope.org_id
    founder = envelope.payload.get("founder")
    email = founder.get("email") if isinstance(founder, dict) else None
    try:
        with engine.begin() as conn:
            cur = _cur(conn)
            # The code is all there is before the organization exists: the function locks
            # its row and compares the address itself (the server's role cannot read it).
            cur.execute(
                "SELECT status, org_id FROM dealos_open_invitation(%s, %s)",
                (hash_token(code), email.lower() if isinstance(email, str) else ""),
            )
            row = cur.fetchone()
            if row is None:
                raise expired
            if row[0] == "used":
                again = _attach_again(conn, keys, envelope, row[1], password_matches, session_ttl)
                if again is None:
                    raise expired
                return again
            if row[0] != "open":
                raise ApiError(
                    403,
                    "forbidden",
                    "the genesis op's founder is not the address the code was issued to",
                    field="genesis.payload.founder.email",
                )
            set_org(conn, org_id)
            log = OrgLog(conn, org_id, keys)
            log.create()
            projection = SqlProjection(conn, org_id)
            try:
                apply_op(projection, envelope, verify=True)
            except OpRejected as exc:
                raise ApiError(422, exc.code, exc.message, field=f"genesis.{exc.field}") from None
            log.append_op(envelope, jcs(envelope.wire()))
            log.audit(
                "org.attached",
                "organization attached from its offline genesis",
                op_id=envelope.op_id,
                kind=envelope.kind,
                entity_id=org_id,
                actor_id=envelope.actor_id,
                device_id=envelope.device_id,
            )
            account = record_service_account(conn, keys, org_id)
            set_password(conn, org_id, envelope.actor_id, password_hash)
            attached = _signed_in(conn, envelope, ["admin", "gp"], account, session_ttl)
            cur.execute("SELECT dealos_spend_invitation(%s, %s)", (hash_token(code), org_id))
            if not cur.fetchone()[0]:
                raise expired
            log.flush()
    except (IntegrityError, UniqueViolation) as exc:
        orig = exc.orig if isinstance(exc, IntegrityError) else exc
        if isinstance(orig, UniqueViolation):
            raise ApiError(
                409,
                "org_exists",
                "that organization is already on this server; if this device's attach "
                "was interrupted, send it again with the code that made it",
            ) from None
        raise
    return attached


def _attach_again(
    conn: Connection,
    keys: ServerKeys,
    envelope: Envelope,
    attached_org_id: str | None,
    password_matches: Callable[[str], bool],
    session_ttl: int,
) -> AttachedOrg | None:
    """The attach this code already made (``attached_org_id``), asked again with the same
    genesis and password: a new session for it. None when it is anything else (answered
    like a wrong code)."""
    org_id, cur = envelope.org_id, _cur(conn)
    if attached_org_id != org_id:
        return None
    set_org(conn, org_id)
    cur.execute("SELECT envelope FROM op_log WHERE org_id = %s AND server_seq = 1", (org_id,))
    first = cur.fetchone()
    if first is None or bytes(first[0]) != jcs(envelope.wire()):
        return None
    cur.execute(
        "SELECT c.password_hash FROM credentials c JOIN users u "
        "ON u.org_id = c.org_id AND u.user_id = c.user_id "
        "JOIN devices d ON d.org_id = c.org_id AND d.user_id = c.user_id "
        "WHERE c.org_id = %s AND c.user_id = %s AND u.active "
        "AND d.device_id = %s AND d.status = 'active'",
        (org_id, envelope.actor_id, envelope.device_id),
    )
    stored = cur.fetchone()
    account = load_service_account(conn, keys, org_id)
    if stored is None or account is None or not password_matches(stored[0]):
        return None
    cur.execute(
        "SELECT role FROM memberships WHERE org_id = %s AND user_id = %s ORDER BY role",
        (org_id, envelope.actor_id),
    )
    roles = [r[0] for r in cur.fetchall()]  # as they are now: ops may have followed
    logger().info("org.attach_repeated", org_id=org_id, user_id=envelope.actor_id)
    return _signed_in(conn, envelope, roles, account, session_ttl)


def _signed_in(
    conn: Connection,
    genesis: Envelope,
    roles: list[str],
    account: ServiceAccount,
    session_ttl: int,
) -> AttachedOrg:
    """The founder's session on the genesis device, and what the attach answers."""
    session = create_session(
        conn,
        genesis.org_id,
        genesis.actor_id,
        method="password",
        ttl_seconds=session_ttl,
        device_id=genesis.device_id,
    )
    return AttachedOrg(
        org_id=genesis.org_id,
        user_id=genesis.actor_id,
        device_id=genesis.device_id,
        session=session,
        roles=roles,
        service_account=account.describe(),
    )
