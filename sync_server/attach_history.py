"""``POST /v1/orgs/attach/history``: the history of an organization attached from offline,
the ops of every device of its log, applied all or nothing.

An organization started offline (``dealos init``, ``dealos demo``) has a log that several
devices may have signed: the founder's, and those of the people the founder invited and
enrolled (the demo's analyst, counsel, lender…). Once ``POST /v1/orgs/attach`` has made
its genesis server op 1, its founder sends the rest of that log here, in the order it was
made, in parts of at most ``max_ops_per_push`` ops. The server holds the parts
(``attach_history``) and applies nothing until the part marked ``complete`` arrives; then,
in one transaction holding the organization's lock, it judges every op in order exactly
as a push would (:class:`sync_server.push.Judge`) but for one rule: the op may be any
enrolled device's, not only the caller's. So:

- each op's signature is checked against the key its device has at that point of the log
  — a device enrolled by an earlier op of the same log, still active, belonging to the
  op's actor; a device the log never enrolled, or a signature by any other key, is
  refused;
- ``device_seq`` strictly increases per device; the actor's roles (not the founder's)
  must permit the kind; a ``device.enroll`` carries the key's proof of possession, but
  for the server's own service key;
- the first refusal refuses the whole history: the transaction rolls back, the held parts
  are deleted, one ``history.refused`` entry naming the op goes to the audit chain, and
  the answer is 422 ``history_refused`` naming the op, its position, kind, device and
  why. The organization's log is as it was before the history.

Only the founder (the genesis op's actor) may send a history, and only while the
organization is attaching: until its log has enrolled the server's service device. The
history normally ends with that enrollment, so the window closes with the history that
fills it; an organization made on the server (``dealos server create-org``) never has
one. Relaying thus gives the founder nothing the offline log did not already hold: every
user and device in it was admitted by the founder's own signed ops, and every op was
signed by its own device's key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Engine

from core.ops.batch_verify import precheck_signatures
from core.ops.envelope import Envelope
from core.ops.verify_process import Verifiers
from core.sync.messages import AcceptedOp, ErrorDetail
from sync_server.api_errors import ApiError
from sync_server.bulk_insert import bulk_insert
from sync_server.database import tenant_tx
from sync_server.notifications.invitations import queue_attached_invitations
from sync_server.org_log import OrgLog
from sync_server.push import WRITE_EVERY, Judge, Parsed, parse_op, prefetch
from sync_server.server_keys import ServerKeys
from sync_server.service_account import load_service_account
from sync_server.sessions import Caller
from sync_server.staged_projection import StagedProjection

__all__ = ["MAX_HISTORY_OPS", "HistoryOutcome", "attach_history"]

# A history longer than this is refused as a whole (a bound on what one attach may hold
# on the server's disk before anything is judged).
MAX_HISTORY_OPS: Final = 1_000_000
_READ: Final = 500  # held ops read and judged per round
_IN_LINE: Final = Verifiers(0)


@dataclass(frozen=True, slots=True)
class HistoryOutcome:
    staged: int
    complete: bool
    server_seqs: list[int]


class _Refused(Exception):
    def __init__(self, position: int, item: Parsed, error: ErrorDetail) -> None:
        super().__init__(error.message)
        self.position = position
        self.envelope = item if isinstance(item, Envelope) else None
        self.error = error


def attach_history(
    engine: Engine,
    keys: ServerKeys,
    caller: Caller,
    *,
    position: int,
    ops: list[Any],
    complete: bool,
    verifiers: Verifiers | None = None,
) -> HistoryOutcome:
    """Hold ``ops`` as the history's part starting at ``position``; with ``complete``,
    judge and apply the whole history in order, all or nothing."""
    refusal: ApiError | None = None
    try:
        with tenant_tx(engine, caller.org_id) as conn:
            log = OrgLog(conn, caller.org_id, keys)
            if not log.lock():
                raise ApiError(401, "unauthorized", "the session's organization no longer exists")
            refusal = _closed_to(conn, log, keys, caller)
            if refusal is None:
                staged = _hold(conn, caller.org_id, position, ops)
                if not complete:
                    return HistoryOutcome(staged, False, [])
                seqs, devices = _apply(conn, log, caller, verifiers or _IN_LINE)
                _cur(conn).execute("DELETE FROM attach_history WHERE org_id = %s", (caller.org_id,))
                log.audit(
                    "history.attached",
                    f"the organization's history attached: {len(seqs)} ops signed by "
                    f"{len(devices)} devices",
                    actor_id=caller.user_id,
                )
                log.flush()
                # The people the laptop invited learn of it now that there is a server.
                queue_attached_invitations(conn, caller.org_id, caller.user_id)
                return HistoryOutcome(staged, True, seqs)
            log.flush()  # the refusal's audit entry
    except _Refused as refused:
        raise _refusal(engine, keys, caller, refused) from None
    assert refusal is not None
    raise refusal


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _closed_to(conn: Connection, log: OrgLog, keys: ServerKeys, caller: Caller) -> ApiError | None:
    """Why ``caller`` may not send this organization a history (audited), or None."""
    cur = _cur(conn)
    cur.execute(
        "SELECT actor_id, kind FROM op_log WHERE org_id = %s AND server_seq = 1",
        (caller.org_id,),
    )
    genesis = cur.fetchone()
    refusal = None
    if genesis is None or genesis[1] != "org.create" or genesis[0] != caller.user_id:
        refusal = ApiError(
            403, "forbidden", "only the founder who attached this organization sends its history"
        )
    else:
        account = load_service_account(conn, keys, caller.org_id)
        if account is not None:
            cur.execute(
                "SELECT 1 FROM devices WHERE org_id = %s AND device_id = %s",
                (caller.org_id, account.device_id),
            )
            if cur.fetchone() is not None:
                refusal = ApiError(
                    409,
                    "attach_complete",
                    "this organization's history is closed: its log has admitted the "
                    "server's service account; new ops go through POST /v1/sync/push",
                )
    if refusal is not None:
        log.audit("history.refused", refusal.message, actor_id=caller.user_id, code=refusal.code)
    return refusal


def _hold(conn: Connection, org_id: str, position: int, ops: list[Any]) -> int:
    """Keep this part; the number of ops held, this part's included."""
    cur = _cur(conn)
    cur.execute("SELECT count(*) FROM attach_history WHERE org_id = %s", (org_id,))
    held = int(cur.fetchone()[0])
    if position == 0 and held:
        cur.execute("DELETE FROM attach_history WHERE org_id = %s", (org_id,))
        held = 0
    if position != held:
        raise ApiError(
            409,
            "history_out_of_order",
            f"the server holds {held} ops of this history: send the part that starts at "
            f"position {held}, or start again at 0",
            field="position",
            details={"staged": held},
        )
    if held + len(ops) > MAX_HISTORY_OPS:
        raise ApiError(
            422,
            "history_too_large",
            f"a history holds at most {MAX_HISTORY_OPS} ops",
            field="ops",
            details={"max_ops": MAX_HISTORY_OPS},
        )
    rows = [
        (org_id, position + i, json.dumps(op, ensure_ascii=True, separators=(",", ":")))
        for i, op in enumerate(ops)
    ]
    bulk_insert(cur, "attach_history", ("org_id", "position", "envelope"), rows)
    return held + len(ops)


def _apply(
    conn: Connection, log: OrgLog, caller: Caller, helpers: Verifiers
) -> tuple[list[int], set[str]]:
    """Judge every held op in order: their ``server_seq`` values and the devices that
    signed them, or ``_Refused``."""
    projection = StagedProjection(conn, caller.org_id)
    judge = Judge(conn, projection, log, caller, relay=True)
    dbapi: Any = conn.connection.dbapi_connection
    read = _cur(conn)
    seqs: list[int] = []
    devices: set[str] = set()
    after = -1
    while True:
        read.execute(
            "SELECT position, envelope FROM attach_history WHERE org_id = %s AND position > %s "
            "ORDER BY position LIMIT %s",
            (caller.org_id, after, _READ),
        )
        rows = read.fetchall()
        if not rows:
            break
        parsed = [parse_op(json.loads(text)) for _, text in rows]
        with dbapi.pipeline():
            for take in prefetch(projection, log, parsed, caller, None):
                take()
        envelopes = [e for e in parsed if isinstance(e, Envelope)]
        with (
            precheck_signatures(envelopes, _key_hints(projection, envelopes), helpers) as checked,
            dbapi.pipeline(),
        ):
            for (at, _), item in zip(rows, parsed, strict=True):
                result = judge.judge(item, checked)
                if not isinstance(result, AcceptedOp):
                    raise _Refused(int(at), item, result.error)
                seqs.append(result.server_seq)
                devices.add(item.device_id if isinstance(item, Envelope) else "")
                if len(seqs) % WRITE_EVERY == 0:
                    projection.write()
                    log.write()
        # Written and forgotten after each round, as after a push: the rows held in memory
        # (and scanned by each read) stay a push's worth however long the history.
        projection.flush()
        after = int(rows[-1][0])
    return seqs, devices


def _key_hints(projection: StagedProjection, envelopes: list[Envelope]) -> dict[str, str]:
    """Device id → the key to check its ops' signatures with ahead of judging: as enrolled
    so far, or as these ops enroll it. Only a hint: an op is judged against its device's
    key at its own point of the log, and a signature checked with another is checked
    again in line."""
    hints = {d["device_id"]: d["public_key"] for d in projection.rows("devices", {})}
    for env in envelopes:
        key = env.payload.get("public_key")
        if env.kind == "device.enroll" and isinstance(key, str):
            hints.setdefault(env.entity_id, key)
    return hints


def _refusal(engine: Engine, keys: ServerKeys, caller: Caller, refused: _Refused) -> ApiError:
    """Forget the held history and audit why it was refused (the transaction that judged
    it has rolled back); the answer naming the op."""
    env, error = refused.envelope, refused.error
    what = (
        f"op {refused.position} of the history ({env.kind} {env.op_id}, device {env.device_id})"
        if env is not None
        else f"op {refused.position} of the history"
    )
    message = (
        f"{what} was refused — {error.code}: {error.message}. Nothing of the history was "
        "applied: the organization's log is as it was before it"
    )
    with tenant_tx(engine, caller.org_id) as conn:
        log = OrgLog(conn, caller.org_id, keys)
        if log.lock():
            _cur(conn).execute("DELETE FROM attach_history WHERE org_id = %s", (caller.org_id,))
            log.audit(
                "history.refused",
                message,
                op_id=env.op_id if env else None,
                kind=env.kind if env else None,
                entity_id=env.entity_id if env else None,
                actor_id=caller.user_id,
                device_id=env.device_id if env else None,
                code=error.code,
            )
            log.flush()
    return ApiError(
        422,
        "history_refused",
        message,
        field=f"history.{refused.position}" + (f".{error.field}" if error.field else ""),
        details={
            "position": refused.position,
            "op_id": env.op_id if env else None,
            "kind": env.kind if env else None,
            "device_id": env.device_id if env else None,
            "code": error.code,
        },
    )
