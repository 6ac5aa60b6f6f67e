"""One sync round: push the outbox, pull what is new, and rebase when order demands it.

After a push every op this replica made has been judged: accepted ones get their
``server_seq``, rejected ones leave the log's replay and wait in the conflicts inbox. The
pull then walks the server's ops in order. While they line up with what this replica
already applied — its own ops in the order it made them, or others' ops with nothing of
ours pending — they are applied on top (the fast path). The moment they do not (another
device's op landed between two of ours, or one of ours was rejected), the replica
rebuilds its projection from the log: confirmed ops in server order, then pending ones.

A store restored from its snapshot (``dealos restore``) may be behind the server on its
own ops: those it pushed after the snapshot come back in the pull as ops it does not know,
signed by this very device. They are applied like anyone else's, and the device's
``device_seq`` moves past the highest of them in the same transaction, so the next op it
signs is never refused as ``device_seq_reused`` (docs/OPERATIONS.md, "Lost laptop"). The
first round that completes clears the store's ``rejoin_pending`` mark.

An external reader's replica pulls redacted ops instead: each is checked against the
server's key, kept, and reduced as the reader sees it (:mod:`core.reducers.lp_view`).
What a reader is shown of an op is decided by the state when it is pulled, and a later op
can change that for ops already behind its cursor: a deal granted to counsel opens the
deal's earlier ops and documents, a draft call deleted hides the fact of its creation. So
each round of a reader ends by comparing its view with the one the server computes for it
now (``GET /v1/sync/state``); when they differ, the replica pulls its whole view again
into an empty projection, as a new replica of the same reader would hold it.

Last, document files move (:mod:`core.sync.blobs`): those of accepted documents go up,
those of documents this replica shows come down; one that fails is reported in the
summary and tried again next round, never failing the round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, select, update

from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ops.batch_verify import Prechecked, precheck_signatures
from core.ops.envelope import Envelope, RedactedEnvelope
from core.ops.kinds import spec_for
from core.redaction import verify_redacted
from core.store.local_log import REJOIN_PENDING
from core.store.local_schema import conflicts, op_log
from core.store.sql_projection import SqlProjection
from core.sync.blobs import BlobReport, BlobTransfer
from core.sync.bootstrap import SERVER_KEY, Bootstrap, bootstrap_from_snapshot
from core.sync.client import SyncClient
from core.sync.errors import MalformedResponse
from core.sync.messages import AcceptedOp, ErrorDetail, PulledItem
from core.sync.replica import READER_META, Replica, view_digest
from core.sync.snapshot import entity_snapshot

__all__ = ["REJOIN_PENDING", "SyncEngine", "SyncReport"]

NEEDS_REBASE = "needs_rebase"
DEVICE_SEQ = "device_seq"
UPDATE_AVAILABLE = "update_available"


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
    # A new replica loaded the server's signed snapshot instead of replaying the log.
    snapshot: Bootstrap | None = None
    # Document files sent and fetched after the ops, and those still waiting.
    files: BlobReport | None = None
    # An external reader's view differed from the server's and was pulled again whole.
    reloaded: bool = False

    def summary(self) -> str:
        loaded = (
            f"loaded the server's snapshot at seq {self.snapshot.server_seq} "
            f"({self.snapshot.rows} rows, {self.snapshot.history} ops of history to verify); "
            if self.snapshot
            else ""
        )
        files = f"; {self.files.summary()}" if self.files and self.files.moved_or_waiting else ""
        return (
            f"{loaded}pushed {self.pushed} (accepted {self.accepted}, duplicate "
            f"{self.duplicates}, rejected {self.rejected}); pulled {self.pulled}, applied "
            f"{self.applied}{', rebased' if self.rebased else ''}"
            f"{', view pulled again' if self.reloaded else ''}; at server seq {self.last_seq}"
            f"{files}"
        )


@dataclass
class _PageState:
    """The replica's position while one pulled page is folded in; saved once at its end."""

    unplaced: list[str]
    known: dict[str, tuple[str, int | None]]
    applied_through: int
    needs_rebase: bool
    projection: SqlProjection
    prechecked: Prechecked
    unknown_kind: str | None = None
    own_seq: int = 0  # the highest device_seq of this device's ops the page brought back

    def save(self, ws: Workspace, replica: Replica, conn: Connection) -> None:
        replica.set_applied_through(conn, self.applied_through)
        if self.own_seq > int(ws.store.meta(conn, DEVICE_SEQ) or "0"):
            ws.store.set_meta(conn, DEVICE_SEQ, str(self.own_seq))
        if self.needs_rebase:
            ws.store.set_meta(conn, NEEDS_REBASE, "1")
        if self.unknown_kind is not None:
            ws.store.set_meta(conn, UPDATE_AVAILABLE, self.unknown_kind)


class SyncEngine:
    def __init__(
        self,
        ws: Workspace,
        client: SyncClient,
        *,
        batch: int = 500,
        page: int = 1000,
        snapshots: bool = True,
        files: bool = True,
    ) -> None:
        self.ws = ws
        self.files = files  # move document files after the ops (core.sync.blobs)
        self.snapshots = snapshots  # an empty replica starts from the server's snapshot
        self.client = client
        self.replica = Replica(ws)
        self.batch = batch
        self.page = page

    def run_once(self) -> SyncReport:
        """Push, pull, rebase if needed. Raises ``ServerUnavailable`` when offline."""
        snapshot = bootstrap_from_snapshot(self.ws, self.client) if self.snapshots else None
        pushed, accepted, duplicates, rejected = self._push()
        pulled, applied, needs_rebase = self._pull()
        rebased = False
        if needs_rebase or rejected or self._flagged():
            self._rebase()
            rebased = True
        reloaded = self._reload_view_if_stale()
        with self.ws.store.transaction() as conn:
            if self.ws.store.meta(conn, REJOIN_PENDING) == "1":
                self.ws.store.set_meta(conn, REJOIN_PENDING, "0")
            last = self.replica.cursor_in(conn)
            unknown = self.ws.store.meta(conn, UPDATE_AVAILABLE)
            open_conflicts = [
                r[0]
                for r in conn.execute(
                    select(conflicts.c.op_id).where(conflicts.c.resolution.is_(None))
                )
            ]
        files = self._move_files() if self.files else None
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
            snapshot,
            files,
            reloaded,
        )

    def _move_files(self) -> BlobReport:
        """Send the files of accepted documents the server lacks, fetch those this replica
        lacks; a file that fails waits for the next sync and never fails this one."""
        transfer = BlobTransfer(self.ws, self.client.base_url, self.client.token)
        try:
            return transfer.run()
        finally:
            transfer.close()

    # -- push ----------------------------------------------------------------------------

    def _push(self) -> tuple[int, int, int, int]:
        pushed = accepted = duplicates = rejected = 0
        # Only what was waiting when the round began: ops made while it pushes wait for the
        # next round, or a busy writer on a slow network would keep the round from ever
        # reaching its pull (the incident drill's delayed network showed it).
        owed = self.replica.pending_count()
        while owed > 0:
            batch = self.replica.pending(min(self.batch, owed))
            if not batch:
                break
            owed -= len(batch)
            results = self.client.push(self.ws.device_id, batch)
            if len(results) != len(batch):
                raise MalformedResponse(
                    200,
                    f"the server answered a push with {len(results)} results for {len(batch)} ops",
                    "results",
                )
            for i, (op, result) in enumerate(zip(batch, results, strict=True)):
                if result.op_id is not None and result.op_id != op["op_id"]:
                    raise MalformedResponse(
                        200,
                        f"the server's result {i} of a push is for op {result.op_id}, not for "
                        f"{op['op_id']}: results come one per op, in request order",
                        f"results.{i}.op_id",
                    )
            with self.ws.store.transaction() as conn:
                for op, result in zip(batch, results, strict=True):
                    if isinstance(result, AcceptedOp):
                        self.replica.confirm(conn, op["op_id"], result.server_seq)
                        accepted += result.status == "accepted"
                        duplicates += result.status == "duplicate"
                    else:
                        self.replica.reject(conn, op["op_id"], result.error)
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
            ops = page.ops
            with self.ws.store.transaction() as conn:
                state = self._page_state(conn, ops)
                with state.prechecked:
                    for op in ops:
                        pulled += 1
                        applied += self._take(conn, op, state)
                state.save(self.ws, self.replica, conn)
                needs_rebase = needs_rebase or state.needs_rebase
                self.replica.set_cursor(conn, page.next_after)
                self.ws.seal_audit(conn)
            if not page.has_more or not ops:
                break
        return pulled, applied, needs_rebase

    def _page_state(self, conn: Connection, ops: list[PulledItem]) -> _PageState:
        """What the replica holds, read once per pulled page rather than once per op."""
        through = self.replica.applied_through(conn)
        unplaced = [
            r[0]
            for r in conn.execute(
                select(op_log.c.op_id)
                .where(
                    op_log.c.status.not_in(("rejected", "redacted")),
                    op_log.c.server_seq.is_(None) | (op_log.c.server_seq > through),
                )
                .order_by(op_log.c.local_seq)
            )
        ]
        ids = [item.op.op_id for item in ops]
        known = (
            {
                r[0]: (str(r[1]), r[2])
                for r in conn.execute(
                    select(op_log.c.op_id, op_log.c.status, op_log.c.server_seq).where(
                        op_log.c.op_id.in_(ids)
                    )
                )
            }
            if ids
            else {}
        )
        projection = SqlProjection(conn, self.ws.org_id, cache_reference=True)
        keys = {d["device_id"]: d["public_key"] for d in projection.rows("devices", {})}
        foreign = [
            item.op for item in ops if isinstance(item.op, Envelope) and item.op.op_id not in known
        ]
        return _PageState(
            unplaced=unplaced,
            known=known,
            applied_through=through,
            needs_rebase=self.ws.store.meta(conn, NEEDS_REBASE) == "1",
            projection=projection,
            prechecked=precheck_signatures(foreign, keys),
        )

    def _take(self, conn: Connection, op: PulledItem, state: _PageState) -> int:
        """Fold one pulled op into the replica; returns 1 if it was applied on top."""
        env = op.op
        if isinstance(env, RedactedEnvelope):
            # An external reader's view: signed by the server, reduced as the reader sees it.
            if not verify_redacted(env.wire(), self._server_key(conn)):
                raise OpRejected(
                    "invalid_signature",
                    f"redacted op {env.op_id} does not carry the server's signature",
                    field="signature",
                )
            state.applied_through = op.server_seq
            if env.op_id in state.known:
                return 0
            if spec_for(env.kind) is None:
                state.unknown_kind = env.kind
            applied = self.ws.apply_redacted(
                conn, env, server_seq=op.server_seq, projection=state.projection
            )
            return int(applied is not None)
        known = state.known.get(env.op_id)
        if known is not None:
            if known[1] is None:  # ours, pushed in a round whose answer was lost
                self.replica.confirm(conn, env.op_id, op.server_seq)
            if state.unplaced and state.unplaced[0] == env.op_id:
                state.unplaced.pop(0)
                state.applied_through = op.server_seq
            elif state.applied_through < op.server_seq:
                state.needs_rebase = True
            return 0
        if env.device_id == self.ws.device_id:  # ours, yet unknown: a restored store
            state.own_seq = max(state.own_seq, env.device_seq)
        if spec_for(env.kind) is None:
            # PROTOCOL "Versioning": keep it, skip it in projections, say an update exists.
            self.replica.record_foreign(conn, op)
            state.unknown_kind = env.kind
            if not state.unplaced:
                state.applied_through = op.server_seq
            return 0
        if state.unplaced or state.needs_rebase:
            self.replica.record_foreign(conn, op)
            state.needs_rebase = True
            return 0
        self.ws.apply_received(
            conn,
            env,
            server_seq=op.server_seq,
            projection=state.projection,
            verified_with=state.prechecked.key_for(env),
        )
        state.applied_through = op.server_seq
        return 1

    def _server_key(self, conn: Connection) -> str:
        key = self.ws.store.meta(conn, SERVER_KEY)
        if key is None:
            key = self.client.server_key()
            self.ws.store.set_meta(conn, SERVER_KEY, key)
        return key

    # -- an external reader's view --------------------------------------------------------

    def _reload_view_if_stale(self) -> bool:
        """Pull an external reader's whole view again when it differs from the server's."""
        with self.ws.store.transaction() as conn:
            reader = self.ws.store.meta(conn, READER_META) is not None
            cursor = self.replica.cursor_in(conn)
        if not reader:
            return False
        server = self.client.state()
        # Ops shown after this round's pull are the next round's, not a difference.
        if server.last_seq > cursor or view_digest(self.ws) == server.digest:
            return False
        with self.ws.store.transaction() as conn:
            conn.execute(delete(op_log).where(op_log.c.status == "redacted"))
            self.replica.set_cursor(conn, 0)
            self.replica.set_applied_through(conn, 0)
        self.ws.rebuild()  # nothing left to replay: the reader's projection is emptied
        self._pull()
        return True

    # -- rebase --------------------------------------------------------------------------

    def _flagged(self) -> bool:
        with self.ws.store.transaction() as conn:
            return self.ws.store.meta(conn, NEEDS_REBASE) == "1"

    def _rebase(self) -> None:
        def refused(conn: Connection, op_id: str, exc: OpRejected) -> None:
            # It would be refused by the server too: the user decides from the inbox.
            self.replica.reject(conn, op_id, ErrorDetail.of(exc))

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
