"""Desktop snapshots with the real Litestream, to a folder replica in a temp folder.

Maria runs Harbor Point Capital on her laptop, offline, and has turned replication on to
a folder (a USB disk, a synced share). She keeps working while it copies; the laptop dies
mid-write; she restores to a new folder and checks the result — or restores the store as
it was at a moment of the morning.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from replication_setup import Writer, crash, marias_laptop, new_deal, start, wait_until_replicated

from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV
from core.operations.litestream import ReplicaTarget
from core.operations.replication import replication_status, stop_replication
from core.operations.restore import restore_store
from core.operations.supervisor import read_state
from core.store.local import LocalStore


@pytest.fixture
def laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    ws = marias_laptop(tmp_path / "laptop")
    yield ws
    ws.close()
    stop_replication(ws.store.data_dir)


def _dealos(
    *args: object, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", *map(str, args)],
        env={**os.environ, **(env_extra or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _entities(data_dir: Path) -> set[str]:
    conn = sqlite3.connect(data_dir / "dealos.db")
    try:
        return {r[0] for r in conn.execute("SELECT entity_id FROM op_log")}
    finally:
        conn.close()


def test_continuous_writes_restore_to_a_new_folder_with_equal_digests(
    laptop: Workspace, tmp_path: Path
) -> None:
    replica = tmp_path / "replica"
    start(laptop.store.data_dir, replica)
    blobs = laptop.store.data_dir / "blobs" / "9f"
    blobs.mkdir(parents=True)
    (blobs / "9f86d081884c7d65").write_bytes(b"Riverside Commons offering memorandum")
    with Writer(laptop) as writer:
        time.sleep(2.0)
    wait_until_replicated(laptop.store.data_dir)
    status = replication_status(laptop.store.data_dir)
    assert status.on
    assert status.supervisor_pid is not None
    assert "up to date" in "\n".join(status.lines())
    time.sleep(2.5)  # one pass of the document copy
    assert status.target is not None
    assert status.target.folder == replica

    done = _dealos("restore", "--from", replica, "--to", tmp_path / "restored")
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("litestream restore", "SQLite integrity", "audit chain", "state digest"):
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith(check))
        assert " pass " in line, done.stdout
    assert "document files      pass" in done.stdout
    assert "1 files" in done.stdout
    restored = Workspace.open(tmp_path / "restored")
    try:
        assert restored.digest() == laptop.digest()
        assert len(writer.committed) > 20
    finally:
        restored.close()
    copied = tmp_path / "restored" / "blobs" / "9f" / "9f86d081884c7d65"
    assert copied.read_bytes() == b"Riverside Commons offering memorandum"


def test_the_recovery_point_under_continuous_writes_is_seconds_at_most(
    laptop: Workspace, tmp_path: Path
) -> None:
    replica = tmp_path / "replica"
    start(laptop.store.data_dir, replica)
    with Writer(laptop, every=0.01) as writer:
        time.sleep(3.0)
        crashed_at = time.time()
        crash(laptop.store.data_dir)
    before_crash = [(at, deal) for at, deal in writer.committed if at <= crashed_at]
    report = restore_store(ReplicaTarget.parse(str(replica)), tmp_path / "restored")
    assert report.ok, report.table()
    kept = _entities(tmp_path / "restored")
    last_kept = max(at for at, deal in before_crash if deal in kept)
    last_made = before_crash[-1][0]
    recovery_point = last_made - last_kept
    lost = sum(1 for _, deal in before_crash if deal not in kept)
    print(
        f"recovery point {recovery_point * 1000:.0f} ms: {lost} of {len(before_crash)} "
        f"commits lost at the crash"
    )
    # The target (≤ 1 s) is bench/restore.py's figure; on a CI machine busy with the rest
    # of the suite this checks the bound that matters to a person: seconds, not minutes.
    assert recovery_point <= 3.0
    # What was kept is a prefix of what was made: no gap, nothing out of order.
    assert all(deal in kept for at, deal in before_crash if at <= last_kept)


def test_restore_at_a_timestamp_gives_the_store_as_it_was_then(
    laptop: Workspace, tmp_path: Path
) -> None:
    replica = tmp_path / "replica"
    start(laptop.store.data_dir, replica)
    morning = [new_deal(laptop, f"Morning Deal {i}") for i in range(5)]
    wait_until_replicated(laptop.store.data_dir)
    as_of_morning = laptop.digest()
    time.sleep(1.2)
    moment = datetime.now(UTC)
    time.sleep(1.2)
    afternoon = [new_deal(laptop, f"Afternoon Deal {i}") for i in range(5)]
    wait_until_replicated(laptop.store.data_dir)

    done = _dealos(
        "restore", "--from", replica, "--to", tmp_path / "then", "--timestamp", moment.isoformat()
    )
    assert done.returncode == 0, done.stdout + done.stderr
    then = Workspace.open(tmp_path / "then")
    try:
        assert then.digest() == as_of_morning != laptop.digest()
    finally:
        then.close()
    kept = _entities(tmp_path / "then")
    assert set(morning) <= kept
    assert not set(afternoon) & kept

    too_early = _dealos(
        "restore",
        "--from",
        replica,
        "--to",
        tmp_path / "early",
        "--timestamp",
        "2001-01-01T00:00:00Z",
    )
    assert too_early.returncode == 1
    assert "the replica holds nothing as old as that moment" in too_early.stderr
    assert not (tmp_path / "early" / "dealos.db").exists()


def test_a_restore_never_overwrites_a_live_store(laptop: Workspace, tmp_path: Path) -> None:
    replica = tmp_path / "replica"
    start(laptop.store.data_dir, replica)
    wait_until_replicated(laptop.store.data_dir)
    digest = laptop.digest()

    into_store = _dealos("restore", "--from", replica, "--to", laptop.store.data_dir)
    assert into_store.returncode == 1
    assert "already holds a Deal OS store (dealos.db); a restore never overwrites one" in (
        into_store.stderr
    )
    # A folder where replication runs, even with its database moved away.
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "replication").mkdir()
    lock = laptop.store.data_dir / "replication" / "replicate.lock"
    os.link(lock, busy / "replication" / "replicate.lock")
    into_busy = _dealos("restore", "--from", replica, "--to", busy)
    assert into_busy.returncode == 1
    assert "replication runs in" in into_busy.stderr
    assert "a restore never writes" in (into_busy.stderr)
    assert not (busy / "dealos.db").exists()
    assert laptop.digest() == digest

    not_a_replica = _dealos("restore", "--from", tmp_path / "nowhere", "--to", tmp_path / "x")
    assert not_a_replica.returncode == 1
    assert "is not a Deal OS replica (it has no db folder)" in not_a_replica.stderr
    bad_time = _dealos("restore", "--from", replica, "--to", tmp_path / "x", "--timestamp", "noon")
    assert bad_time.returncode == 2
    assert "'noon' is not a date and time such as 2026-12-06T14:05:00Z" in bad_time.stderr


def test_the_supervisor_restarts_litestream_and_replication_goes_on(
    laptop: Workspace, tmp_path: Path
) -> None:
    data_dir = laptop.store.data_dir
    start(data_dir, tmp_path / "replica")
    first = read_state(data_dir)
    assert first is not None
    assert first.litestream_pid is not None
    os.kill(first.litestream_pid, 9)
    deadline = time.monotonic() + 15
    state = first
    while time.monotonic() < deadline:
        state = read_state(data_dir) or first
        if state.restarts == 1 and state.litestream_pid not in (None, first.litestream_pid):
            break
        time.sleep(0.05)
    assert state.restarts == 1, state
    assert "litestream exited with code" in (state.last_exit or "")
    new_deal(laptop, "After the restart")
    wait_until_replicated(data_dir)
    lines = "\n".join(replication_status(data_dir).lines())
    assert "restarts:    1" in lines

    again = _dealos("--data-dir", data_dir, "replicate", "start", "--to", tmp_path / "replica")
    assert again.returncode == 1
    assert "is already being replicated" in again.stderr

    stopped = _dealos("--data-dir", data_dir, "replicate", "stop")
    assert stopped.returncode == 0
    assert "replication stopped" in stopped.stdout
    status = _dealos("--data-dir", data_dir, "replicate", "status")
    assert "setting:     off" in status.stdout
    assert "replication: not running" in status.stdout
    # Off again, the store checkpoints by itself.
    store = LocalStore.open(data_dir)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    finally:
        store.close()


def test_while_replicated_the_store_leaves_checkpoints_to_litestream(
    laptop: Workspace, tmp_path: Path
) -> None:
    start(laptop.store.data_dir, tmp_path / "replica")
    store = LocalStore.open(laptop.store.data_dir)
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.close()


def test_a_store_edited_behind_its_log_fails_the_restore_checks(
    laptop: Workspace, tmp_path: Path
) -> None:
    deal = new_deal(laptop, "Riverside Commons")
    new_deal(laptop, "Harbor Lofts")
    # Someone edits the file directly: a deal renamed, an audit entry removed.
    conn = sqlite3.connect(laptop.store.path)
    conn.execute("UPDATE deals SET name = 'Renamed Quietly' WHERE deal_id = ?", (deal,))
    conn.execute("DELETE FROM audit_log WHERE seq = 2")
    conn.commit()
    conn.close()
    replica = tmp_path / "replica"
    start(laptop.store.data_dir, replica)
    wait_until_replicated(laptop.store.data_dir)

    done = _dealos("restore", "--from", replica, "--to", tmp_path / "restored")
    assert done.returncode == 1
    rows = {ln.split("  ")[0]: ln for ln in done.stdout.splitlines()}
    assert " FAIL " in rows["state digest"]
    assert "a replay gives" in rows["state digest"]
    assert " FAIL " in rows["audit chain"]
    assert " pass " in rows["SQLite integrity"]
    assert "failed a check above: do not use it" in done.stdout

    quick = _dealos("restore", "--from", replica, "--to", tmp_path / "quick", "--no-replay")
    quick_rows = {ln.split("  ")[0]: ln for ln in quick.stdout.splitlines()}
    assert " skip " in quick_rows["state digest"]
    assert "not replayed" in quick_rows["state digest"]


def test_status_is_not_up_to_date_while_a_commit_waits_unread(
    laptop: Workspace, tmp_path: Path
) -> None:
    """Litestream's own position and the replica's agree for a moment after each commit,
    before Litestream reads it; the status counts that commit as not yet copied. Here
    Litestream is stopped outright after its last read, so the commit made then stays
    unread and must never be reported as copied."""
    data_dir = laptop.store.data_dir
    start(data_dir, tmp_path / "replica")
    new_deal(laptop, "Riverside Commons")
    wait_until_replicated(data_dir)
    before = replication_status(data_dir)
    assert before.behind == 0, before.lines()
    assert before.unread is False

    crash(data_dir)  # Litestream reads nothing more; the WAL stays, held by this process
    new_deal(laptop, "Harbor Lofts")
    after = replication_status(data_dir)
    assert after.unread is True
    assert after.behind == 1, after.lines()
    position = next(line for line in after.lines() if line.startswith("position:"))
    assert "up to date" not in position
    assert "not yet read by Litestream" in position
