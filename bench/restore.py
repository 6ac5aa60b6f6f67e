"""Desktop snapshots: restore of a large store from its Litestream replica, and the
recovery point under continuous writes (DESIGN §7, Operations).

Builds a store of N ops (the op mix of ``bench/op_mix.py``, applied as a sync pull does)
while ``dealos replicate`` copies it to a folder replica, then times:

- the baseline: a raw copy of the store's files (``dealos.db`` and its WAL);
- ``litestream restore`` of the replica into a new folder;
- ``dealos restore`` end to end: the restore and each check it runs (SQLite integrity,
  audit chain, digest against a replay of the op log).

With ``--rpo N`` it also crashes a replicated store N times under continuous writes
(a commit every 10 ms) and reports how far behind the last commit each restore is. Run:

    .venv/bin/python bench/restore.py [--ops 100000] [--rpo 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from op_mix import signed_mix

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.operations.litestream import ReplicaTarget, run_restore
from core.operations.replication import (
    replication_status,
    start_replication,
    stop_replication,
)
from core.operations.restore import restore_store
from core.operations.supervisor import holds_lock, read_state
from core.ops.signing import DeviceKey

__all__ = ["main"]

BATCH = 500


def _org(root: Path) -> tuple[Workspace, str, str, DeviceKey]:
    ws = Workspace.init(
        root, org_name="Bench Capital", email="gp@bench.example", display_name="Bench GP"
    )
    user_id, device_id, key = new_id(), new_id(), DeviceKey.generate()
    ws.submit_wire(
        "user.invite",
        entity_id=user_id,
        payload={
            "email": "analyst@bench.example",
            "display_name": "Analyst",
            "roles": ["gp_analyst"],
        },
    )
    ws.submit_wire(
        "device.enroll",
        entity_id=device_id,
        payload={"user_id": user_id, "public_key": key.public_key, "name": "analyst laptop"},
    )
    return ws, user_id, device_id, key


def _wait_replicated(data_dir: Path, timeout: float = 600) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if replication_status(data_dir).behind == 0:
            return time.perf_counter() - start
        time.sleep(0.1)
    raise SystemExit("the replica did not catch up")


def _large(root: Path, n: int) -> None:
    ws, user_id, device_id, key = _org(root / "store")
    replica = ReplicaTarget.parse(str(root / "replica"))
    start_replication(ws.store.data_dir, replica)
    ops = signed_mix(n, org_id=ws.org_id, device_id=device_id, actor_id=user_id, key=key)
    began = time.perf_counter()
    for i in range(0, len(ops), BATCH):
        ws.apply_signed(ops[i : i + BATCH])
    built = time.perf_counter() - began
    caught_up = _wait_replicated(ws.store.data_dir)
    digest = ws.digest()
    ws.close()
    stop_replication(root / "store")
    db = root / "store" / "dealos.db"
    size = db.stat().st_size + (
        Path(f"{db}-wal").stat().st_size if Path(f"{db}-wal").exists() else 0
    )
    print(
        f"store: {n:,} ops applied in {built:.1f} s while replicated; replica caught up "
        f"{caught_up:.1f} s later; {size / 2**20:.1f} MiB on disk"
    )

    copies = []
    for attempt in range(3):
        target = root / f"copy{attempt}"
        target.mkdir()
        began = time.perf_counter()
        for name in ("dealos.db", "dealos.db-wal"):
            if (root / "store" / name).exists():
                shutil.copyfile(root / "store" / name, target / name)
        copies.append(time.perf_counter() - began)
    copy = min(copies)

    restores = []
    for attempt in range(3):
        target = root / f"raw{attempt}"
        target.mkdir()
        began = time.perf_counter()
        run_restore(replica, target / "dealos.db", timestamp=None)
        restores.append(time.perf_counter() - began)
    restore = min(restores)

    report = restore_store(replica, root / "restored")
    same = Workspace.open(root / "restored").digest() == digest
    print()
    print(f"{'step':<34} {'seconds':>8} {'× raw copy':>11}")
    print(f"{'raw copy of the files (baseline)':<34} {copy:>8.2f} {1.0:>11.1f}")
    print(f"{'litestream restore (best of 3)':<34} {restore:>8.2f} {restore / copy:>11.1f}")
    for check in report.checks:
        name = f"dealos restore: {check.name}"
        print(f"{name:<34} {check.seconds:>8.2f} {check.seconds / copy:>11.1f}")
    print(
        f"{'dealos restore, all checks':<34} {report.seconds:>8.2f} {report.seconds / copy:>11.1f}"
    )
    print(f"digest of the restored store equals the source's: {same}; checks pass: {report.ok}")


def _rpo_once(root: Path) -> tuple[float, int, int]:
    ws, *_ = _org(root / "store")
    start_replication(ws.store.data_dir, ReplicaTarget.parse(str(root / "replica")))
    committed: list[tuple[float, str]] = []
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            deal = new_id()
            ws.submit_wire(
                "deal.create", entity_id=deal, payload={"name": f"D{n}", "currency": "USD"}
            )
            committed.append((time.time(), deal))
            stop.wait(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(5)
    crashed_at = time.time()
    pid = holds_lock(ws.store.data_dir)
    state = read_state(ws.store.data_dir)
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    if state is not None and state.litestream_pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.litestream_pid, signal.SIGKILL)
    stop.set()
    writer.join()
    ws.close()
    before = [(at, deal) for at, deal in committed if at <= crashed_at]
    restore_store(ReplicaTarget.parse(str(root / "replica")), root / "restored")
    conn = sqlite3.connect(root / "restored" / "dealos.db")
    kept = {r[0] for r in conn.execute("SELECT entity_id FROM op_log")}
    conn.close()
    last_kept = max(at for at, deal in before if deal in kept)
    lost = sum(1 for _, deal in before if deal not in kept)
    return before[-1][0] - last_kept, lost, len(before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--rpo", type=int, default=3, help="crashes to measure (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dealos-bench-restore-") as folder:
        root = Path(folder)
        os.environ[KEYRING_FILE_ENV] = str(root / "keyring.json")
        if args.ops:
            _large(root / "large", args.ops)
        if args.rpo:
            print()
            points = []
            for i in range(args.rpo):
                point, lost, made = _rpo_once(root / f"rpo{i}")
                points.append(point)
                print(
                    f"crash {i + 1}: recovery point {point * 1000:.0f} ms ({lost} of {made} "
                    "commits lost)"
                )
            print(
                f"recovery point: worst {max(points) * 1000:.0f} ms over {len(points)} crashes "
                "(target ≤ 1,000 ms)"
            )


if __name__ == "__main__":
    main()
