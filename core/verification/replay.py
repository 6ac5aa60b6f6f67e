"""Replaying an op log into projections: the one loop behind ``dealos rebuild``, the
rebase of a sync round, and the check of a snapshot's history.

Confirmed ops replay in server order, then pending ones in the order they were made
(DESIGN §3), each signature verified. A kind from a newer release stays in the log and is
skipped. With ``on_refused_pending``, a pending op that no longer applies is handed to it
(to become a conflict) and its partial effects are rolled back; any other refusal means
the log itself was altered, and is a :class:`~core.errors.StoreError`.

A check replays into a private in-memory database (:func:`scratch_replay`), so the store
stays free meanwhile. When its state must replace the store's, :meth:`Scratch.adopt`
copies the replayed rows in, in SQL, holding the store's write lock for the copy alone
(about a second per 100,000 ops instead of a whole replay's 13), provided the log is still
the one replayed.

An external reader's replica holds server-signed, redacted ops instead (status
``redacted``): :func:`replay_redacted` checks each against the server's key again and
reduces it through the LP view (:mod:`core.reducers.lp_view`), in server order.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, Select, create_engine, delete, select
from sqlalchemy.pool import StaticPool

from core.collector import collector_paused
from core.errors import OpRejected, StoreError
from core.ops.batch_verify import precheck_signatures
from core.ops.envelope import Envelope, RedactedEnvelope, parse_envelope
from core.ops.kinds import spec_for
from core.redaction import verify_redacted
from core.reducers.apply import apply_op
from core.reducers.lp_view import apply_redacted
from core.store.digest import sql_state_digest
from core.store.local import LocalStore
from core.store.local_schema import op_log
from core.store.schema import PROJECTION_TABLES, metadata
from core.store.sql_projection import SqlProjection

__all__ = [
    "LoggedOp",
    "RefusedPending",
    "Scratch",
    "device_keys",
    "logged_ops",
    "redacted_ops",
    "replay_ops",
    "replay_redacted",
    "scratch_replay",
]

RefusedPending = Callable[[Connection, str, OpRejected], None]
LoggedOp = tuple[str, str, bytes]  # op_id, status, envelope
_CHUNK = 1000


def logged_ops(conn: Connection) -> list[LoggedOp]:
    """The ops a replay applies, in replay order."""
    stmt = _in_replay_order(op_log.c.op_id, op_log.c.status, op_log.c.envelope)
    return [(str(i), str(s), bytes(e)) for i, s, e in conn.execute(stmt).all()]


def redacted_ops(conn: Connection) -> list[tuple[str, bytes]]:
    """The redacted ops an external reader's replica holds, in server order."""
    stmt = (
        select(op_log.c.op_id, op_log.c.envelope)
        .where(op_log.c.status == "redacted")
        .order_by(op_log.c.server_seq, op_log.c.local_seq)
    )
    return [(str(i), bytes(e)) for i, e in conn.execute(stmt).all()]


def replay_redacted(
    conn: Connection, org_id: str, ops: Iterable[tuple[str, bytes]], *, server_key: str | None
) -> None:
    """Reduce an external reader's redacted ops onto the (empty) projection of ``org_id``,
    each checked against the server's key first: a byte changed anywhere in one is a
    :class:`~core.errors.StoreError` naming it, as is one the LP view refuses."""
    projection = SqlProjection(conn, org_id)
    for op_id, raw in ops:
        try:
            wire = json.loads(raw)
            envelope = RedactedEnvelope.model_validate(wire)
        except ValueError as exc:
            raise StoreError(
                f"redacted op {op_id} in the log is not a readable envelope ({exc}); "
                "the op log was altered or this build cannot read it"
            ) from exc
        if server_key is None or not verify_redacted(wire, server_key):
            raise StoreError(
                f"redacted op {op_id} in the log does not carry the server's signature: "
                "the op log was altered"
            )
        try:
            apply_redacted(projection, envelope)
        except OpRejected as exc:
            raise StoreError(
                f"redacted op {op_id} in the log no longer applies ({exc.code}: "
                f"{exc.message}); the op log was altered or this build cannot read it"
            ) from exc


def _replay_order(conn: Connection) -> list[tuple[str, str]]:
    """What decides a replay besides the envelopes, which the log never rewrites: which
    ops, with what status, in what order."""
    stmt = _in_replay_order(op_log.c.op_id, op_log.c.status)
    return [(str(i), str(s)) for i, s in conn.execute(stmt).all()]


def _in_replay_order(*columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .where(op_log.c.status.not_in(("rejected", "redacted")))
        .order_by(op_log.c.server_seq.is_(None), op_log.c.server_seq, op_log.c.local_seq)
    )


def device_keys(conn: Connection, org_id: str) -> dict[str, str]:
    """Device id → public key as the store holds them now: the keys a replay prechecks."""
    devices = metadata.tables["devices"]
    rows = conn.execute(
        select(devices.c.device_id, devices.c.public_key).where(devices.c.org_id == org_id)
    )
    return {str(d): str(k) for d, k in rows}


def _parsed(raw: bytes) -> Envelope | Exception:
    try:
        return parse_envelope(json.loads(raw))
    except (ValueError, OpRejected) as exc:
        return exc  # raised when the replay reaches this op, in order


def replay_ops(
    conn: Connection,
    org_id: str,
    ops: Iterable[LoggedOp],
    *,
    keys: Mapping[str, str] | None = None,
    on_refused_pending: RefusedPending | None = None,
) -> None:
    """Apply ``ops`` onto the (empty) projection of ``org_id`` on ``conn``.

    ``keys`` (device id → public key, e.g. the devices the store held before) lets each
    chunk's signatures be checked in a helper process while the reducers run; an op whose
    device has another key by the time it applies is checked again, in line.
    """
    with collector_paused():
        _replay(conn, org_id, list(ops), keys, on_refused_pending)


def _replay(
    conn: Connection,
    org_id: str,
    ops: list[LoggedOp],
    keys: Mapping[str, str] | None,
    on_refused_pending: RefusedPending | None,
) -> None:
    projection = SqlProjection(conn, org_id, cache_reference=True)
    for start in range(0, len(ops), _CHUNK):
        chunk = ops[start : start + _CHUNK]
        parsed = [(op_id, status, _parsed(raw)) for op_id, status, raw in chunk]
        with precheck_signatures(
            [e for _, _, e in parsed if isinstance(e, Envelope)], keys or {}
        ) as prechecked:
            for op_id, status, envelope in parsed:
                try:
                    if isinstance(envelope, Exception):
                        if (
                            isinstance(envelope, OpRejected)
                            and on_refused_pending is not None
                            and status == "pending"
                        ):
                            # Made by an older build under looser rules (say, a field since
                            # removed): no server would take it, so it becomes a conflict.
                            on_refused_pending(conn, op_id, envelope)
                            continue
                        raise envelope
                    if spec_for(envelope.kind) is None and status == "confirmed":
                        continue  # a kind from a newer release: kept in the log, not applied
                    checked = prechecked.key_for(envelope)
                    if on_refused_pending is not None and status == "pending":
                        try:
                            with conn.begin_nested():
                                apply_op(projection, envelope, verify=True, verified_with=checked)
                        except OpRejected as exc:
                            projection.forget()
                            on_refused_pending(conn, op_id, exc)
                        continue
                    apply_op(projection, envelope, verify=True, verified_with=checked)
                except ValueError as exc:  # not UTF-8, not JSON: the bytes themselves changed
                    raise StoreError(
                        f"op {op_id} in the log is not a readable envelope ({exc}); "
                        "the op log was altered or this build cannot read it"
                    ) from exc
                except OpRejected as exc:
                    raise StoreError(
                        f"op {op_id} in the log no longer applies ({exc.code}: {exc.message}); "
                        "the op log was altered or this build cannot read it"
                    ) from exc


_SAVED: Final = ".replayed-"  # beside the store, never in the system's temp folder
_STALE_SECONDS: Final = 3600  # no check runs this long: what is older was left by a kill


class Scratch:
    """A finished scratch replay of ``ops``: its state digest, and :meth:`adopt`."""

    def __init__(self, conn: Connection, org_id: str, ops: Sequence[LoggedOp], digest: str) -> None:
        self._conn = conn
        self._org_id = org_id
        self._ops = ops
        self.digest = digest

    def adopt(self, store: LocalStore) -> bool:
        """Replace the organization's projection rows in ``store`` with the replayed ones,
        in one write transaction, if the store's log still holds exactly the ops replayed.
        False, with nothing changed, when ops arrived or changed status meanwhile: the
        caller then replays the log as it now is.

        The replay is saved (SQLite's online backup) in a folder beside the store — it
        holds the organization's data — and attached to a store connection; a folder a
        killed check left there goes first."""
        for stale in store.data_dir.glob(f"{_SAVED}*"):
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime > _STALE_SECONDS:
                    shutil.rmtree(stale)
        with tempfile.TemporaryDirectory(dir=store.data_dir, prefix=_SAVED) as folder:
            path = Path(folder) / "replayed.sqlite"
            self._save(path)
            return self._copy_in(store.engine, path)

    def _save(self, path: Path) -> None:
        source: Any = self._conn.connection.driver_connection
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            target.close()

    def _copy_in(self, store: Engine, replayed: Path) -> bool:
        org_id = self._org_id
        with store.connect() as conn:
            raw: Any = conn.connection.driver_connection
            raw.execute("ATTACH DATABASE ? AS replayed", (str(replayed),))  # not in a BEGIN
            try:
                with conn.begin():
                    if _replay_order(conn) != [(i, s) for i, s, _ in self._ops]:
                        return False
                    for table in reversed(PROJECTION_TABLES):
                        conn.execute(delete(table).where(table.c.org_id == org_id))
                    for table in PROJECTION_TABLES:
                        names = ", ".join(f'"{c.name}"' for c in table.columns)
                        conn.exec_driver_sql(
                            f'INSERT INTO main."{table.name}" ({names}) '  # noqa: S608
                            f'SELECT {names} FROM replayed."{table.name}" WHERE org_id = ?',
                            (org_id,),
                        )
                return True
            finally:
                raw.execute("DETACH DATABASE replayed")


@contextmanager
def scratch_replay(
    org_id: str, ops: Sequence[LoggedOp], *, keys: Mapping[str, str] | None = None
) -> Iterator[Scratch]:
    """Replay ``ops`` in a private in-memory database, open until the block ends: the
    store being checked is neither locked nor touched while it runs."""
    engine = create_engine("sqlite://", poolclass=StaticPool)  # one connection, one database
    try:
        with engine.begin() as conn:
            metadata.create_all(conn, tables=list(PROJECTION_TABLES))
            replay_ops(conn, org_id, ops, keys=keys)
        with engine.connect() as conn:
            yield Scratch(conn, org_id, ops, sql_state_digest(conn, org_id))
    finally:
        engine.dispose()
