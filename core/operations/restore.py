"""``dealos restore``: a store brought back from its replica, then proven sound.

The restore writes into a folder that holds no store and that no replication runs in;
anything else is refused before a byte is written. Then each check runs on the restored
file and is reported with its time: SQLite's integrity check, the audit chain against the
device's registered key, and the state digest — the projection rows as restored against
the same rows rebuilt by replaying the op log, every signature verified.

A restored store is marked ``restored_at``/``restored_from`` in its meta and
``rejoin_pending`` until its first sync round (:mod:`core.sync.engine`), which pulls back
the ops this device pushed after the snapshot and moves its ``device_seq`` past them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, delete, func, select

from core.errors import DealOSError, KeyStoreError
from core.keys import KeyStore
from core.operations.document_files import BLOBS_DIR
from core.operations.litestream import LitestreamError, ReplicaTarget, run_restore
from core.operations.replica_documents import download_documents
from core.operations.supervisor import holds_lock
from core.redaction import SERVER_KEY_META
from core.store.digest import sql_state_digest
from core.store.local import DB_FILENAME, REPLICATION_ON, LocalStore
from core.store.local_log import LocalLog
from core.store.local_schema import audit_log, op_log, outbox
from core.store.schema import PROJECTION_TABLES, devices
from core.sync.engine import REJOIN_PENDING
from core.verification.audit_trail import verify_local_audit
from core.verification.replay import (
    device_keys,
    logged_ops,
    redacted_ops,
    replay_ops,
    replay_redacted,
)

__all__ = ["REJOIN_PENDING", "Check", "RestoreReport", "restore_store"]

RESTORED_AT = "restored_at"
RESTORED_FROM = "restored_from"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float
    skipped: bool = False

    @property
    def result(self) -> str:
        return "skip" if self.skipped else "pass" if self.ok else "FAIL"


@dataclass(frozen=True, slots=True)
class RestoreReport:
    target: Path
    checks: list[Check] = field(default_factory=list)
    ops: int = 0
    unpushed: int = 0
    last_change: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.checks)

    def table(self) -> str:
        width = max(len(c.name) for c in self.checks)
        rows = [f"{'check':<{width}}  result  time      detail"]
        for c in self.checks:
            rows.append(f"{c.name:<{width}}  {c.result:<6}  {c.seconds:>6.2f} s  {c.detail}")
        verdict = "pass" if self.ok else "FAIL"
        rows.append(f"{'total':<{width}}  {verdict:<6}  {self.seconds:>6.2f} s")
        return "\n".join(rows)


def _refuse_live(target: Path) -> None:
    for name in (DB_FILENAME, f"{DB_FILENAME}-wal"):
        if (target / name).exists():
            raise DealOSError(
                f"{target} already holds a Deal OS store ({name}); a restore never "
                "overwrites one: choose an empty folder"
            )
    pid = holds_lock(target)
    if pid is not None:
        raise DealOSError(
            f"replication runs in {target} (process {pid}); a restore never writes "
            "where a store is live: stop it or choose another folder"
        )


def restore_store(
    source: ReplicaTarget,
    target: Path,
    *,
    timestamp: datetime | None = None,
    keys: KeyStore | None = None,
    replay: bool = True,
) -> RestoreReport:
    """Restore ``source`` into the folder ``target`` and check it; see the module.
    Without ``replay`` the digest is not compared with a replay of the op log (the one
    check whose time grows with the log: about a minute per 100,000 ops)."""
    target = target.expanduser().resolve()
    if source.folder is not None and not (source.folder / "db").is_dir():
        raise DealOSError(f"{source.folder} is not a Deal OS replica (it has no db folder)")
    _refuse_live(target)
    target.mkdir(parents=True, exist_ok=True)
    checks: list[Check] = []

    def timed(name: str, step: Callable[[], tuple[bool, str]]) -> bool:
        start = time.perf_counter()
        try:
            ok, detail = step()
        except (DealOSError, sqlite3.DatabaseError) as exc:
            ok, detail = False, str(exc)
        checks.append(Check(name, ok, detail, time.perf_counter() - start))
        return ok

    start = time.perf_counter()
    try:
        run_restore(source, target / DB_FILENAME, timestamp=timestamp)
    except LitestreamError:
        for leftover in target.glob(f"{DB_FILENAME}*"):
            leftover.unlink()
        raise
    restored = _restored_words(target, timestamp)
    checks.append(Check("litestream restore", True, restored, time.perf_counter() - start))
    timed("document files", lambda: _copy_documents(source, target))
    timed("SQLite integrity", lambda: _integrity(target / DB_FILENAME))
    store = LocalStore.open(target)
    try:
        timed("audit chain", lambda: _audit(store, keys))
        if replay:
            timed("state digest", lambda: _digest(store))
        else:
            with store.engine.connect() as conn:
                org_id = store.meta(conn, "org_id") or ""
                stored = sql_state_digest(conn, org_id)
            checks.append(
                Check("state digest", True, f"{stored[:16]}…, not replayed", 0.0, skipped=True)
            )
        with store.engine.connect() as conn:
            ops = int(conn.execute(select(func.count()).select_from(op_log)).scalar_one())
            unpushed = int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())
            last = conn.execute(select(func.max(audit_log.c.at))).scalar()
        report = RestoreReport(target, checks, ops, unpushed, last)
        if report.ok:
            with store.transaction() as conn:
                store.set_meta(conn, RESTORED_AT, datetime.now(UTC).isoformat())
                store.set_meta(conn, RESTORED_FROM, source.raw)
                store.set_meta(conn, REJOIN_PENDING, "1")
                # The restored copy is not replicated until someone chooses to.
                store.set_meta(conn, REPLICATION_ON, "0")
    finally:
        store.close()
    return report


def _restored_words(target: Path, timestamp: datetime | None) -> str:
    size = (target / DB_FILENAME).stat().st_size
    return f"{size:,} bytes, " + (
        f"as of {timestamp.astimezone(UTC).isoformat(timespec='seconds')}"
        if timestamp
        else "the newest copy"
    )


def _copy_documents(source: ReplicaTarget, target: Path) -> tuple[bool, str]:
    try:
        done = download_documents(source, target / BLOBS_DIR)
    except OSError as exc:
        return False, f"document files could not be copied back: {exc}"
    if done is None:
        return True, "this kind of replica URL holds none: copy the blobs folder back separately"
    return True, f"{done.copied} files, {done.bytes:,} bytes"


def _integrity(path: Path) -> tuple[bool, str]:
    conn = sqlite3.connect(path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()
    return rows == ["ok"], "ok" if rows == ["ok"] else "; ".join(map(str, rows[:5]))


def _audit(store: LocalStore, keys: KeyStore | None) -> tuple[bool, str]:
    with store.engine.connect() as conn:
        device_id = store.meta(conn, "device_id")
        key = _registered_key(conn, device_id)
        if key is None and device_id is not None:
            try:
                key = (keys or KeyStore()).device_key(device_id).public_key
            except KeyStoreError:
                key = None
        if key is None:
            return False, "this device's public key is neither in the store nor in the keyring"
        verdict = verify_local_audit(conn, key)
    return verdict.ok, verdict.summary()


def _registered_key(conn: Connection, device_id: str | None) -> str | None:
    if device_id is None:
        return None
    found = conn.execute(
        select(devices.c.public_key).where(devices.c.device_id == device_id)
    ).scalar()
    return None if found is None else str(found)


def _digest(store: LocalStore) -> tuple[bool, str]:
    """The stored projection's digest against a replay of the op log, rolled back."""
    with store.trial() as conn:
        org_id = store.meta(conn, "org_id")
        if org_id is None:
            return False, "the store holds no organization"
        stored = sql_state_digest(conn, org_id)
        keys = device_keys(conn, org_id)
        for table in reversed(PROJECTION_TABLES):
            conn.execute(delete(table).where(table.c.org_id == org_id))
        replay_ops(conn, org_id, logged_ops(conn), keys=keys)
        held = redacted_ops(conn)
        if held:
            server_key = LocalLog(conn).meta(SERVER_KEY_META)
            replay_redacted(conn, org_id, held, server_key=server_key)
        replayed = sql_state_digest(conn, org_id)
    if stored != replayed:
        return False, f"the restored rows give {stored[:16]}…, a replay gives {replayed[:16]}…"
    return True, f"{stored[:16]}… equals the replay of the op log"
