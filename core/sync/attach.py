"""Attaching an organization started offline: its genesis, then its whole log, every
device's ops, accepted in the order they were made.

An offline log may hold ops of several devices — the founder's, and those of the people
the founder invited and enrolled (the demo's analyst, counsel, lender…) — and only the
founder's are in the outbox. Pushing the outbox alone left the others behind, refused
whatever depended on them, and buried the rest in conflicts. Instead, once ``POST
/v1/orgs/attach`` has made the genesis server op 1:

1. the server's service account is admitted by two ops this device signs, at the end of
   the log (:func:`attach_genesis`, :func:`admit_service_account`);
2. every op after the genesis, any device's, goes to ``POST /v1/orgs/attach/history`` in
   parts, in local order (:func:`send_history`); the server judges and applies them all
   in one transaction — each signature checked against its device's key as the log has
   enrolled it so far — or refuses the whole with the op that failed;
3. each op is confirmed here with the ``server_seq`` the server gave it
   (:func:`confirm_history`), so both sides hold the same ops in the same order and reach
   the same state digest.

:func:`check_log` first checks every op's signature against its device's key, so a store
whose log was altered is refused here, before the server is asked anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from core.commands.workspace import Workspace
from core.errors import DealOSError, OpRejected
from core.ops.batch_verify import Prechecked, precheck_signatures, shared_verifiers
from core.ops.envelope import Envelope, parse_envelope
from core.ops.signing import verify_envelope
from core.ops.verify_process import Verifiers
from core.store.local_schema import op_log, outbox
from core.sync.client import SyncClient
from core.sync.engine import SyncReport
from core.sync.errors import SyncError
from core.sync.messages import AttachResult, ServiceAccountInfo
from core.sync.replica import Replica
from core.sync.status import session_secret_name
from core.verification.replay import device_keys, logged_ops

__all__ = [
    "AttachReport",
    "HistorySent",
    "admit_service_account",
    "attach_genesis",
    "check_log",
    "confirm_history",
    "send_history",
]

PART = 500  # ops per request: a push's limit (PROTOCOL.md)
_HELPED = 20_000
_IN_LINE = Verifiers(0)


@dataclass(frozen=True, slots=True)
class HistorySent:
    """What the server did with the history: each op's ``server_seq`` in the order sent,
    or ``already`` when an earlier attempt had it applied (its answer lost)."""

    op_ids: list[str]
    server_seqs: list[int]
    devices: int
    already: bool = False


@dataclass(frozen=True, slots=True)
class AttachReport:
    """An attach: the history the server took, then the first sync round."""

    org_id: str
    history: int  # ops after the genesis the server holds, accepted in one transaction
    devices: int  # the devices that signed them
    sync: SyncReport
    pending: int = 0  # ops still waiting for the server afterwards
    conflicts: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.history + self.sync.accepted

    @property
    def rejected(self) -> int:
        return self.sync.rejected

    def summary(self) -> str:
        return (
            f"{self.history} ops of history signed by {self.devices} devices accepted "
            f"after the genesis; {self.pending} pending, {len(self.conflicts)} conflicts; "
            f"at server seq {self.sync.last_seq}"
        )


def check_log(ws: Workspace) -> None:
    """Check every op of the local log against the key of the device that signed it (a
    device's key never changes once enrolled); ``DealOSError`` naming the first op that
    does not hold up, before the server is asked anything. The server judges each op
    again, rules and all."""
    with ws.store.transaction() as conn:
        ops = logged_ops(conn)
        keys = device_keys(conn, ws.org_id)
    # A helper process pays off only on a long log: on the demo's it would be waited for.
    helpers = shared_verifiers() if len(ops) >= _HELPED else _IN_LINE
    for start in range(0, len(ops), PART):
        chunk = ops[start : start + PART]
        parsed = [(op_id, _envelope(raw)) for op_id, _, raw in chunk]
        with precheck_signatures(
            [e for _, e in parsed if isinstance(e, Envelope)], keys, helpers
        ) as checked:
            for at, (op_id, envelope) in enumerate(parsed, start + 1):
                problem = _problem(envelope, keys, checked)
                if problem is not None:
                    raise DealOSError(
                        f"op {at} of this organization's log ({op_id}) does not hold up, so "
                        f"the organization cannot be attached: {problem}"
                    )


def _envelope(raw: bytes) -> Envelope | str:
    try:
        return parse_envelope(json.loads(raw))
    except (ValueError, OpRejected) as exc:
        return f"it is not a readable envelope ({exc})"


def _problem(envelope: Envelope | str, keys: dict[str, str], checked: Prechecked) -> str | None:
    if isinstance(envelope, str):
        return envelope
    key = keys.get(envelope.device_id)
    if key is None:
        return f"its device {envelope.device_id} was never enrolled in this organization"
    if checked.key_for(envelope) == key:
        return None
    try:
        verify_envelope(envelope, key)
    except OpRejected as exc:
        return f"{exc.code}: {exc.message}"
    return None


def attach_genesis(
    ws: Workspace, client: SyncClient, genesis: dict[str, Any], *, code: str, password: str
) -> AttachResult:
    """``POST /v1/orgs/attach`` with the local genesis: confirmed here as server op 1, the
    founder's session kept in the keyring, the service account admitted at the log's end."""
    attached = client.attach_org(code.strip(), genesis, password)
    replica = Replica(ws)
    with ws.store.transaction() as conn:
        replica.confirm(conn, genesis["op_id"], attached.server_seq)
        replica.set_applied_through(conn, attached.server_seq)
    ws.keys.save_secret(session_secret_name(ws.device_id), attached.session_token)
    admit_service_account(ws, attached.service_account)
    return attached


def admit_service_account(ws: Workspace, account: ServiceAccountInfo) -> None:
    """Sign the ``user.invite`` and ``device.enroll`` that admit the server's service
    account, unless an earlier attempt of this attach already did."""
    with ws.store.transaction() as conn:
        logged = {
            (str(kind), str(entity))
            for kind, entity in conn.execute(
                select(op_log.c.kind, op_log.c.entity_id).where(
                    op_log.c.entity_id.in_((account.user_id, account.device_id))
                )
            )
        }
    if ("user.invite", account.user_id) not in logged:
        ws.submit_wire(
            "user.invite",
            entity_id=account.user_id,
            payload={
                "email": account.email,
                "display_name": account.display_name,
                "roles": [role.value for role in account.roles],
            },
        )
    if ("device.enroll", account.device_id) not in logged:
        ws.submit_wire(
            "device.enroll",
            entity_id=account.device_id,
            payload={
                "user_id": account.user_id,
                "public_key": account.public_key,
                "name": account.device_name,
            },
        )


def _history(ws: Workspace) -> list[tuple[str, str, dict[str, object]]]:
    """Every op the server has not confirmed, any device's, in the order made."""
    with ws.store.transaction() as conn:
        rows = conn.execute(
            select(op_log.c.op_id, op_log.c.device_id, op_log.c.envelope)
            .where(op_log.c.status == "pending")
            .order_by(op_log.c.local_seq)
        ).all()
    return [(str(i), str(d), json.loads(e)) for i, d, e in rows]


def send_history(ws: Workspace, client: SyncClient, *, part: int = PART) -> HistorySent:
    """Send the log after the genesis to the server, which applies all of it or nothing
    (``SyncError`` ``history_refused`` names the op it refused)."""
    history = _history(ws)
    op_ids = [op_id for op_id, _, _ in history]
    devices = len({device for _, device, _ in history})
    envelopes = [envelope for _, _, envelope in history]
    restarted = False
    start = 0
    while True:
        chunk = envelopes[start : start + part]
        complete = start + part >= len(envelopes)
        try:
            answer = client.attach_history(start, chunk, complete=complete)
        except SyncError as exc:
            if exc.code == "attach_complete":
                return HistorySent(op_ids, [], devices, already=True)
            if exc.code == "history_out_of_order" and not restarted:
                restarted, start = True, 0  # the server lost the parts: once more, whole
                continue
            raise
        if complete:
            if len(answer.server_seqs) != len(op_ids):
                raise DealOSError(
                    f"the server applied {len(answer.server_seqs)} ops of a history of "
                    f"{len(op_ids)}: run `dealos sync` to compare"
                )
            return HistorySent(op_ids, list(answer.server_seqs), devices)
        start += part


def confirm_history(ws: Workspace, sent: HistorySent) -> None:
    """Mark each op of the history confirmed at its ``server_seq``. When they follow the
    genesis without a gap, nothing else is on the server and the pull cursor moves past
    them; otherwise the next sync round pulls and places them."""
    replica = Replica(ws)
    pairs = [
        {"confirmed_id": op_id, "seq": seq}
        for op_id, seq in zip(sent.op_ids, sent.server_seqs, strict=True)
    ]
    with ws.store.transaction() as conn:
        if pairs:  # Replica.confirm, for every op at once
            conn.execute(
                update(op_log)
                .where(op_log.c.op_id == bindparam("confirmed_id"))
                .values(status="confirmed", server_seq=bindparam("seq")),
                pairs,
            )
            conn.execute(
                delete(outbox).where(
                    outbox.c.op_id.in_(select(op_log.c.op_id).where(op_log.c.status == "confirmed"))
                )
            )
        if sent.server_seqs == list(range(2, 2 + len(sent.server_seqs))):
            last = sent.server_seqs[-1] if sent.server_seqs else 1
            replica.set_cursor(conn, last)
            replica.set_applied_through(conn, last)
