"""A new replica's first sync: load the server's signed snapshot instead of replaying.

Replaying a 100,000-op organization costs a desktop half a minute (every signature
verified, every reducer run, every op logged and audited). A replica that holds nothing
yet instead asks for ``GET /v1/sync/snapshot`` — every projection row at one
``server_seq``, signed by the server's published key — checks the signature and the
shape, pulls the op log up to that ``server_seq`` and keeps it as it came, and writes
both in one SQLite transaction. The next pull continues after the snapshot as usual.

Until the history is verified the state rests on the server's word. :func:`verify_history`
replays the kept log, verifying every author's signature (the path of ``dealos rebuild``),
and compares the result with what was loaded; the local audit chain records the snapshot
and the verdict. A server that offers no snapshot to this caller (an external reader, who
sees redacted ops; an older server) is pulled from, op by op.
"""

from __future__ import annotations

import gc
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Final

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from core.collector import collector_paused
from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.ids import is_uuid
from core.store.digest import sql_state_digest
from core.store.local_log import LocalLog
from core.store.local_schema import op_log
from core.store.snapshot_stream import SnapshotStream
from core.store.state_snapshot import (
    SnapshotError,
    checked_tables,
    verified_snapshot,
)
from core.sync.client import SyncClient, SyncError
from core.sync.messages import HistoryItem, SnapshotDocument, first_error
from core.sync.replica import APPLIED_THROUGH, CURSOR
from core.verification.replay import Scratch, device_keys, logged_ops, scratch_replay

__all__ = [
    "HISTORY_VERIFIED",
    "SNAPSHOT_SEQ",
    "Bootstrap",
    "HistoryVerdict",
    "bootstrap_from_snapshot",
    "history_unverified",
    "verify_history",
]

log = logging.getLogger(__name__)

SNAPSHOT_SEQ: Final = "snapshot_seq"
HISTORY_VERIFIED: Final = "history_verified"
SERVER_KEY: Final = "server_public_key"
NO_SNAPSHOT: Final = "no_snapshot"  # the server offers this caller none: do not ask again
_PAGE: Final = 1000
_PAGES_AHEAD: Final = 2  # pages of history pulled ahead of the load: a few MB
_NO_END: Final = 2**63
_OP_FIELDS: Final = (
    ("op_id", str),
    ("kind", str),
    ("entity_id", str),
    ("actor_id", str),
    ("device_id", str),
    ("device_seq", int),
    ("issued_at", str),
)


@dataclass(frozen=True, slots=True)
class Bootstrap:
    server_seq: int
    rows: int
    history: int


@dataclass(frozen=True, slots=True)
class HistoryVerdict:
    ok: bool
    loaded_digest: str
    replayed_digest: str
    ops: int
    repair: str | None = None  # on a mismatch: "copied" (the replayed rows) or "rebuilt"


def _is_empty(ws: Workspace, conn: Connection) -> bool:
    held = conn.execute(select(func.count()).select_from(op_log)).scalar_one()
    return held == 0 and (ws.store.meta(conn, CURSOR) or "0") == "0"


def _log_row(item: HistoryItem) -> tuple[Any, ...]:
    """An op-log row for one pulled op, or :class:`SnapshotError` saying what is wrong.

    The page's shape is the model's (:class:`HistoryPage`); of each op, only the fields
    the log's columns hold are checked here — the history's replay checks the rest."""
    op, seq = item["op"], item["server_seq"]
    values = []
    for name, kind in _OP_FIELDS:
        value = op.get(name)
        if type(value) is not kind:
            raise SnapshotError(f"op at server_seq {seq} has no valid {name}")
        values.append(value)
    # orjson's bytes keep its 4 KiB write buffer; an exact copy does not, so a
    # 100,000-op history takes about 65 MB, not 400 (docs/PERFORMANCE.md).
    envelope = bytes(memoryview(orjson.dumps(op)))
    return (values[0], seq, *values[1:], envelope, "confirmed")


class _History:
    """The op log from the first op on, pulled page by page on a thread of its own while
    the snapshot downloads and loads, and handed over a few pages at a time (a bounded
    queue: the log of a large organization is never held whole). Staff see every op, so
    ``server_seq`` only rises; it may skip a number an operator removed (a forged op,
    ``dealos server remove-op``), which the history check's replay judges like everything
    else."""

    def __init__(self, client: SyncClient) -> None:
        self.pages: queue.Queue[list[tuple[Any, ...]]] = queue.Queue(maxsize=_PAGES_AHEAD)
        self.after = 0
        self.ended = False  # the server said it has no more
        # Set once the snapshot's server_seq is known: no need to chase a busy org past it.
        self.target: int | None = None
        self.kept = 0  # ops written into the log
        self._client = client
        self._stop = threading.Event()

    def pull(
        self, through: int | None = None, sink: Callable[[list[Any]], None] | None = None
    ) -> None:
        """Pull until the server has no more (``through`` None) or through ``through``,
        each page's rows to ``sink`` (by default the queue, for the loading thread)."""
        while not self._stop.is_set() and self.after < min(
            through or _NO_END, self.target or _NO_END
        ):
            page = self._client.pull_history(self.after, _PAGE)
            has_more = page.has_more
            rows = []
            for item in page.ops:
                seq = item["server_seq"]
                if seq <= self.after:
                    raise SnapshotError(
                        f"the history goes back from server_seq {self.after} to {seq}; "
                        "a snapshot needs the log in order"
                    )
                rows.append(_log_row(item))
                self.after = seq
            del page
            # The collector is paused (collector_paused): free the page's response now,
            # which sits in a reference cycle with its body (~0.6 MB), or every page of
            # the log would stay until the end. The young generations are small.
            gc.collect(1)
            (sink or self._queue)(rows)
            if not rows or not has_more:
                self.ended = True
                break

    def _queue(self, rows: list[Any]) -> None:
        while not self._stop.is_set():
            try:
                self.pages.put(rows, timeout=0.1)
                return
            except queue.Full:
                continue

    def stop(self) -> None:
        self._stop.set()

    def keep(self, log: LocalLog, seq: int, rows: list[Any]) -> None:
        """Write the rows up to ``seq`` into the log."""
        kept = [row for row in rows if row[1] <= seq]
        log.append_rows(kept)
        self.kept += len(kept)

    def drain(self, log: LocalLog, seq: int) -> None:
        """Write every page waiting (without waiting for more)."""
        while True:
            try:
                self.keep(log, seq, self.pages.get_nowait())
            except queue.Empty:
                return

    def through(self, log: LocalLog, seq: int, pulling: Future[None]) -> int:
        """Write exactly the ops up to ``seq`` (pulling the rest if the snapshot is newer
        than what the thread reached); how many the log now holds."""
        while not pulling.done() or not self.pages.empty():
            try:
                self.keep(log, seq, self.pages.get(timeout=0.05))
            except queue.Empty:
                continue
        pulling.result()
        if self.after < seq:
            # Pulled to the end before the snapshot was taken, or not yet that far: ask
            # again. A server with nothing up to ``seq`` left has removed those ops.
            self.ended = False
            self.pull(seq, lambda rows: self.keep(log, seq, rows))
        if self.after < seq and not self.ended:
            raise SnapshotError(f"the history ends at server_seq {self.after}, not {seq}")
        return self.kept


class _NoSnapshot(Exception):
    def __init__(self, *, ever: bool) -> None:
        super().__init__()
        self.ever = ever  # False: this caller will never get one (ask no more)


class _Unstreamed(Exception):
    """The streamed snapshot could not be loaded as it came: read it whole instead."""


@contextmanager
def _refusals() -> Iterator[None]:
    """A redacted view or a server without snapshots: never ask again. Too many asked for
    just now: not this time. Either way this round pulls the log instead."""
    try:
        yield
    except SyncError as exc:
        if exc.status in (403, 404, 429):
            raise _NoSnapshot(ever=exc.status == 429) from None
        raise


def _snapshot(client: SyncClient, pinned: str | None) -> tuple[str, dict[str, Any]]:
    """The server key and the verified snapshot document, the body read whole."""
    with _refusals():
        body = client.snapshot()
    key = pinned or client.server_key()
    document = verified_snapshot(body, key)
    if document is None:
        raise SnapshotError("the snapshot does not carry the server's signature")
    # The protocol's shape (the model); checked_tables then fits it to this build's schema.
    try:
        SnapshotDocument.model_validate(document)
    except ValidationError as exc:
        field, why = first_error(exc)
        raise SnapshotError(f"the snapshot is not what the protocol says: {field}: {why}") from None
    return key, document


def bootstrap_from_snapshot(ws: Workspace, client: SyncClient) -> Bootstrap | None:
    """Load the server's snapshot into an empty replica; None if it offers none.

    The body is streamed: rows go into SQLite a batch at a time, the log beside them a
    page at a time, and the transaction commits only once the server's signature covers
    every byte. A body the stream cannot take as it came (laid out otherwise, cut short,
    not signed, signed yet wrong) is then read whole and judged as before, so the refusal
    names the first thing wrong. Raises :class:`SnapshotError` (and writes nothing) when
    the snapshot is not signed by the server's key or is not what the protocol says.
    """
    with ws.store.transaction() as conn:
        if not _is_empty(ws, conn) or ws.store.meta(conn, NO_SNAPSHOT) == "1":
            return None
        pinned = ws.store.meta(conn, SERVER_KEY)
    try:
        try:
            return _bootstrap(ws, client, pinned, streamed=True)
        except _Unstreamed:
            return _bootstrap(ws, client, pinned, streamed=False)
    except _NoSnapshot as none:
        if not none.ever:
            with ws.store.transaction() as conn:
                ws.store.set_meta(conn, NO_SNAPSHOT, "1")
        return None


def _bootstrap(
    ws: Workspace, client: SyncClient, pinned: str | None, *, streamed: bool
) -> Bootstrap | None:
    history_client = SyncClient(client.base_url, token=client.token)
    history = _History(history_client)
    try:
        with (
            collector_paused(),
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="dealos-history") as pool,
        ):
            pulling = pool.submit(history.pull)
            try:
                load = _streamed if streamed else _whole
                return load(ws, client, pinned, history, pulling)
            finally:
                history.stop()
    finally:
        history_client.close()


def _streamed(
    ws: Workspace,
    client: SyncClient,
    pinned: str | None,
    history: _History,
    pulling: Future[None],
) -> Bootstrap | None:
    with ExitStack() as opened:
        with _refusals():  # only the request's answer: later errors are what they are
            chunks = opened.enter_context(client.snapshot_stream())
        stream = SnapshotStream(chunks)
        try:
            seq = stream.header(ws.org_id)
        except SnapshotError:
            raise _Unstreamed from None
        history.target = seq
        with ws.store.transaction() as conn:
            if not _is_empty(ws, conn):
                return None  # another sync got here first
            log = LocalLog(conn)
            insert = _inserter(ws, conn)
            rows = 0
            try:
                for table, columns, batch in stream.batches():
                    insert(table, columns, batch)
                    rows += len(batch)
                    history.drain(log, seq)
            except (SnapshotError, sqlite3.IntegrityError):
                raise _Unstreamed from None
            key = pinned or client.server_key()
            if not stream.signed(key):
                raise _Unstreamed
            try:
                ops = history.through(log, seq, pulling)
            except sqlite3.IntegrityError as exc:
                raise SnapshotError(f"the history does not fit a store: {exc}") from None
            _mark(ws, conn, seq, key, rows, ops)
    return Bootstrap(seq, rows, ops)


def _whole(
    ws: Workspace,
    client: SyncClient,
    pinned: str | None,
    history: _History,
    pulling: Future[None],
) -> Bootstrap | None:
    key, document = _snapshot(client, pinned)
    seq, tables = checked_tables(document, ws.org_id)
    history.target = seq
    with ws.store.transaction() as conn:
        if not _is_empty(ws, conn):
            return None  # another sync got here first
        try:
            insert = _inserter(ws, conn)
            for table in tables:
                insert(table.name, table.columns, table.rows)
            rows = sum(len(table.rows) for table in tables)
            ops = history.through(LocalLog(conn), seq, pulling)
        except sqlite3.IntegrityError as exc:  # e.g. one key twice: signed, yet wrong
            raise SnapshotError(f"the snapshot does not fit a store: {exc}") from None
        _mark(ws, conn, seq, key, rows, ops)
    return Bootstrap(seq, rows, ops)


def _inserter(ws: Workspace, conn: Connection) -> Callable[[str, tuple[str, ...], list[Any]], None]:
    """Writes a batch of a table's rows into the replica's store."""
    if not is_uuid(ws.org_id):  # it is written into the statement below, not bound
        raise SnapshotError(f"this replica's organization id {ws.org_id!r} is not a UUID")
    cur: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def insert(table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
        names = ", ".join(("org_id", *columns))
        marks = ", ".join("?" * len(columns))
        cur.executemany(
            f"INSERT INTO \"{table}\" ({names}) VALUES ('{ws.org_id}', {marks})",  # noqa: S608
            rows,
        )

    return insert


def _mark(ws: Workspace, conn: Connection, seq: int, key: str, rows: int, ops: int) -> None:
    for name, value in (
        (CURSOR, seq),
        (APPLIED_THROUGH, seq),
        (SNAPSHOT_SEQ, seq),
        (HISTORY_VERIFIED, 0),
        (SERVER_KEY, key),
    ):
        ws.store.set_meta(conn, name, str(value))
    ws.audit_event(
        conn,
        "snapshot.loaded",
        f"server snapshot at server_seq {seq}: {rows} rows, {ops} ops of history kept "
        "unverified until replayed",
    )


def _adopt(ws: Workspace, scratch: Scratch) -> bool:
    """Copy the scratch replay's rows over the store's; False if the log changed since,
    or the copy could not be made (no disk space, the store busy): then a rebuild."""
    try:
        return scratch.adopt(ws.store)
    except (OSError, sqlite3.Error, DBAPIError) as exc:
        log.warning("copying the replayed state failed (%s); rebuilding instead", exc)
        return False


def history_unverified(ws: Workspace) -> bool:
    """True while a snapshot's state has not been checked against its op log."""
    with ws.store.transaction() as conn:
        seq = ws.store.meta(conn, SNAPSHOT_SEQ)
        return seq is not None and ws.store.meta(conn, HISTORY_VERIFIED) != seq


def verify_history(ws: Workspace) -> HistoryVerdict:
    """Replay the whole log (every signature checked) in a private scratch database and
    compare the result with the store's state, read in the same transaction as the log.

    The store is not locked while the replay runs, so the desktop keeps working. On a
    mismatch (``ok`` false) the replayed state replaces the store's — what the signed ops
    say wins over what the server sent — copied in under the write lock if the log is
    still the one replayed, else by a rebuild from the log as it now is; the audit chain
    records that the snapshot was wrong. A log that does not replay at all raises
    ``StoreError``, as ``dealos rebuild``.
    """
    with collector_paused():
        with reading(ws) as conn:  # a WAL snapshot: no writer waits for it
            ops = logged_ops(conn)
            loaded = sql_state_digest(conn, ws.org_id)
            keys = device_keys(conn, ws.org_id)  # only to check signatures ahead, in parallel
            seq = ws.store.meta(conn, SNAPSHOT_SEQ) or "0"
        with scratch_replay(ws.org_id, ops, keys=keys) as scratch:
            replayed = scratch.digest
            ok = loaded == replayed
            repair = None if ok else "copied" if _adopt(ws, scratch) else "rebuilt"
    if repair == "rebuilt":
        ws.rebuild()  # the log moved on during the replay: replay it as it now is
    with ws.store.transaction() as conn:
        # Repaired or not, the state now is what the signed ops give: nothing left to check.
        ws.store.set_meta(conn, HISTORY_VERIFIED, seq)
        if ok:
            ws.audit_event(
                conn, "history.verified", f"{len(ops)} ops replayed; state digest {replayed}"
            )
        else:
            ws.audit_event(
                conn,
                "history.mismatch",
                f"replaying {len(ops)} signed ops gave {replayed}, not the loaded {loaded}; "
                + (
                    "the replayed state replaced it"
                    if repair == "copied"
                    else "the store was rebuilt from the log"
                ),
                code="snapshot_mismatch",
            )
    return HistoryVerdict(ok, loaded, replayed, len(ops), repair)
