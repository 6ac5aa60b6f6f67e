"""A new device starts from the server's signed snapshot, and its history proves it.

Harbor Point Capital already has a history on its server. Maria's new workstation loads
the signed snapshot instead of replaying every op, keeps the log beside it, and later
replays that log to check the server told the truth. A snapshot altered in transit, one of
another organization, a history with a hole, or a reader who may not see everything —
each is refused or falls back to the ordinary pull, and nothing half-loaded remains.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer, create_org

from core.commands.workspace import Workspace
from core.errors import StoreError
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.ops.signing import DeviceKey
from core.store.local_schema import op_log
from core.store.state_snapshot import SnapshotError, sign_snapshot, verify_snapshot
from core.sync.bootstrap import (
    bootstrap_from_snapshot,
    history_unverified,
    verify_history,
)
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine

PASSWORD = "correct horse battery staple"


@pytest.fixture
def maria(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point Capital", email=address, password=PASSWORD)
    return address


def _enroll(server: LiveServer, email: str, folder: Path) -> tuple[Workspace, Any]:
    """A new device of the organization, named after its folder: (workspace, report)."""
    return enroll_device(
        folder, server=server.url, email=email, password=PASSWORD, device_name=folder.name
    )


def _client(ws: Workspace, server: LiveServer) -> SyncClient:
    return SyncClient(server.url, token=ws.keys.secret(f"session:{ws.device_id}"))


def _sync(ws: Workspace, server: LiveServer) -> Any:
    client = _client(ws, server)
    try:
        return SyncEngine(ws, client).run_once()
    finally:
        client.close()


def _history(ws: Workspace, server: LiveServer, deals: int) -> list[str]:
    """Some deals, one edited, an LP with a contact: rows in several tables."""
    ids = []
    for i in range(deals):
        deal = new_id()
        ws.submit_wire(
            "deal.create", entity_id=deal, payload={"name": f"Deal {i:03}", "currency": "USD"}
        )
        ids.append(deal)
    ws.submit_wire(
        "deal.update",
        entity_id=ids[0],
        base_version=1,
        payload={"fields": {"sponsor": {"value": "Crescent Ridge Partners"}}},
    )
    ws.submit_wire(
        "lp.create",
        entity_id=new_id(),
        payload={
            "name": "Acme Pension",
            "lp_type": "institution",
            "contacts": [{"contact_id": new_id(), "name": "Ann Lee", "email": "ann@acme.example"}],
        },
    )
    _sync(ws, server)
    return ids


def _server_digest(ws: Workspace, server: LiveServer) -> str:
    client = _client(ws, server)
    try:
        return client.state().digest
    finally:
        client.close()


def _ops_held(ws: Workspace) -> int:
    with ws.store.transaction() as conn:
        return len(conn.execute(op_log.select()).all())


def test_a_new_device_loads_the_snapshot_and_its_history_verifies(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=30)
    desk, report = _enroll(live_server, maria, tmp_path / "desk")
    assert report.snapshot is not None
    assert gc.isenabled()  # paused while the snapshot arrived, running again after
    assert report.applied == 0  # nothing replayed: the rows came from the snapshot
    assert report.snapshot.history == report.snapshot.server_seq == _ops_held(desk)
    assert "loaded the server's snapshot" in report.summary()
    assert desk.digest() == _server_digest(desk, live_server)
    assert history_unverified(desk)
    # The new device works at once: it edits a deal the snapshot brought, and syncs.
    deal = _history_deal(desk)
    desk.submit_wire(
        "deal.update",
        entity_id=deal,
        base_version=1,
        payload={"fields": {"city": {"value": "Austin, TX"}}},
    )
    assert _sync(desk, live_server).accepted == 1
    _sync(laptop, live_server)
    assert laptop.digest() == desk.digest()
    verdict = verify_history(desk)
    assert verdict.ok
    assert verdict.replayed_digest == laptop.digest()
    assert not history_unverified(desk)
    events = _audit_events(desk)
    assert "snapshot.loaded" in events
    assert "history.verified" in events
    assert desk.verify_audit().ok


def _history_deal(ws: Workspace) -> str:
    from core.views.queries import list_deals

    return str(list_deals(ws)[0].deal_id)


def _audit_events(ws: Workspace) -> list[str]:
    from core.store.local_schema import audit_log

    with ws.store.transaction() as conn:
        return [r.event for r in conn.execute(audit_log.select())]


def test_the_snapshot_and_the_replay_reach_the_same_state(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=5)
    fast, fast_report = _enroll(live_server, maria, tmp_path / "fast")
    slow, slow_report = _replayed_device(live_server, maria, tmp_path / "slow")
    assert fast_report.snapshot is not None
    assert fast_report.applied == 0
    assert slow_report.snapshot is None
    assert slow_report.applied > 0
    _sync(fast, live_server)
    _sync(laptop, live_server)
    assert fast.digest() == slow.digest() == laptop.digest()


def _replayed_device(server: LiveServer, maria: str, folder: Path) -> tuple[Workspace, Any]:
    client = SyncClient(server.url)
    session = client.login(maria, PASSWORD)
    key = DeviceKey.generate()
    device_id = client.register_device(
        key, "replayed", org_id=session.org_id, user_id=session.user_id
    )
    ws = Workspace.join(
        folder, org_id=session.org_id, user_id=session.user_id, device_id=device_id, key=key
    )
    ws.keys.save_secret(f"session:{device_id}", session.session_token)
    try:
        return ws, SyncEngine(ws, client, snapshots=False).run_once()
    finally:
        client.close()


class _Tamper(httpx.BaseTransport):
    """A network between the device and the server that rewrites the snapshot's body."""

    def __init__(self, change: Any) -> None:
        self._real = httpx.HTTPTransport()
        self._change = change

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        if request.url.path != "/v1/sync/snapshot":
            return response
        response.read()
        return httpx.Response(
            response.status_code,
            headers={"content-type": "application/json"},
            content=self._change(response.content),
        )


def _reparsed(change: Any) -> Any:
    """Parse the body, change the document, send it back as ordinary (not canonical) JSON."""

    def rewrite(raw: bytes) -> bytes:
        body = json.loads(raw)
        change(body)
        return json.dumps(body, indent=1).encode()

    return rewrite


def _rename_a_deal(body: dict[str, Any]) -> None:
    deals = next(t for t in body["snapshot"]["tables"] if t["name"] == "deals")
    deals["rows"][0][1] = "Renamed In Transit"


def _resign_with_another_key(body: dict[str, Any]) -> None:
    _rename_a_deal(body)
    from core.canonical_json import jcs

    body["signature"] = sign_snapshot(jcs(body["snapshot"]), DeviceKey.generate())


def _other_org(body: dict[str, Any]) -> None:
    body["snapshot"]["org_id"] = new_id()


def _extra_column(body: dict[str, Any]) -> None:
    body["snapshot"]["tables"][0]["columns"].append("secret")


def _bytes_in_place(raw: bytes) -> bytes:
    """Same layout, same length, one deal renamed: the canonical-bytes path must refuse."""
    assert b"Deal 000" in raw
    return raw.replace(b"Deal 000", b"Deal 999", 1)


def _truncated(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


@pytest.mark.parametrize(
    "change",
    [
        _reparsed(_rename_a_deal),
        _reparsed(_resign_with_another_key),
        _reparsed(_other_org),
        _reparsed(_extra_column),
        _bytes_in_place,
        _truncated,
    ],
    ids=["renamed", "resigned", "other-org", "extra-column", "bytes-in-place", "truncated"],
)
def test_an_altered_snapshot_is_refused_and_nothing_is_loaded(
    live_server: LiveServer, maria: str, tmp_path: Path, change: Any
) -> None:
    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=3)
    ws, client = _device_behind(live_server, maria, tmp_path / "desk", _Tamper(change))
    try:
        with pytest.raises(SnapshotError, match="server's signature"):
            bootstrap_from_snapshot(ws, client)
    finally:
        client.close()
    assert _ops_held(ws) == 0
    with ws.store.transaction() as conn:
        from core.store.schema import metadata

        assert conn.execute(metadata.tables["deals"].select()).first() is None
    assert gc.isenabled()  # paused while the snapshot arrived, running again after


def test_a_snapshot_sent_as_ordinary_json_still_verifies(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    """A server (or proxy) that re-lays the JSON out breaks no signature: the document is
    canonicalized again and checked."""
    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=3)
    ws, client = _device_behind(
        live_server, maria, tmp_path / "desk", _Tamper(_reparsed(lambda body: None))
    )
    try:
        loaded = bootstrap_from_snapshot(ws, client)
    finally:
        client.close()
    assert loaded is not None
    assert loaded.rows > 0
    _sync(laptop, live_server)  # learns the desk's enrollment, which the snapshot holds
    assert ws.digest() == laptop.digest()


def _device_behind(
    server: LiveServer, maria: str, folder: Path, transport: httpx.BaseTransport
) -> tuple[Workspace, SyncClient]:
    client = SyncClient(server.url, transport=transport)
    session = client.login(maria, PASSWORD)
    key = DeviceKey.generate()
    device_id = client.register_device(key, "desk", org_id=session.org_id, user_id=session.user_id)
    ws = Workspace.join(
        folder, org_id=session.org_id, user_id=session.user_id, device_id=device_id, key=key
    )
    return ws, client


def test_a_signed_snapshot_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    """The server's own key over a malformed document: the shape check still refuses."""
    from core.canonical_json import jcs
    from core.store.state_snapshot import SNAPSHOT_TABLES, checked_tables

    org = new_id()
    good = {
        "format": "dealos-snapshot-v1",
        "org_id": org,
        "server_seq": 3,
        "tables": [{"name": n, "columns": list(c), "rows": []} for n, c in SNAPSHOT_TABLES.items()],
    }
    key = DeviceKey.generate()
    assert verify_snapshot(good, sign_snapshot(jcs(good), key), key.public_key)
    assert checked_tables(good, org) == (3, checked_tables(good, org)[1])
    cases = {
        "another organization": {**good, "org_id": new_id()},
        "format": {**good, "format": "v0"},
        "server_seq": {**good, "server_seq": -1},
        "projection tables": {**good, "tables": good["tables"][1:]},
        "columns of organizations": {
            **good,
            "tables": [{**good["tables"][0], "columns": ["name"]}, *good["tables"][1:]],
        },
        "value in organizations": {
            **good,
            "tables": [{**good["tables"][0], "rows": [["x", 1.5]]}, *good["tables"][1:]],
        },
        "row of organizations": {
            **good,
            "tables": [{**good["tables"][0], "rows": [["x", "USD", "extra"]]}, *good["tables"][1:]],
        },
    }
    for words, doc in cases.items():
        with pytest.raises(SnapshotError, match=words):
            checked_tables(doc, org)


def test_a_replica_that_already_holds_ops_is_never_overwritten(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=2)
    before = laptop.digest()
    client = _client(laptop, live_server)
    try:
        assert bootstrap_from_snapshot(laptop, client) is None
    finally:
        client.close()
    assert laptop.digest() == before


def test_a_tampered_history_is_caught_by_verification(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=2)
    desk, report = _enroll(live_server, maria, tmp_path / "desk")
    assert report.snapshot is not None
    with desk.store.transaction() as conn:
        raw = conn.execute(op_log.select().where(op_log.c.kind == "deal.update")).one().envelope
        op = json.loads(raw)
        op["payload"]["fields"]["sponsor"]["value"] = "Someone Else"
        conn.execute(
            op_log.update()
            .where(op_log.c.op_id == op["op_id"])
            .values(envelope=json.dumps(op).encode())
        )
    with pytest.raises(StoreError, match="no longer applies"):
        verify_history(desk)
    assert history_unverified(desk)


def test_a_snapshot_that_lies_is_caught_and_the_signed_history_wins(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    """Whatever put a wrong row into the loaded state, replaying the signed ops finds it,
    puts the true state back, and the audit chain says so."""
    from core.store.schema import metadata

    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=3)
    desk, _ = _enroll(live_server, maria, tmp_path / "desk")
    truth = desk.digest()
    lps = metadata.tables["lps"]
    with desk.store.transaction() as conn:
        conn.execute(lps.update().values(name="Not Acme"))
    assert desk.digest() != truth
    # What a check killed mid-copy left (LP data beside the store) goes; a running one's stays.
    here = desk.store.data_dir
    killed, running = here / ".replayed-killed", here / ".replayed-now"
    for folder in (killed, running):
        folder.mkdir()
        (folder / "replayed.sqlite").write_bytes(b"rows")
    os.utime(killed, (time.time() - 7200, time.time() - 7200))
    verdict = verify_history(desk)
    assert not killed.exists()
    assert running.exists()
    shutil.rmtree(running)
    assert not verdict.ok
    assert verdict.replayed_digest == truth
    assert verdict.repair == "copied"  # the replay's own rows: no second replay under lock
    assert desk.digest() == truth
    assert not history_unverified(desk)  # what it holds now is the signed history's state
    assert "history.mismatch" in _audit_events(desk)
    assert desk.verify_audit().ok
    assert not list(desk.store.data_dir.glob(".replayed-*"))  # the copy's file is gone


def test_a_replay_overtaken_by_new_ops_is_not_copied_over_them(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    """The GP works on while the history replays: when the log has moved on, the
    replayed rows are not adopted (the caller rebuilds instead), and nothing changes."""
    from core.store.schema import metadata
    from core.verification.replay import device_keys, logged_ops, scratch_replay

    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=2)
    desk, _ = _enroll(live_server, maria, tmp_path / "desk")
    with desk.store.transaction() as conn:
        ops, keys = logged_ops(conn), device_keys(conn, desk.org_id)
        conn.execute(metadata.tables["lps"].update().values(name="Not Acme"))
    with scratch_replay(desk.org_id, ops, keys=keys) as scratch:
        desk.submit_wire(
            "deal.create", entity_id=new_id(), payload={"name": "Late", "currency": "USD"}
        )
        before = desk.digest()
        assert not scratch.adopt(desk.store)
    assert desk.digest() == before  # neither the late deal nor the wrong row touched
    with desk.store.engine.connect() as conn:  # and the store's connection is left clean
        attached = {row[1] for row in conn.exec_driver_sql("PRAGMA database_list")}
    assert "replayed" not in attached
    # Checked again with the log as it now is, the late deal stays and the wrong row goes.
    verdict = verify_history(desk)
    assert verdict.repair == "copied"
    assert desk.digest() == verdict.replayed_digest != before
    with desk.store.transaction() as conn:
        names = {r.name for r in conn.execute(metadata.tables["lps"].select())}
        deals = {r.name for r in conn.execute(metadata.tables["deals"].select())}
    assert "Not Acme" not in names
    assert "Late" in deals
    assert verify_history(desk).ok


def test_a_snapshot_taken_while_another_device_pushes_is_consistent(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    """The rows and the server_seq of a snapshot come from one read: a device that boots
    while pushes commit ends equal to the others, and its history verifies."""
    import threading

    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=5)
    done = threading.Event()
    pushed: list[int] = []

    def keep_pushing() -> None:
        while not done.is_set():
            laptop.submit_wire(
                "deal.create",
                entity_id=new_id(),
                payload={"name": f"Busy {len(pushed)}", "currency": "USD"},
            )
            pushed.append(_sync(laptop, live_server).accepted)

    worker = threading.Thread(target=keep_pushing)
    worker.start()
    try:
        boots = []
        for name in ("desk", "tablet", "spare"):
            ws, report = _enroll(live_server, maria, tmp_path / name)
            assert report.snapshot is not None
            boots.append(ws)
    finally:
        done.set()
        worker.join()
    assert sum(pushed) >= 1
    _sync(laptop, live_server)
    for ws in boots:
        _sync(ws, live_server)
        assert ws.digest() == laptop.digest()
        assert verify_history(ws).ok


def test_a_snapshot_signed_by_the_server_yet_wrong_is_refused_whole(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    """Even the server's own key over a document with one deal twice: refused with a
    message that says so, and nothing of it is written."""
    from core.canonical_json import jcs
    from core.store.schema import metadata
    from sync_server.server_keys import ServerKeys

    laptop, _ = _enroll(live_server, maria, tmp_path / "laptop")
    _history(laptop, live_server, deals=3)
    server_key = ServerKeys.from_file(live_server.settings.secret_file).redaction

    def duplicate_a_deal(raw: bytes) -> bytes:
        body = json.loads(raw)
        deals = next(t for t in body["snapshot"]["tables"] if t["name"] == "deals")
        deals["rows"].append(list(deals["rows"][0]))
        body["signature"] = sign_snapshot(jcs(body["snapshot"]), server_key)
        return json.dumps(body).encode()

    ws, client = _device_behind(live_server, maria, tmp_path / "desk", _Tamper(duplicate_a_deal))
    try:
        with pytest.raises(SnapshotError, match="does not fit"):
            bootstrap_from_snapshot(ws, client)
    finally:
        client.close()
    assert _ops_held(ws) == 0
    with ws.store.transaction() as conn:
        assert conn.execute(metadata.tables["deals"].select()).first() is None


def test_a_device_past_the_snapshot_limit_replays_instead(
    pg_database: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One snapshot per account allowed: the first device loads it, the second is told
    429 and reaches the same state by pulling and replaying the log."""
    from dataclasses import replace

    from live_server import free_port, settings_for

    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    port = free_port()
    settings = settings_for(pg_database, tmp_path / "server", port)
    settings = settings.with_(rate_limits=replace(settings.rate_limits, snapshot_per_account=1))
    server = LiveServer(settings, port)
    server.start()
    try:
        email = f"maria+{new_id()[-12:]}@harborpoint.example"
        create_org(settings, name="Harbor Point Capital", email=email, password=PASSWORD)
        first, first_report = _enroll(server, email, tmp_path / "first")
        second, second_report = _enroll(server, email, tmp_path / "second")
        assert first_report.snapshot is not None
        assert second_report.snapshot is None
        assert second_report.applied > 0
        _sync(first, server)
        assert first.digest() == second.digest()
        with second.store.transaction() as conn:
            assert second.store.meta(conn, "no_snapshot") is None  # asked again next time
    finally:
        server.close()
