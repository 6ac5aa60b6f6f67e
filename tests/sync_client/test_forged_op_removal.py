"""An operator finds and removes a forged op, and the organization's replicas sync again.

Harbor Point's log is corrupted on purpose, the way a forgery the server once let through
left it: the stored bytes of Maria's "Mill St" deal no longer match their signature, and
her later move of that deal to screening depends on it. A new laptop cannot enroll, since
every replica refuses the forged op. `dealos server verify-log` names both ops;
`dealos server remove-op` refuses to remove too little or a sound op, then removes the two,
audited, and a new laptop enrolls and verifies the whole history again.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from dealos_cli import dealos
from live_server import LiveServer, create_org
from sqlalchemy import text

from core.canonical_json import jcs
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from sync_server.database import owner_engine

PASSWORD = "correct horse battery staple"


def _stored(live_server: LiveServer, org_id: str) -> dict[str, tuple[int, bytes]]:
    engine = owner_engine(live_server.settings.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('dealos.org_id', :o, true)"), {"o": org_id})
            rows = conn.execute(
                text("SELECT op_id, server_seq, envelope FROM op_log WHERE org_id = :o"),
                {"o": org_id},
            ).all()
    finally:
        engine.dispose()
    return {op_id: (seq, bytes(raw)) for op_id, seq, raw in rows}


def _forge(live_server: LiveServer, org_id: str, op_id: str) -> None:
    """Change the stored op's payload, keeping its signature: bytes that do not verify."""
    seq, raw = _stored(live_server, org_id)[op_id]
    envelope = json.loads(raw)
    envelope["payload"]["name"] = "Forged Towers"
    engine = owner_engine(live_server.settings.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('dealos.org_id', :o, true)"), {"o": org_id})
            conn.execute(
                text("UPDATE op_log SET envelope = :e WHERE org_id = :o AND server_seq = :s"),
                {"e": jcs(envelope), "o": org_id, "s": seq},
            )
    finally:
        engine.dispose()


def test_an_operator_removes_a_forged_op_and_replicas_resync(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = tmp_path / "keyring.json"
    monkeypatch.setenv(KEYRING_FILE_ENV, str(keyring))
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    org_id = create_org(live_server.settings, name="Harbor Point", email=address, password=PASSWORD)
    ws, _ = enroll_device(
        tmp_path / "laptop",
        server=live_server.url,
        email=address,
        password=PASSWORD,
        device_name="laptop",
    )
    mill, elm = new_id(), new_id()
    forged = ws.submit_wire(
        "deal.create", entity_id=mill, payload={"name": "Mill St", "currency": "USD"}
    )
    dependent = ws.submit_wire(
        "deal.transition", entity_id=mill, base_version=1, payload={"to": "screening"}
    )
    sound = ws.submit_wire(
        "deal.create", entity_id=elm, payload={"name": "Elm Row", "currency": "USD"}
    )
    client = SyncClient(live_server.url, token=ws.keys.secret(f"session:{ws.device_id}"))
    SyncEngine(ws, client).run_once()
    client.close()
    _forge(live_server, org_id, forged.op_id)

    settings = live_server.settings
    env = {
        **os.environ,
        KEYRING_FILE_ENV: str(keyring),
        "DEALOS_SERVER_SECRET_FILE": str(settings.secret_file),
        "DEALOS_APP_ROLE": str(settings.app_role),
    }
    owner = ("--database-url", settings.database_url, "--data-dir", tmp_path / "operator")

    def enroll(folder: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return dealos(
            "enroll", "--server", live_server.url, "--email", address, "--password-stdin",
            "--data-dir", tmp_path / folder, *extra, env=env, stdin=PASSWORD + "\n",
        )  # fmt: skip

    poisoned = enroll("second-laptop", "--no-snapshot")
    assert poisoned.returncode != 0

    checked = dealos("server", "verify-log", "--org-id", org_id, *owner, env=env)
    assert checked.returncode == 1, checked.stderr
    assert f"op {forged.op_id} (deal.create): its signature does not verify" in checked.stdout
    assert f"op {dependent.op_id} (deal.transition): it does not apply" in checked.stdout
    assert sound.op_id not in checked.stdout

    before = _stored(live_server, org_id)
    keep = tmp_path / "removed.jsonl"

    def remove(*op_ids: str, to: Path = keep) -> subprocess.CompletedProcess[str]:
        ids = [a for op_id in op_ids for a in ("--op-id", op_id)]
        return dealos(
            "server", "remove-op", "--org-id", org_id, *ids, "--reason", "forged in review",
            "--keep", to, "--operator", "oncall", *owner, env=env,
        )  # fmt: skip

    too_little = remove(forged.op_id)
    assert too_little.returncode == 1
    assert "would still not verify" in too_little.stderr
    assert dependent.op_id in too_little.stderr
    a_sound_one = remove(forged.op_id, dependent.op_id, sound.op_id)
    assert a_sound_one.returncode == 1
    assert f"op {sound.op_id} verifies and applies" in a_sound_one.stderr
    assert _stored(live_server, org_id) == before
    assert not keep.exists()

    removed = remove(forged.op_id, dependent.op_id)
    assert removed.returncode == 0, removed.stderr
    after = _stored(live_server, org_id)
    assert set(before) - set(after) == {forged.op_id, dependent.op_id}
    assert keep.read_bytes().splitlines() == [before[forged.op_id][1], before[dependent.op_id][1]]

    assert dealos("server", "verify-log", "--org-id", org_id, *owner, env=env).returncode == 0
    audit = dealos("server", "audit-verify", "--org-id", org_id, *owner, env=env)
    assert audit.returncode == 0, audit.stdout
    rebuilt = dealos("server", "rebuild", "--org-id", org_id, *owner, env=env)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr

    replayed = enroll("third-laptop", "--no-snapshot")
    assert replayed.returncode == 0, replayed.stderr
    from_snapshot = enroll("fourth-laptop", "--verify-history")
    assert from_snapshot.returncode == 0, from_snapshot.stderr
    deals = dealos("deal", "list", "--data-dir", tmp_path / "third-laptop", env=env)
    assert "Elm Row" in deals.stdout
    assert "Mill St" not in deals.stdout
    assert "Forged Towers" not in deals.stdout
    again = dealos("sync", "--data-dir", tmp_path / "third-laptop", env=env)
    assert again.returncode == 0, again.stderr

    engine = owner_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('dealos.org_id', :o, true)"), {"o": org_id})
            entries = conn.execute(
                text("SELECT op_id, detail FROM server_audit WHERE event = 'op.removed'")
            ).all()
    finally:
        engine.dispose()
    assert {e.op_id for e in entries} == {forged.op_id, dependent.op_id}
    assert all("oncall" in e.detail and "forged in review" in e.detail for e in entries)
