"""``dealos server verify-log`` and ``dealos server remove-op``: prove every stored op, and
take out, on the record, one that cannot be proved.

DESIGN §4: every op stored was verified over its own exact bytes against the key of its
device as enrolled at that point of the log. :func:`verify_log` checks that again from the
bytes alone: it replays the organization's log in ``server_seq`` order into a projection in
memory (nothing stored is touched, and pushes go on meanwhile), with every signature
checked against the device keys that replay has enrolled so far. An op that fails is
reported and left out of the replay, which goes on, so one report lists everything wrong.

An op that fails verification poisons every replica: each refuses it, and with it every
later op. :func:`remove_ops` is the operator's way out. It removes only what it must —
ops that fail verification, plus ops that no longer apply without them, each named
explicitly — and only when the log left behind verifies whole. In one transaction under
the organization's lock it deletes those rows, writes an ``op.removed`` entry per op to
the server's audit chain (the reason, the operator, and the SHA-256 of the removed bytes,
which the command also saves to a file), and replays the remaining log into the
organization's tables. Replicas then pull past the gap as they pull past any other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, text

from core.errors import DealOSError, OpRejected
from core.ops.envelope import parse_envelope
from core.ops.kinds import spec_for
from core.reducers.apply import apply_op
from core.store.memory import MemoryProjection
from sync_server.database import set_org
from sync_server.org_log import OrgLog
from sync_server.rebuild import replay_into_tables
from sync_server.server_keys import ServerKeys
from sync_server.server_schema import op_log

__all__ = [
    "Finding",
    "LogReport",
    "RemovalRefused",
    "Removed",
    "remove_ops",
    "verify_log",
    "visible_orgs",
]


class RemovalRefused(DealOSError):
    """The named ops may not be removed (shown as one line)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One stored op that does not hold up."""

    server_seq: int
    op_id: str | None
    kind: str | None
    device_id: str | None
    forged: bool  # its own bytes fail: unreadable, or the signature does not verify
    reason: str

    def describe(self) -> str:
        what = f"op {self.op_id} ({self.kind})" if self.op_id else "an unreadable op"
        return f"#{self.server_seq} {what}: {self.reason}"


@dataclass(frozen=True, slots=True)
class LogReport:
    org_id: str
    ops: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        if self.ok:
            return f"org {self.org_id}: all {self.ops} ops verify and apply"
        lines = [f"org {self.org_id}: {len(self.findings)} of {self.ops} ops fail"]
        lines += ["  " + f.describe() for f in self.findings]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Removed:
    org_id: str
    ops: tuple[tuple[int, str, bytes], ...]  # server_seq, op_id, the stored envelope bytes
    report: LogReport


def visible_orgs(conn: Connection) -> list[str]:
    """Every organization the connection may read (all of them for the tables' owner when
    it bypasses row-level security; none otherwise — name one with ``--org-id``)."""
    return [str(r[0]) for r in conn.execute(text("SELECT org_id FROM org_heads ORDER BY org_id"))]


def verify_log(engine: Engine, org_id: str) -> LogReport:
    """Re-verify every op of ``org_id`` against its device's key at that point of the log."""
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        set_org(conn, org_id)
        return _walk(org_id, _stored(conn, org_id), skip=())


def _stored(conn: Connection, org_id: str) -> list[tuple[int, bytes]]:
    rows = conn.execute(
        select(op_log.c.server_seq, op_log.c.envelope)
        .where(op_log.c.org_id == org_id)
        .order_by(op_log.c.server_seq)
    ).all()
    return [(int(seq), bytes(raw)) for seq, raw in rows]


def _walk(org_id: str, rows: Iterable[tuple[int, bytes]], skip: Collection[str]) -> LogReport:
    projection = MemoryProjection(org_id)
    findings: list[Finding] = []
    count = 0
    for seq, raw in rows:
        count += 1
        try:
            envelope = parse_envelope(json.loads(raw))
        except (ValueError, OpRejected) as exc:
            reason = exc.message if isinstance(exc, OpRejected) else str(exc)
            findings.append(Finding(seq, None, None, None, True, f"not a readable op: {reason}"))
            continue
        if envelope.op_id in skip:
            continue
        if spec_for(envelope.kind) is None:
            continue  # a kind from a newer release: this build cannot judge it
        try:
            apply_op(projection, envelope, verify=True)
        except OpRejected as exc:
            forged = exc.code == "invalid_signature"
            reason = (
                "its signature does not verify with its device's key as enrolled at that "
                "point of the log"
                if forged
                else f"it does not apply to the log before it ({exc.code}: {exc.message})"
            )
            findings.append(
                Finding(seq, envelope.op_id, envelope.kind, envelope.device_id, forged, reason)
            )
    return LogReport(org_id, count, tuple(findings))


def remove_ops(
    engine: Engine,
    keys: ServerKeys,
    org_id: str,
    op_ids: Sequence[str],
    *,
    reason: str,
    operator: str,
    keep: Callable[[Sequence[tuple[int, str, bytes]]], None],
) -> Removed:
    """Remove ``op_ids`` from ``org_id``'s log, audited, if the rules above allow it.
    ``keep`` receives the removed ops' stored bytes before anything is deleted; if it
    raises, nothing is."""
    named = list(dict.fromkeys(op_ids))
    if not named:
        raise RemovalRefused("name at least one op to remove")
    if not reason.strip():
        raise RemovalRefused("give the reason for the removal; it goes into the audit log")
    with engine.begin() as conn:
        set_org(conn, org_id)
        log = OrgLog(conn, org_id, keys)
        if not log.lock():  # pushes of this organization wait until the removal commits
            raise RemovalRefused(f"no organization {org_id} on this server")
        rows = _stored(conn, org_id)
        found = _removable(org_id, rows, named)
        after = _walk(org_id, rows, skip=set(named))
        if not after.ok:
            raise RemovalRefused(
                "the log would still not verify; nothing was removed:\n" + after.summary()
            )
        keep(found)
        conn.execute(delete(op_log).where(op_log.c.org_id == org_id, op_log.c.op_id.in_(named)))
        for seq, op_id, raw in found:
            log.audit(
                "op.removed",
                f"#{seq} removed by {operator}: {reason.strip()} "
                f"(sha256 of the stored envelope {hashlib.sha256(raw).hexdigest()})",
                op_id=op_id,
                code="op_removed",
            )
        replay_into_tables(conn, org_id)
        log.flush()
    return Removed(org_id, tuple(found), after)


def _removable(
    org_id: str, rows: list[tuple[int, bytes]], named: list[str]
) -> list[tuple[int, str, bytes]]:
    """The named ops as stored; refuse any that holds up on a log without the others."""
    by_id: dict[str, tuple[int, bytes]] = {}
    for seq, raw in rows:
        try:
            op_id = json.loads(raw).get("op_id")
        except ValueError:
            continue
        if isinstance(op_id, str):
            by_id[op_id] = (seq, raw)
    missing = [op_id for op_id in named if op_id not in by_id]
    if missing:
        raise RemovalRefused(f"no op {', '.join(missing)} in this organization's log")
    whole = _walk(org_id, rows, skip=())
    forged = {f.op_id for f in whole.findings if f.forged}
    if not forged & set(named):
        raise RemovalRefused(
            "none of the named ops fails verification; only a forged op (and what depends "
            "on it) may be removed"
        )
    for op_id in named:
        if op_id in forged:
            continue
        kept = _walk(org_id, rows, skip=set(named) - {op_id})
        if not any(f.op_id == op_id for f in kept.findings):
            raise RemovalRefused(
                f"op {op_id} verifies and applies without the other named ops; it stays in the log"
            )
    return [(by_id[o][0], o, by_id[o][1]) for o in named]
