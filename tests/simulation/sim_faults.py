"""What goes wrong between a device and the server, done for real:

- a push whose answer is lost: the device's waiting ops are sent over HTTP as its sync
  client would send them, and the answer is dropped, so the device still holds them as
  waiting and sends them again at its next round (as after a crash between push and ack);
- a delivery repeated late and out of order: ops the server already took are sent again,
  shuffled; each must come back a duplicate with the sequence number the device recorded;
- a crash between a local commit and its push: the workspace is closed without a word and
  opened again from its folder;
- the laptop lost and its store restored from a snapshot: a copy of the SQLite store taken
  earlier (SQLite's online backup, the file Litestream would restore) is put back, marked as
  ``dealos restore`` marks it (``restored_at``, ``rejoin_pending``); the store must refuse
  changes until its first sync round.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sim_world import Device
from sqlalchemy import select

from core.commands.workspace import RESTORED_NOT_SYNCED, Workspace
from core.errors import StoreError
from core.ids import new_id
from core.operations.restore import RESTORED_AT, RESTORED_FROM
from core.store.local import DB_FILENAME, REPLICATION_ON, LocalStore
from core.store.local_log import REJOIN_PENDING
from core.store.local_schema import conflicts, op_log
from core.sync.replica import Replica

__all__ = ["crash", "lost_answer", "redeliver", "restore", "take_snapshot"]


def _post(url: str, device: Device, ops: list[dict[str, object]]) -> list[dict[str, object]]:
    body = {"device_id": device.ws.device_id, "ops": ops}
    headers = {"Authorization": f"Bearer {device.token}"}
    answer = httpx.post(f"{url}/v1/sync/push", json=body, headers=headers, timeout=30.0)
    assert answer.status_code == 200, f"push answered {answer.status_code}: {answer.text}"
    results: list[dict[str, object]] = answer.json()["results"]
    return results


def lost_answer(url: str, device: Device, rng: random.Random) -> str:
    """Push some of the device's waiting ops, oldest first, and drop the answer."""
    waiting = Replica(device.ws).pending(rng.randint(1, 20))
    if not waiting:
        return "nothing waiting"
    results = _post(url, device, waiting)
    taken = sum(r["status"] in ("accepted", "duplicate") for r in results)
    return f"pushed {len(waiting)} waiting ops ({taken} taken), the answer lost"


def redeliver(url: str, device: Device, rng: random.Random) -> str:
    """Send ops the server already holds again, shuffled: each must be a duplicate."""
    with device.ws.store.engine.connect() as conn:
        held = conn.execute(
            select(op_log.c.op_id, op_log.c.server_seq, op_log.c.envelope)
            .where(op_log.c.device_id == device.ws.device_id, op_log.c.server_seq.is_not(None))
            .order_by(op_log.c.local_seq)
        ).all()
    if not held:
        return "nothing confirmed yet"
    sent = rng.sample(held, min(len(held), rng.randint(1, 12)))
    rng.shuffle(sent)
    results = _post(url, device, [json.loads(raw) for _, _, raw in sent])
    for (op_id, seq, _), result in zip(sent, results, strict=True):
        expected = {"op_id": op_id, "status": "duplicate", "server_seq": seq}
        got = {k: result.get(k) for k in expected}
        assert got == expected, f"a repeated op came back {result}, not as a duplicate"
    return f"sent {len(sent)} confirmed ops again, shuffled: all duplicates"


def crash(device: Device) -> None:
    """The app dies: its connections go, nothing is flushed by hand; it starts again."""
    keys = device.ws.keys
    device.close()
    device.ws = Workspace.open(device.folder, keys=keys)


def take_snapshot(device: Device, step: int, rng: random.Random) -> str:
    target = device.folder.parent / f"{device.folder.name}.snapshot-{step}.db"
    source = sqlite3.connect(device.folder / DB_FILENAME)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    device.snapshot, device.snapshot_step = target, step
    return f"snapshot of the store taken ({target.stat().st_size:,} bytes)"


def _inbox(ws: Workspace) -> dict[str, str]:
    with ws.store.engine.connect() as conn:
        return {r.op_id: r.message for r in conn.execute(select(conflicts))}


def restore(device: Device) -> str:
    """Put the snapshot back in the device's folder, marked as a restore marks it, and show
    that the restored store refuses a change before its first sync."""
    assert device.snapshot is not None
    # Ops the server refused after the snapshot were only in the lost store's inbox.
    device.lost_inbox.update(_inbox(device.ws))
    keys = device.ws.keys
    device.close()
    for name in (DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm"):
        (device.folder / name).unlink(missing_ok=True)
    source = sqlite3.connect(device.snapshot)
    copy = sqlite3.connect(device.folder / DB_FILENAME)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    store = LocalStore.open(device.folder)
    with store.transaction() as conn:
        store.set_meta(conn, RESTORED_AT, datetime.now(UTC).isoformat())
        store.set_meta(conn, RESTORED_FROM, str(Path(device.snapshot).name))
        store.set_meta(conn, REJOIN_PENDING, "1")
        store.set_meta(conn, REPLICATION_ON, "0")
    store.close()
    device.ws = Workspace.open(device.folder, keys=keys)
    device.restored += 1
    verdict = device.ws.verify_audit()
    assert verdict.ok, f"the restored store's audit chain fails: {verdict.summary()}"
    if device.reader:
        return f"store restored from the snapshot of step {device.snapshot_step}"
    with pytest.raises(StoreError) as refused:
        device.ws.submit_wire(
            "deal.create", entity_id=new_id(), payload={"name": "too early", "currency": "USD"}
        )
    assert str(refused.value) == RESTORED_NOT_SYNCED, str(refused.value)
    return (
        f"store restored from the snapshot of step {device.snapshot_step}; "
        "a change before the first sync is refused"
    )
