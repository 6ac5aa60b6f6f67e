"""Files the server never had cost a sync a few requests, not one per document, every round.

Maria's organization holds 60 documents whose files were never uploaded (their ops name
a hash no computer holds: a demo attached to a server, say) and one real memorandum. Her
second laptop syncs: a round stops asking after ``MISSES_PER_ROUND`` answers of "not on
the server" in a row, each such file waits before it is asked for again (the wait doubles
with each answer), the real file is fetched whatever its place in the order, and the
summary names a few files and counts the rest. Once a file's wait is over it is asked for
again, and when its author finally uploads it, it arrives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, create_org, free_port, settings_for
from sqlalchemy import select, update

from core.commands.workspace import Workspace
from core.documents import BlobStore, add_document
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.ops.payloads.deals import DealCreatePayload, DocumentAddPayload
from core.store.local_schema import blob_transfers
from core.sync.blobs import FIRST_WAIT, LONGEST_WAIT, MISSES_PER_ROUND, BlobReport, wait_after
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine

PASSWORD = "correct horse battery staple"
NEVER_UPLOADED = 60


@pytest.fixture
def server(pg_database: Any, tmp_path: Path) -> Iterator[LiveServer]:
    port = free_port()
    live = LiveServer(settings_for(pg_database, tmp_path / "server", port), port)
    live.start()
    yield live
    live.close()


def _files(ws: Workspace, url: str) -> BlobReport:
    client = SyncClient(url, token=ws.keys.secret(f"session:{ws.device_id}"))
    try:
        report = SyncEngine(ws, client).run_once()
    finally:
        client.close()
    assert report.files is not None
    return report.files


def _resting(ws: Workspace) -> dict[str, str]:
    with ws.store.transaction() as conn:
        rows = conn.execute(
            select(blob_transfers.c.sha256, blob_transfers.c.next_try_at).where(
                blob_transfers.c.next_try_at.is_not(None)
            )
        ).all()
    return {sha: at for sha, at in rows}


def test_the_wait_doubles_from_thirty_seconds_to_six_hours() -> None:
    assert [wait_after(n) for n in (1, 2, 3)] == [FIRST_WAIT, FIRST_WAIT * 2, FIRST_WAIT * 4]
    assert wait_after(10) == FIRST_WAIT * 512 < LONGEST_WAIT
    assert wait_after(11) == LONGEST_WAIT
    assert wait_after(1_000) == LONGEST_WAIT


def test_files_the_server_lacks_are_asked_for_a_few_at_a_time_and_then_rest(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    maria = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point Capital", email=maria, password=PASSWORD)
    desk, _ = enroll_device(
        tmp_path / "desk", server=server.url, email=maria, password=PASSWORD, device_name="desk"
    )
    deal = desk.submit(DealCreatePayload(name="Riverside Commons", currency="USD")).entity_id
    lost = set()
    for n in range(NEVER_UPLOADED):
        sha = hashlib.sha256(secrets.token_bytes(16)).hexdigest()
        lost.add(sha)
        desk.submit(
            DocumentAddPayload(
                deal_id=deal,
                filename=f"scan {n:02}.pdf",
                media_type="application/pdf",
                size_bytes=1000,
                sha256=sha,
            )
        )
    memo = tmp_path / "Riverside OM.pdf"
    memo.write_bytes(b"%PDF-1.7\n" + secrets.token_bytes(40_000))
    memo_sha = add_document(desk, memo, deal_id=deal).sha256
    sent = _files(desk, server.url)
    assert (sent.uploaded, sent.downloaded) == (1, 0)  # the one file it has
    assert sent.later == NEVER_UPLOADED - MISSES_PER_ROUND  # then stopped asking: they rest

    laptop, _ = enroll_device(
        tmp_path / "laptop", server=server.url, email=maria, password=PASSWORD, device_name="lap"
    )
    # Enrolling synced once already: its round asked for a first stretch of them.
    at_enroll = len(_resting(laptop))
    assert MISSES_PER_ROUND <= at_enroll < NEVER_UPLOADED
    first = _files(laptop, server.url)
    # The round stopped after MISSES_PER_ROUND answers of "not there" in a row (a file
    # that arrives in between starts the count again); the rest wait for the next round.
    asked = len(first.waiting)
    assert asked >= min(MISSES_PER_ROUND, NEVER_UPLOADED - at_enroll)
    assert set(_resting(laptop)) <= lost
    assert len(_resting(laptop)) == at_enroll + asked
    summary = first.summary()
    assert f"{asked} waiting: scan " in summary
    assert (f"; and {asked - 10} more" in summary) == (asked > 10)  # ten named at most
    assert summary.endswith(
        f"; {first.later} more the server did not have lately, asked for again later"
    )
    assert "does not have it yet" in first.waiting[0]

    # The next rounds ask for the ones not asked yet, never a resting one again, and the
    # memorandum arrives on the way, whatever its place among the missing.
    rounds = [first]
    while len(_resting(laptop)) < NEVER_UPLOADED:
        rounds.append(_files(laptop, server.url))
        assert len(rounds) <= 1 + NEVER_UPLOADED // MISSES_PER_ROUND
    # Each asked for once.
    assert at_enroll + sum(len(r.waiting) for r in rounds) == NEVER_UPLOADED
    assert BlobStore.beside(laptop.store.data_dir).has(memo_sha)
    quiet = _files(laptop, server.url)
    assert (quiet.waiting, quiet.later, quiet.downloaded) == ([], NEVER_UPLOADED, 0)

    # Their wait over (set back here, as the clock would), they are asked for again.
    with laptop.store.transaction() as conn:
        conn.execute(
            update(blob_transfers).values(
                next_try_at=(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat()
            )
        )
    again = _files(laptop, server.url)
    assert len(again.waiting) == MISSES_PER_ROUND
    with laptop.store.transaction() as conn:
        attempts = conn.execute(select(blob_transfers.c.attempts)).scalars().all()
    assert max(attempts) == 2  # a second answer: the next wait is twice the first
    laptop.close()
    desk.close()
