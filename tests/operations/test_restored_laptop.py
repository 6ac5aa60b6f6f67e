"""A lost laptop's store comes back from its replica and rejoins the server.

Maria's laptop replicates to a folder with the real Litestream while she works and syncs
with Harbor Point Capital's server (the real one, on a socket, over Postgres). At the
moment of the snapshot she restores from, the server has five of her deals and three more
wait in her outbox. After it she pushes those three and four more, then makes two that
never leave the laptop before it dies. Restored and synced once, the laptop has exactly
what the server has — its own later ops pulled back, the three sent again recognised as
duplicates — with the server's digest; the two never pushed are gone, as the recovery
point says; and the next deal she makes is accepted.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, create_org
from replication_setup import crash, new_deal, start, wait_until_replicated

from core.commands.workspace import RESTORED_NOT_SYNCED, Workspace
from core.errors import StoreError
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.operations.litestream import ReplicaTarget
from core.operations.replication import stop_replication
from core.operations.restore import restore_store
from core.sync.client import SyncClient
from core.sync.engine import REJOIN_PENDING, SyncEngine, SyncReport

PASSWORD = "correct horse battery staple"


def _sync(ws: Workspace, server: LiveServer) -> SyncReport:
    client = SyncClient(server.url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        return SyncEngine(ws, client).run_once()
    finally:
        client.close()


def _server_ops(ws: Workspace, server: LiveServer) -> tuple[list[str], str]:
    """Every op id the server holds for the org, in order, and its digest."""
    client = SyncClient(server.url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        ids: list[str] = []
        after = 0
        while True:
            page = client.pull(after, 1000)
            ids += [item.op.op_id for item in page.ops]
            after = page.next_after
            if not page.has_more or not page.ops:
                break
        return ids, client.state().digest
    finally:
        client.close()


def _local(data_dir: Path, sql: str) -> list[Any]:
    conn = sqlite3.connect(data_dir / "dealos.db")
    try:
        return [r[0] for r in conn.execute(sql)]
    finally:
        conn.close()


@dataclass
class LostLaptop:
    restored: Workspace
    pushed_before: list[str]
    waiting_at_snapshot: list[str]
    pushed_after: list[str]
    never_pushed: list[str]
    highest_used: int


@pytest.fixture
def lost_laptop(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[LostLaptop]:
    """The story of the module up to the restore, before any sync of the restored store."""
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    maria = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point Capital", email=maria, password=PASSWORD)
    laptop, _ = enroll_device(
        tmp_path / "laptop",
        server=live_server.url,
        email=maria,
        password=PASSWORD,
        device_name="Maria's laptop",
    )
    replica = tmp_path / "replica"
    start(laptop.store.data_dir, replica)
    try:
        pushed_before = [new_deal(laptop, f"Pushed Deal {i}") for i in range(5)]
        assert _sync(laptop, live_server).accepted == 5
        waiting_at_snapshot = [new_deal(laptop, f"Waiting Deal {i}") for i in range(3)]
        wait_until_replicated(laptop.store.data_dir)
        time.sleep(1.2)
        snapshot = datetime.now(UTC)
        time.sleep(1.2)
        pushed_after = [new_deal(laptop, f"Later Deal {i}") for i in range(4)]
        assert _sync(laptop, live_server).accepted == 7  # the three waiting and four new
        never_pushed = [new_deal(laptop, f"Unsent Deal {i}") for i in range(2)]
        wait_until_replicated(laptop.store.data_dir)
        highest_used = int(_local(laptop.store.data_dir, "SELECT max(device_seq) FROM op_log")[0])
        crash(laptop.store.data_dir)
        laptop.close()

        report = restore_store(
            ReplicaTarget.parse(str(replica)), tmp_path / "restored", timestamp=snapshot
        )
        assert report.ok, report.table()
        assert report.unpushed == 3
        restored = Workspace.open(tmp_path / "restored")
        try:
            yield LostLaptop(
                restored,
                pushed_before,
                waiting_at_snapshot,
                pushed_after,
                never_pushed,
                highest_used,
            )
        finally:
            restored.close()
    finally:
        stop_replication(tmp_path / "laptop")


def test_a_restored_laptop_rejoins_with_nothing_lost_or_duplicated(
    lost_laptop: LostLaptop, live_server: LiveServer
) -> None:
    restored, story = lost_laptop.restored, lost_laptop
    with restored.store.engine.connect() as conn:
        assert restored.store.meta(conn, REJOIN_PENDING) == "1"
    held = set(_local(restored.store.data_dir, "SELECT entity_id FROM op_log"))
    assert set(story.pushed_before + story.waiting_at_snapshot) <= held
    assert not set(story.pushed_after + story.never_pushed) & held

    rejoin = _sync(restored, live_server)
    assert (rejoin.pushed, rejoin.duplicates, rejoin.accepted) == (3, 3, 0)
    assert rejoin.rejected == 0
    assert rejoin.conflicts == []
    server_ids, server_digest = _server_ops(restored, live_server)
    local_ids = _local(
        restored.store.data_dir,
        "SELECT op_id FROM op_log WHERE status = 'confirmed' ORDER BY server_seq",
    )
    # Nothing lost that the server had, nothing twice, in the server's order.
    assert local_ids == server_ids
    assert len(set(server_ids)) == len(server_ids)
    assert restored.digest() == server_digest
    held = set(_local(restored.store.data_dir, "SELECT entity_id FROM op_log"))
    assert set(story.pushed_before + story.waiting_at_snapshot + story.pushed_after) <= held
    # Made after the snapshot and never sent: lost with the laptop, as stated.
    assert not set(story.never_pushed) & held
    with restored.store.engine.connect() as conn:
        assert restored.store.meta(conn, REJOIN_PENDING) == "0"
        seq = int(restored.store.meta(conn, "device_seq") or "0")
    assert seq == story.highest_used - len(story.never_pushed)

    # The next op is signed above every device_seq the server saw, and accepted.
    fresh = new_deal(restored, "After the restore")
    after = _sync(restored, live_server)
    assert (after.accepted, after.rejected) == (1, 0)
    server_ids, server_digest = _server_ops(restored, live_server)
    assert restored.digest() == server_digest
    assert fresh in set(_local(restored.store.data_dir, "SELECT entity_id FROM op_log"))
    assert restored.verify_audit().ok


def test_a_change_made_before_the_first_sync_is_refused_in_words_and_works_after(
    lost_laptop: LostLaptop, live_server: LiveServer
) -> None:
    restored = lost_laptop.restored
    before = restored.digest()
    with pytest.raises(StoreError) as refused:
        new_deal(restored, "Made too early")  # its counter may be one the server has seen
    assert str(refused.value) == RESTORED_NOT_SYNCED
    assert restored.digest() == before  # nothing signed, nothing applied

    first = _sync(restored, live_server)
    assert (first.rejected, first.conflicts) == (0, [])
    made = new_deal(restored, "Made after the first sync")
    second = _sync(restored, live_server)
    assert (second.accepted, second.rejected) == (1, 0)
    _, server_digest = _server_ops(restored, live_server)
    assert restored.digest() == server_digest
    assert made in set(_local(restored.store.data_dir, "SELECT deal_id FROM deals"))
