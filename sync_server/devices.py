"""``POST /v1/devices`` and ``DELETE /v1/devices/{id}``: each becomes one op in the log.

Enrolling: a signed-in person (password session) registers a public key for themselves,
with the key's proof of possession (:func:`core.ops.signing.device_proof`: the key's
signature over the session's org and user), so nobody enrolls a key they do not hold, in
any organization; a refused proof writes nothing but an audit entry. The server's service
account signs the ``device.enroll`` op, so every replica learns the key from the log.

Revoking: the device's owner or an admin; the service account signs ``device.revoke``, the
device's sessions end, and its later ops are refused.

Both need this server's service key to be the one the organization enrolled: a server
started with another secret file than the one that created the organization (``dealos
server create-org`` run with another data folder, a restore without its secret file)
answers 503 ``server_key_mismatch`` saying so, instead of signing an op every replica
would refuse as ``invalid_signature``.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from core.domain.roles import Role
from core.errors import OpRejected
from core.ids import new_id
from core.ops.signing import verify_device_proof
from core.store.sql_projection import SqlProjection
from sync_server.api_errors import ApiError
from sync_server.database import tenant_tx
from sync_server.org_log import OrgLog
from sync_server.request_log import logger
from sync_server.server_keys import ServerKeys
from sync_server.service_account import ServiceAccount, load_service_account, sign_and_apply
from sync_server.sessions import Caller, bind_device, revoke_device_sessions, roles_of

__all__ = ["KEY_MISMATCH", "enroll_device", "revoke_device"]

KEY_MISMATCH = (
    "this server's key differs from the one that created the organization, so nothing it "
    "signs would verify: run it with the same DEALOS_SERVER_SECRET_FILE (the server.secret "
    "of the data folder the organization was created with)"
)


def _check_service_key(account: ServiceAccount, enrolled_public_key: str) -> None:
    if account.key.public_key != enrolled_public_key:
        logger().error(
            "service_key.mismatch",
            org_id=account.org_id,
            fix="start the server with the secret file the organization was created with",
        )
        raise ApiError(503, "server_key_mismatch", KEY_MISMATCH)


def enroll_device(
    engine: Engine,
    keys: ServerKeys,
    caller: Caller,
    *,
    public_key: str,
    name: str,
    proof: str,
) -> str:
    """Enroll a key for the caller; returns the new device id.

    ``proof`` must be ``public_key``'s own signature over the caller's org and user
    (:func:`core.ops.signing.device_proof`), else ``invalid_proof``: nothing is written but
    the refusal in the organization's audit log. This session's own enrollment sent again
    (its answer lost: the client retries, with the same proof) answers with the device it
    made; a key enrolled any other way is ``public_key_in_use``.
    """
    if caller.method != "password":
        raise ApiError(403, "forbidden", "devices are enrolled from a password session")
    # Checked before the organization's lock is taken: it needs nothing from the database.
    proven = verify_device_proof(public_key, caller.org_id, caller.user_id, proof)
    with tenant_tx(engine, caller.org_id) as conn:
        log = OrgLog(conn, caller.org_id, keys)
        if not log.lock():
            raise ApiError(401, "unauthorized", "the session's organization no longer exists")
        if proven:
            outcome = _enroll(
                conn, log, keys, caller, public_key=public_key, name=name, proof=proof
            )
        else:
            log.audit(
                "device.enroll.refused",
                "the proof is not the key's own signature over this organization and user",
                actor_id=caller.user_id,
                code="invalid_proof",
            )
            outcome = ApiError(
                422,
                "invalid_proof",
                "proof must be the enrolled key's own signature over this session's "
                "organization and user",
                field="proof",
            )
        log.flush()
    if isinstance(outcome, ApiError):
        raise outcome
    return outcome


def _enroll(
    conn: Connection,
    log: OrgLog,
    keys: ServerKeys,
    caller: Caller,
    *,
    public_key: str,
    name: str,
    proof: str,
) -> str | ApiError:
    """The device id enrolled (or enrolled before by this session), or the refusal to
    answer once the audit entry it left is committed."""
    again = _enrolled_by_this_session(conn, caller, public_key)
    if again is not None:
        return again
    projection = SqlProjection(conn, caller.org_id)
    account = load_service_account(conn, keys, caller.org_id)
    service_device = (
        projection.get("devices", {"device_id": account.device_id}) if account else None
    )
    if account is None or service_device is None or service_device["status"] != "active":
        raise ApiError(
            409,
            "service_account_pending",
            "this organization has not admitted the server's service account yet: push "
            "its user.invite and device.enroll ops (see POST /v1/orgs/attach)",
        )
    _check_service_key(account, str(service_device["public_key"]))
    device_id = new_id()
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cur.execute("SAVEPOINT enroll")
    try:
        sign_and_apply(
            projection,
            log,
            key=account.key,
            device_id=account.device_id,
            actor_id=account.user_id,
            kind="device.enroll",
            entity_id=device_id,
            payload={
                "user_id": caller.user_id,
                "public_key": public_key,
                "name": name,
                "proof": proof,
            },
        )
        bind_device(conn, caller.session_id, device_id)
    except OpRejected as exc:
        cur.execute("ROLLBACK TO SAVEPOINT enroll")
        log.audit(
            "device.enroll.refused",
            exc.message,
            actor_id=caller.user_id,
            code=exc.code,
        )
        if exc.field == "payload.public_key":
            return ApiError(409, "public_key_in_use", exc.message, field="public_key")
        return ApiError(422, exc.code, exc.message, field=exc.field)
    return device_id


def _enrolled_by_this_session(conn: Connection, caller: Caller, public_key: str) -> str | None:
    if caller.device_id is None:
        return None
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cur.execute(
        "SELECT device_id FROM devices WHERE org_id = %s AND device_id = %s "
        "AND user_id = %s AND public_key = %s AND status = 'active'",
        (caller.org_id, caller.device_id, caller.user_id, public_key),
    )
    row = cur.fetchone()
    return None if row is None else str(row[0])


def revoke_device(engine: Engine, keys: ServerKeys, caller: Caller, device_id: str) -> None:
    """Revoke ``device_id`` (the caller's own, or any as an admin); 404 otherwise."""
    refusal: ApiError | None = None
    with tenant_tx(engine, caller.org_id) as conn:
        log = OrgLog(conn, caller.org_id, keys)
        if not log.lock():
            raise ApiError(401, "unauthorized", "the session's organization no longer exists")
        projection = SqlProjection(conn, caller.org_id)
        account = load_service_account(conn, keys, caller.org_id)
        device = projection.get("devices", {"device_id": device_id})
        admin = Role.ADMIN.value in roles_of(conn, caller.user_id)
        mine = device is not None and device["user_id"] == caller.user_id
        if (
            device is None
            or not (mine or admin)
            or account is None
            or device_id == account.device_id
        ):
            # Another organization's device, someone else's, or one that never existed:
            # the same answer, and an audit entry.
            log.audit(
                "device.revoke.refused",
                "revocation of a device the caller may not see",
                entity_id=device_id,
                actor_id=caller.user_id,
                code="not_found",
            )
            refusal = ApiError(404, "not_found", "no such device", field="device_id")
        elif device["status"] == "active":
            service_device = projection.get("devices", {"device_id": account.device_id})
            _check_service_key(account, str(service_device["public_key"] if service_device else ""))
            entity = projection.get("entities", {"entity_id": device_id})
            assert entity is not None
            sign_and_apply(
                projection,
                log,
                key=account.key,
                device_id=account.device_id,
                actor_id=account.user_id,
                kind="device.revoke",
                entity_id=device_id,
                base_version=int(entity["version"]),
                payload={"reason": "revoked through the sync server"},
            )
            revoke_device_sessions(conn, device_id)
        log.flush()
    if refusal is not None:
        raise refusal
