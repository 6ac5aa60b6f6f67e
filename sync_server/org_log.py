"""One organization's append-only records on the server: the op log with its gapless
``server_seq``, each device's highest ``device_seq``, and the hash-chained audit log.

Every writer first locks the organization's ``org_heads`` row (``FOR UPDATE``), so appends
to one organization are serialized while other organizations proceed in parallel
(DESIGN §8), and a ``server_seq`` is taken only by a transaction that commits: a rollback
returns it, so the sequence has no gaps. Rows are buffered and written in one round of
``executemany`` by :meth:`OrgLog.flush`, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from core.audit import GENESIS_HASH, AuditEntry, entry_hash, head_message
from core.ops.envelope import Envelope, utc_now_rfc3339
from sync_server.bulk_insert import bulk_insert
from sync_server.key_probe import key_probe_sql
from sync_server.server_keys import ServerKeys

__all__ = ["LoggedOp", "OrgLog", "audit_entries"]

_OP_COLUMNS = (
    "org_id",
    "server_seq",
    "op_id",
    "device_id",
    "device_seq",
    "actor_id",
    "kind",
    "entity_id",
    "envelope",
    "accepted_at",
)
_AUDIT_COLUMNS = (
    "org_id",
    "seq",
    "at",
    "event",
    "op_id",
    "kind",
    "entity_id",
    "actor_id",
    "device_id",
    "code",
    "detail",
    "prev_hash",
    "entry_hash",
)
_UPSERT_DEVICE = (
    "INSERT INTO device_heads (org_id, device_id, highest_seq) VALUES (%s, %s, %s) "
    "ON CONFLICT (org_id, device_id) DO UPDATE SET highest_seq = excluded.highest_seq"
)


@dataclass(frozen=True, slots=True)
class LoggedOp:
    server_seq: int
    envelope: bytes


class OrgLog:
    """The append-only records of ``org_id`` within the caller's transaction."""

    def __init__(self, conn: Connection, org_id: str, keys: ServerKeys) -> None:
        self.org_id = org_id
        self._keys = keys
        self._cur: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._locked = False
        self.last_seq = 0
        self._audit_seq = 0
        self._audit_hash = GENESIS_HASH
        self._ops: list[tuple[Any, ...]] = []
        self._pending: dict[str, LoggedOp] = {}
        self._known: dict[str, LoggedOp | None] = {}
        self._audits: list[tuple[Any, ...]] = []
        self._devices: dict[str, int] = {}  # heads this transaction moved
        self._heads: dict[str, int] = {}  # heads as read (prefetch_send)
        self._written_any = False
        self._at = ""
        self._accepted_at = dt.datetime.now(dt.UTC)

    def service_key(self) -> str:
        """The public key of the organization's service-account device (the server's)."""
        return self._keys.service_device(self.org_id).public_key

    # -- the head --------------------------------------------------------------------

    def lock(self) -> bool:
        """Lock the organization's head row; False when the organization does not exist."""
        return self.lock_send()()

    def lock_send(self) -> Callable[[], bool]:
        """Send :meth:`lock`'s statement; the returned function takes its answer (so, on a
        pipelined connection, the reads that follow travel with it)."""
        self._cur.execute(
            "SELECT last_seq, audit_seq, audit_hash FROM org_heads WHERE org_id = %s FOR UPDATE",
            (self.org_id,),
        )
        return self._locked_head

    def _locked_head(self) -> bool:
        row = self._cur.fetchone()
        if row is None:
            return False
        self.last_seq, self._audit_seq, self._audit_hash = int(row[0]), int(row[1]), row[2]
        self._start()
        return True

    def create(self) -> None:
        """Start a new organization's head (the transaction must have set its org)."""
        self._cur.execute(
            "INSERT INTO org_heads (org_id, last_seq, audit_seq, audit_hash, audit_signature, "
            "created_at) VALUES (%s, 0, 0, %s, '', now())",
            (self.org_id, GENESIS_HASH),
        )
        self.last_seq, self._audit_seq, self._audit_hash = 0, 0, GENESIS_HASH
        self._start()

    def _start(self) -> None:
        # One clock reading per transaction, taken under the lock so that ``at`` never goes
        # backwards along the chain: the entries are written together anyway, and formatting
        # a time per entry cost more than hashing it.
        self._at = utc_now_rfc3339()
        self._accepted_at = dt.datetime.now(dt.UTC)
        self._locked = True

    # -- ops -------------------------------------------------------------------------

    def prefetch_send(self, op_ids: list[str], device_ids: list[str]) -> Callable[[], None]:
        """Send the queries for the logged ops among ``op_ids`` and the highest
        ``device_seq`` of ``device_ids``; the returned function takes their answers."""
        ops_cur, heads_cur = self._cur.connection.cursor(), self._cur.connection.cursor()
        ops_cur.execute(
            key_probe_sql("op_log", ("op_id", "server_seq", "envelope"), "op_id"),
            (op_ids, self.org_id),
        )
        heads_cur.execute(
            key_probe_sql("device_heads", ("device_id", "highest_seq"), "device_id"),
            (device_ids, self.org_id),
        )

        def take() -> None:
            self._known.update(dict.fromkeys(op_ids))
            for op_id, seq, raw in ops_cur.fetchall():
                self._known[op_id] = LoggedOp(int(seq), bytes(raw))
            self._heads.update(dict.fromkeys(device_ids, 0))
            self._heads.update({d: int(s) for d, s in heads_cur.fetchall()})

        return take

    def find_op(self, op_id: str) -> LoggedOp | None:
        pending = self._pending.get(op_id)
        if pending is not None:
            return pending
        if op_id in self._known:
            return self._known[op_id]
        self._cur.execute(
            "SELECT server_seq, envelope FROM op_log WHERE org_id = %s AND op_id = %s",
            (self.org_id, op_id),
        )
        row = self._cur.fetchone()
        return None if row is None else LoggedOp(int(row[0]), bytes(row[1]))

    def highest_device_seq(self, device_id: str) -> int:
        if device_id in self._devices:
            return self._devices[device_id]
        if device_id in self._heads:
            return self._heads[device_id]
        self._cur.execute(
            "SELECT highest_seq FROM device_heads WHERE org_id = %s AND device_id = %s",
            (self.org_id, device_id),
        )
        row = self._cur.fetchone()
        return 0 if row is None else int(row[0])

    def append_op(self, envelope: Envelope, canonical: bytes) -> int:
        """Give an accepted op the next ``server_seq`` and buffer its row."""
        assert self._locked, "lock() the head first"
        self.last_seq += 1
        seq = self.last_seq
        e = envelope
        self._ops.append(
            (
                self.org_id,
                seq,
                e.op_id,
                e.device_id,
                e.device_seq,
                e.actor_id,
                e.kind,
                e.entity_id,
                canonical,
            )
        )
        self._pending[e.op_id] = LoggedOp(seq, canonical)
        self._devices[e.device_id] = max(e.device_seq, self._devices.get(e.device_id, 0))
        return seq

    # -- audit -----------------------------------------------------------------------

    def audit(
        self,
        event: str,
        detail: str,
        *,
        op_id: str | None = None,
        kind: str | None = None,
        entity_id: str | None = None,
        actor_id: str | None = None,
        device_id: str | None = None,
        code: str | None = None,
    ) -> None:
        assert self._locked, "lock() the head first"
        seq = self._audit_seq + 1
        fields = {
            "seq": seq,
            "at": self._at,
            "event": event,
            "op_id": op_id,
            "kind": kind,
            "entity_id": entity_id,
            "actor_id": actor_id,
            "device_id": device_id,
            "code": code,
            "detail": detail[:2000],
        }
        # Every value is a str, an int or None of the server's own (ids from parsed
        # envelopes, messages, codes): the plain path's type walk would prove nothing new.
        digest = entry_hash(self._audit_hash, fields, plain=True)
        self._audits.append((self.org_id, *fields.values(), self._audit_hash, digest))
        self._audit_seq, self._audit_hash = seq, digest

    # -- writing ---------------------------------------------------------------------

    def write(self) -> None:
        """Send the ops and audit entries buffered so far (the head waits for :meth:`flush`)."""
        if self._ops:
            now = self._accepted_at
            bulk_insert(self._cur, "op_log", _OP_COLUMNS, [(*row, now) for row in self._ops])
            self._written_any = True
        if self._audits:
            bulk_insert(self._cur, "server_audit", _AUDIT_COLUMNS, self._audits)
            self._written_any = True
        self._ops, self._audits = [], []

    def flush(self) -> None:
        """Write the buffered rows and the new head (signed) in the caller's transaction."""
        self.write()
        if self._devices:
            self._cur.executemany(
                _UPSERT_DEVICE, [(self.org_id, d, s) for d, s in self._devices.items()]
            )
        if self._written_any:
            signature = self._keys.audit_head.sign_bytes(
                head_message(self._audit_seq, self._audit_hash)
            )
            self._cur.execute(
                "UPDATE org_heads SET last_seq = %s, audit_seq = %s, audit_hash = %s, "
                "audit_signature = %s WHERE org_id = %s",
                (self.last_seq, self._audit_seq, self._audit_hash, signature, self.org_id),
            )
        self._devices, self._pending, self._written_any = {}, {}, False


def audit_entries(conn: Connection, org_id: str) -> tuple[list[AuditEntry], tuple[int, str, str]]:
    """Every audit entry of ``org_id`` in order, and the head (seq, hash, signature)."""
    cur: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cur.execute(
        "SELECT seq, at, event, op_id, kind, entity_id, actor_id, device_id, code, detail, "
        "prev_hash, entry_hash FROM server_audit WHERE org_id = %s ORDER BY seq",
        (org_id,),
    )
    entries = [AuditEntry(*row) for row in cur.fetchall()]
    cur.execute(
        "SELECT audit_seq, audit_hash, audit_signature FROM org_heads WHERE org_id = %s",
        (org_id,),
    )
    head = cur.fetchone()
    return entries, (int(head[0]), head[1], head[2]) if head else (0, GENESIS_HASH, "")
