"""``POST /v1/sync/push``: judge each op in request order, apply the accepted ones.

Per op (DESIGN §3, PROTOCOL.md), the first failing check decides: the envelope parses
(``unknown_field`` / ``invalid_payload``) → the actor is the session's user
(``actor_mismatch``) → the op is for the session's organization (``org_mismatch``,
audited as a cross-organization attempt) → idempotency (same ``op_id`` and bytes:
``duplicate`` with the original ``server_seq``; other bytes: ``idempotency_conflict``) →
``device_seq`` above the device's highest (``device_seq_reused``) → everything else in
:func:`core.reducers.apply.apply_op` (device, signature, role, version, the kind's rules),
inside a SAVEPOINT so a refused op leaves no trace but its audit entry.

The whole push is one transaction holding the organization's lock: accepted ops get
consecutive ``server_seq`` values and are written with their projection changes and audit
entries, all or nothing, so a crash (even SIGKILL) mid-push leaves no half-applied op.
Two things overlap the judging loop: the device's signatures are checked in a helper
process (:mod:`core.ops.verify_process`), and rows are sent every ``WRITE_EVERY`` ops
on a pipelined connection, so Postgres writes them meanwhile. A push alone in this process
for its organization hands its signatures to the helper before the lock and the reads
ahead, with the key the device had at its last push here, so the first answers are ready
when judging starts.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from core.errors import OpRejected
from core.ids import is_uuid
from core.ops.batch_verify import Prechecked, precheck_signatures
from core.ops.envelope import Envelope, parse_envelope
from core.ops.verify_process import Verifiers
from core.reducers.apply import apply_op
from core.sync.messages import AcceptedOp, ErrorDetail, PushResult, RejectedOp
from sync_server.api_errors import ApiError
from sync_server.database import tenant_tx
from sync_server.notifications.invitations import invited_users, queue_invitations
from sync_server.notifications.outbox import issued_notices, queue_notices
from sync_server.org_log import OrgLog
from sync_server.server_keys import ServerKeys
from sync_server.sessions import (
    Caller,
    bind_device,
    revoke_device_sessions,
    revoke_user_sessions,
)
from sync_server.staged_projection import StagedProjection

__all__ = [
    "WRITE_EVERY",
    "Judge",
    "Parsed",
    "PushOutcome",
    "apply_accepted",
    "parse_op",
    "prefetch",
    "push",
]

# Rows are sent every this many ops, pipelined: Postgres writes them while the next ops
# are judged instead of all at the end (50 measured a few per cent slower; 100 to 250 alike
# within the noise, docs/PERFORMANCE.md).
WRITE_EVERY = 100
_IN_LINE = Verifiers(0)  # push(…, verifiers=None): every signature checked in line
Parsed = Envelope | tuple[OpRejected, str | None]  # an envelope, or why it has none


@dataclass
class PushOutcome:
    results: list[PushResult] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # status or rejection code


def push(
    engine: Engine,
    keys: ServerKeys,
    caller: Caller,
    device_id: str,
    ops: list[Any],
    verifiers: Verifiers | None = None,
) -> PushOutcome:
    """Judge and apply ``ops`` pushed by ``caller`` from ``device_id``; ``verifiers``, if
    given, check the device's signatures in other processes while the ops are judged."""
    refusal: ApiError | None = None
    outcome = PushOutcome()
    parsed = [parse_op(raw) for raw in ops]  # before the lock: it needs nothing stored
    envelopes = [e for e in parsed if isinstance(e, Envelope)]
    helpers = verifiers or _IN_LINE
    with contextlib.ExitStack() as checking:
        # Alone in this process for its organization: no push here holds the lock ahead
        # of it, so the helper is not left waiting while another push checks in line.
        alone = checking.enter_context(_first_in_flight(caller.org_id))
        hint = _KEY_HINTS.get((caller.org_id, device_id)) if alone else None
        conn = checking.enter_context(tenant_tx(engine, caller.org_id))
        early = (
            checking.enter_context(precheck_signatures(envelopes, {device_id: hint}, helpers))
            if hint is not None
            else None
        )
        log = OrgLog(conn, caller.org_id, keys)
        projection = StagedProjection(conn, caller.org_id)
        dbapi: Any = conn.connection.dbapi_connection
        with dbapi.pipeline():  # the lock and every read ahead in one round trip
            locked = log.lock_send()
            fetched = prefetch(projection, log, parsed, caller, device_id)
            if not locked():
                raise ApiError(401, "unauthorized", "the session's organization no longer exists")
            for take in fetched:
                take()
        device = projection.get("devices", {"device_id": device_id})
        if device is None or device["user_id"] != caller.user_id:
            log.audit(
                "push.refused",
                "push from a device that is not one of the user's enrolled devices",
                actor_id=caller.user_id,
                code="unknown_device",
            )
            refusal = ApiError(
                404, "unknown_device", "no such device is enrolled for you", field="device_id"
            )
        elif device["status"] != "active":
            log.audit(
                "push.refused",
                "push from a revoked device",
                actor_id=caller.user_id,
                device_id=device_id,
                code="device_revoked",
            )
            refusal = ApiError(
                403, "device_revoked", "this device has been revoked", field="device_id"
            )
        else:
            if caller.device_id is None:
                bind_device(conn, caller.session_id, device_id)
            judge = Judge(conn, projection, log, caller)
            key = device["public_key"]
            _remember_key(caller.org_id, device_id, key)
            prechecked = (
                early
                if early is not None and hint == key
                else checking.enter_context(
                    precheck_signatures(envelopes, {device_id: key}, helpers)
                )
            )
            with dbapi.pipeline():
                for i, item in enumerate(parsed, 1):
                    result = judge.judge(item, prechecked)
                    outcome.results.append(result)
                    code = result.error.code if isinstance(result, RejectedOp) else result.status
                    outcome.counts[code] += 1
                    if i % WRITE_EVERY == 0:
                        projection.write()
                        log.write()
                projection.flush()
                log.flush()
                queue_notices(conn, caller.org_id, issued_notices(parsed, outcome.results))
                queue_invitations(conn, caller.org_id, invited_users(parsed, outcome.results))
        if refusal is not None:
            log.flush()
    if refusal is not None:
        raise refusal
    return outcome


# The key each device had at its last push to this process: its next push's signatures
# are handed to the helper with it before the organization's lock is taken. Only a hint —
# apply_op trusts a precheck only for the key the device holds when the op is judged.
_KEY_HINTS: dict[tuple[str, str], str] = {}
_MAX_HINTS = 10_000
_IN_FLIGHT: Counter[str] = Counter()  # pushes under way in this process, by organization
_IN_FLIGHT_LOCK = threading.Lock()


@contextlib.contextmanager
def _first_in_flight(org_id: str) -> Iterator[bool]:
    """Count a push of ``org_id`` under way; True if no other was."""
    with _IN_FLIGHT_LOCK:
        alone = not _IN_FLIGHT[org_id]
        _IN_FLIGHT[org_id] += 1
    try:
        yield alone
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT[org_id] -= 1
            if not _IN_FLIGHT[org_id]:
                del _IN_FLIGHT[org_id]


def _remember_key(org_id: str, device_id: str, key: str) -> None:
    if len(_KEY_HINTS) >= _MAX_HINTS:
        _KEY_HINTS.clear()
    _KEY_HINTS[(org_id, device_id)] = key


def prefetch(
    projection: StagedProjection,
    log: OrgLog,
    parsed: list[Parsed],
    caller: Caller,
    device_id: str | None,
) -> list[Callable[[], None]]:
    """Send one query per table for what these ops (pushed from ``device_id``, if one) are
    about to look up; returns what takes the answers."""
    envelopes = [e for e in parsed if isinstance(e, Envelope)]
    ids, contacts = {e.entity_id for e in envelopes}, set()
    for e in envelopes:
        # The payload is not validated yet: take only what has the shape of an id.
        ids.update(v for v in e.payload.values() if isinstance(v, str) and is_uuid(v))
        listed = e.payload.get("contacts")
        for c in listed if isinstance(listed, list) else ():
            contact_id = c.get("contact_id") if isinstance(c, dict) else None
            if isinstance(contact_id, str) and is_uuid(contact_id):
                contacts.add(contact_id)
    devices = sorted({*((device_id,) if device_id else ()), *(e.device_id for e in envelopes)})
    users = {caller.user_id, *(e.actor_id for e in envelopes)}
    send = projection.prefetch_send
    return [
        log.prefetch_send([e.op_id for e in envelopes], devices),
        send("devices", "device_id", devices),
        send("users", "user_id", users),
        send("memberships", "user_id", users),
        send("entities", "entity_id", ids),
        send("deals", "deal_id", ids),
        send("deal_fields", "deal_id", ids),
        send("lps", "lp_id", ids),
        send("lp_contacts", "contact_id", contacts),
    ]


def parse_op(raw: Any) -> Parsed:
    """The op's envelope, or why it has none (with the op_id it claims, if usable)."""
    try:
        return parse_envelope(raw)
    except OpRejected as exc:
        op_id = raw.get("op_id") if isinstance(raw, dict) else None
        return exc, op_id if isinstance(op_id, str) and len(op_id) <= 64 else None


def apply_accepted(conn: Connection, envelope: Envelope) -> None:
    """What the server itself does once an op is accepted: end sessions it invalidates."""
    if envelope.kind in ("role.grant", "role.revoke"):
        revoke_user_sessions(conn, envelope.entity_id)
    elif envelope.kind == "device.revoke":
        revoke_device_sessions(conn, envelope.entity_id)


class Judge:
    """Judges ops one by one for ``caller``, applying the accepted ones to ``projection``
    and ``log``. With ``relay`` (an attaching organization's history, sent by its founder:
    :mod:`sync_server.attach_history`) an op may be any enrolled device's; every other
    check is the same, the signature by its device's key as enrolled at that point."""

    def __init__(
        self,
        conn: Connection,
        projection: StagedProjection,
        log: OrgLog,
        caller: Caller,
        *,
        relay: bool = False,
    ) -> None:
        self._conn = conn
        self._projection = projection
        self._log = log
        self._caller = caller
        self._relay = relay

    def judge(self, item: Parsed, prechecked: Prechecked) -> PushResult:
        if not isinstance(item, Envelope):
            exc, op_id = item
            return self._refused(exc, op_id=op_id)
        try:
            return self._judge(item, prechecked)
        except OpRejected as exc:
            return self._refused(exc, envelope=item)

    def _judge(self, env: Envelope, prechecked: Prechecked) -> AcceptedOp:
        caller, log = self._caller, self._log
        if env.actor_id != caller.user_id and not self._relay:
            raise OpRejected(
                "actor_mismatch", "the op's actor is not the signed-in user", field="actor_id"
            )
        if env.org_id != caller.org_id:
            log.audit(
                "cross_org",
                "an op for another organization was pushed",
                op_id=env.op_id,
                kind=env.kind,
                actor_id=caller.user_id,
                device_id=env.device_id,
                code="org_mismatch",
            )
            raise OpRejected("org_mismatch", "the op names another organization", field="org_id")
        try:
            canonical = env.wire_canonical()
        except ValueError as exc:
            raise OpRejected(
                "invalid_payload", f"the op has no canonical JSON form: {exc}"
            ) from None
        logged = log.find_op(env.op_id)
        if logged is not None:
            if logged.envelope == canonical:
                return AcceptedOp(op_id=env.op_id, status="duplicate", server_seq=logged.server_seq)
            raise OpRejected(
                "idempotency_conflict",
                "this op_id was already accepted with different contents",
                field="op_id",
                details={"server_seq": logged.server_seq},
            )
        highest = log.highest_device_seq(env.device_id)
        if env.device_seq <= highest:
            raise OpRejected(
                "device_seq_reused",
                f"device_seq {env.device_seq} is not above the device's highest, {highest}",
                field="device_seq",
                details={"highest_device_seq": highest},
            )
        if env.kind == "device.enroll":
            self._require_proof(env)
        try:
            applied = apply_op(
                self._projection, env, verify=True, verified_with=prechecked.key_for(env)
            )
        except OpRejected:
            self._projection.rollback_op()
            raise
        self._projection.commit_op()
        seq = log.append_op(env, canonical)
        log.audit(
            "op.accepted",
            f"{applied.kind} → version {applied.version}",
            op_id=env.op_id,
            kind=env.kind,
            entity_id=env.entity_id,
            actor_id=env.actor_id,
            device_id=env.device_id,
        )
        apply_accepted(self._conn, env)
        return AcceptedOp(op_id=env.op_id, status="accepted", server_seq=seq)

    def _require_proof(self, env: Envelope) -> None:
        """A device.enroll pushed now must prove its key is held (the reducer checks the
        proof): a log that predates proofs replays without them, so only the server's door
        can demand one. The organization's service-account key is the server's own."""
        key = env.payload.get("public_key")
        if env.payload.get("proof") is None and key != self._log.service_key():
            raise OpRejected(
                "invalid_payload",
                "a device enrollment must carry proof: the key's own signature over the "
                "organization and the user, so nobody enrolls a key they do not hold",
                field="payload.proof",
            )

    def _refused(
        self, exc: OpRejected, *, op_id: str | None = None, envelope: Envelope | None = None
    ) -> RejectedOp:
        if exc.code != "org_mismatch":  # that one is audited as cross_org already
            e = envelope
            self._log.audit(
                "op.refused",
                exc.message,
                op_id=e.op_id if e else None,
                kind=e.kind if e else None,
                entity_id=e.entity_id if e else None,
                actor_id=self._caller.user_id,
                device_id=e.device_id if e else None,
                code=exc.code,
            )
        return RejectedOp(
            op_id=envelope.op_id if envelope else op_id,
            status="rejected",
            error=ErrorDetail.of(exc),
        )
