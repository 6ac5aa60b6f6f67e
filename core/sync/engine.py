"""One sync round: push the outbox, pull what is new, and rebase when order demands it.

After a push every op this replica made has been judged: accepted ones get their
``server_seq``, rejected ones leave the log's replay and wait in the conflicts inbox. The
pull then walks the server's ops in order. While they line up with what this replica
already applied — its own ops in the order it made them, or others' ops with nothing of
ours pending — they are applied on top (the fast path). The moment they do not (another
device's op landed between two of ours, or one of ours was rejected), the replica
rebuilds its projection from the log: confirmed ops in server order, then pending ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, select, update

from core.errors import OpRejected
from core.ops.envelope import parse_envelope
from core.ops.kinds import spec_for
from core.redaction import verify_redacted
from core.services.workspace import Workspace
from core.store.local_schema import conflicts, op_log
from core.sync.client import SyncClient
from core.sync.replica import PulledOp, Replica
from core.sync.snapshot import entity_snapshot

__all__ = ["SyncEngine", "SyncReport"]

NEEDS_REBASE = "needs_rebase"
UPDATE_AVAILABLE = "update_available"
SERVER_KEY = "server_public_key"


@dataclass(frozen=True, slots=True)
class SyncReport:
    pushed: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: int = 0
    applied: int = 0
    rebased: bool = False
    conflicts: list[str] = field(default_factory=list)
    last_seq: int = 0
    # An op kind this build does not know arrived: a newer Deal OS is available.
    unknown_kind: str | None = None

    def summary(self) -> str:
        return (
            f"pushed {self.pushed} (accepted {self.accepted}, duplicate {self.duplicates}, "
            f"rejected {self.rejected}); pulled {self.pulled}, applied {self.applied}"
            f"{', rebased' if self.rebased else ''}; at server seq {self.last_seq}"
        )


class SyncEngine:
    def __init__(
        self, ws: Workspace, client: SyncClient, *, batch: int = 500, page: int = 1000
    ) -> None:
        self.ws = ws
        self.client = client
        self.replica = Replica(ws)
        self.batch = batch
        self.page = page

    def run_once(self) -> SyncReport:
        """Push, pull, rebase if needed. Raises ``ServerUnavailable`` when offline."""
        pushed, accepted, duplicates, rejected = self._push()
        pulled, applied, needs_rebase = self._pull()
        rebased = False
        if needs_rebase or rejected or self._flagged():
            self._rebase()
            rebased = True
        with self.ws.store.transaction() as conn:
            last = self.replica.cursor_in(conn)
            unknown = self.ws.store.meta(conn, UPDATE_AVAILABLE)
            open_conflicts = [
                r[0]
                for r in conn.execute(
                    select(conflicts.c.op_id).where(conflicts.c.resolution.is_(None))
                )
            ]
        return SyncReport(
            pushed,
            accepted,
            duplicates,
            rejected,
            pulled,
            applied,
            rebased,
            open_conflicts,
            last,
            unknown or None,
        )

    # -- push ----------------------------------------------------------------------------

    def _push(self) -> tuple[int, int, int, int]:
        pushed = accepted = duplicates = rejected = 0
        while True:
            batch = self.replica.pending(self.batch)
            if not batch:
                break
            results = self.client.push(self.ws.device_id, batch)
            if len(results) != len(batch):
                raise OpRejected(
                    "invalid_payload",
                    f"the server answered a push with {len(results)} results for {len(batch)} ops",
                )
            with self.ws.store.transaction() as conn:
                for op, result in zip(batch, results, strict=True):
                    status = result.get("status")
                    if status in ("accepted", "duplicate"):
                        self.replica.confirm(conn, op["op_id"], int(result["server_seq"]))
                        accepted += status == "accepted"
                        duplicates += status == "duplicate"
                    else:
                        self.replica.reject(conn, op["op_id"], result.get("error") or {})
                        rejected += 1
                        self.ws.store.set_meta(conn, NEEDS_REBASE, "1")
            pushed += len(batch)
        return pushed, accepted, duplicates, rejected

    # -- pull ----------------------------------------------------------------------------

    def _pull(self) -> tuple[int, int, bool]:
        pulled = applied = 0
        needs_rebase = False
        while True:
            after = self.replica.cursor()
            page = self.client.pull(after, self.page)
            items = page.get("ops", [])
            with self.ws.store.transaction() as conn:
                placed = self._unplaced(conn)
                for item in items:
                    pulled += 1
                    op = PulledOp(
                        int(item["server_seq"]),
                        parse_envelope(item["op"]),
                        bool(item.get("redacted", False)),
                    )
                    applied += self._take(conn, op, placed)
                if self.ws.store.meta(conn, NEEDS_REBASE) == "1":
                    needs_rebase = True
                self.replica.set_cursor(conn, int(page.get("next_after", after)))
                self.ws.seal_audit(conn)
            if not page.get("has_more") or not items:
                break
        return pulled, applied, needs_rebase

    def _unplaced(self, conn: Connection) -> list[str]:
        """Our ops applied locally but not yet placed in server order, in the order made."""
        through = self.replica.applied_through(conn)
        rows = conn.execute(
            select(op_log.c.op_id)
            .where(
                op_log.c.status.not_in(("rejected", "redacted")),
                op_log.c.server_seq.is_(None) | (op_log.c.server_seq > through),
            )
            .order_by(op_log.c.local_seq)
        ).all()
        return [r[0] for r in rows]

    def _take(self, conn: Connection, op: PulledOp, unplaced: list[str]) -> int:
        """Fold one pulled op into the replica; returns 1 if it was applied on top."""
        if op.redacted:
            # An external reader's view: signed by the server, kept, never reduced.
            if not verify_redacted(op.envelope.wire(), self._server_key(conn)):
                raise OpRejected(
                    "invalid_signature",
                    f"redacted op {op.envelope.op_id} does not carry the server's signature",
                    field="signature",
                )
            if self.replica.known(conn, op.envelope.op_id) is None:
                self.replica.record_foreign(conn, op, status="redacted")
            self.replica.set_applied_through(conn, op.server_seq)
            return 0
        known = self.replica.known(conn, op.envelope.op_id)
        if known is not None:
            if known[1] is None:  # ours, pushed in a round whose answer was lost
                self.replica.confirm(conn, op.envelope.op_id, op.server_seq)
            if unplaced and unplaced[0] == op.envelope.op_id:
                unplaced.pop(0)
                self.replica.set_applied_through(conn, op.server_seq)
            elif self.replica.applied_through(conn) < op.server_seq:
                self.ws.store.set_meta(conn, NEEDS_REBASE, "1")
            return 0
        if spec_for(op.envelope.kind) is None:
            # PROTOCOL "Versioning": keep it, skip it in projections, say an update exists.
            self.replica.record_foreign(conn, op)
            self.ws.store.set_meta(conn, UPDATE_AVAILABLE, op.envelope.kind)
            if not unplaced:
                self.replica.set_applied_through(conn, op.server_seq)
            return 0
        if unplaced or self.ws.store.meta(conn, NEEDS_REBASE) == "1":
            self.replica.record_foreign(conn, op)
            self.ws.store.set_meta(conn, NEEDS_REBASE, "1")
            return 0
        self.ws.apply_received(conn, op.envelope, server_seq=op.server_seq)
        self.replica.set_applied_through(conn, op.server_seq)
        return 1

    def _server_key(self, conn: Connection) -> str:
        key = self.ws.store.meta(conn, SERVER_KEY)
        if key is None:
            key = self.client.server_key()
            self.ws.store.set_meta(conn, SERVER_KEY, key)
        return key

    # -- rebase --------------------------------------------------------------------------

    def _flagged(self) -> bool:
        with self.ws.store.transaction() as conn:
            return self.ws.store.meta(conn, NEEDS_REBASE) == "1"

    def _rebase(self) -> None:
        def refused(conn: Connection, op_id: str, exc: OpRejected) -> None:
            # It would be refused by the server too: the user decides from the inbox.
            self.replica.reject(conn, op_id, exc.as_error())

        self.ws.rebuild(on_refused_pending=refused)
        with self.ws.store.transaction() as conn:
            self.replica.set_applied_through(conn, self.replica.max_server_seq(conn))
            self.ws.store.set_meta(conn, NEEDS_REBASE, "0")
            for op_id in self.replica.open_conflicts_without_value(conn):
                raw = conn.execute(
                    select(op_log.c.envelope).where(op_log.c.op_id == op_id)
                ).scalar_one()
                entity_id = json.loads(raw)["entity_id"]
                value = entity_snapshot(conn, self.ws.org_id, entity_id)
                conn.execute(
                    update(conflicts)
                    .where(conflicts.c.op_id == op_id)
                    .values(server_value=json.dumps(value, sort_keys=True))
                )
