"""`dealos server rebuild` on the server side reproduces the digest both sides agree on.

Maria's laptop pushes a fund, LPs, a call, a payment and a deal's progress; the server
drops its projections for the organization and replays its log: the same digest as
before, as the laptop's, as `GET /v1/sync/state` says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fund_setup import drafted_call
from live_server import LiveServer, create_org
from sqlalchemy import text

from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from sync_server.database import owner_engine
from sync_server.rebuild import rebuild_org

PASSWORD = "correct horse battery staple"


def test_the_server_rebuilds_an_org_to_the_same_digest(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    org_id = create_org(live_server.settings, name="Harbor Point", email=address, password=PASSWORD)
    ws, _ = enroll_device(
        tmp_path / "laptop",
        server=live_server.url,
        email=address,
        password=PASSWORD,
        device_name="laptop",
    )
    _, lp, call = drafted_call(ws, amount="250000.00")
    deal = new_id()
    ws.submit_wire("capital_call.issue", entity_id=call, base_version=1, payload={})
    ws.submit_wire(
        "capital_call.payment",
        entity_id=call,
        base_version=2,
        payload={
            "payment_id": new_id(),
            "lp_id": lp,
            "amount": "250000.00",
            "currency": "USD",
            "paid_on": "2026-03-20",
        },
    )
    ws.submit_wire("deal.create", entity_id=deal, payload={"name": "Mill St", "currency": "USD"})
    ws.submit_wire("deal.transition", entity_id=deal, base_version=1, payload={"to": "screening"})
    token = ws.keys.secret(f"session:{ws.device_id}")
    client = SyncClient(live_server.url, token=token)
    SyncEngine(ws, client).run_once()
    served = client.state().digest
    client.close()
    assert served == ws.digest()

    engine = owner_engine(live_server.settings.database_url)
    try:
        rebuilt = rebuild_org(engine, org_id)
        with engine.begin() as conn:  # a projection row edited behind the log's back
            conn.execute(text("SELECT set_config('dealos.org_id', :o, true)"), {"o": org_id})
            conn.execute(
                text("UPDATE lps SET name = 'Someone else' WHERE org_id = :o"), {"o": org_id}
            )
        repaired = rebuild_org(engine, org_id)
    finally:
        engine.dispose()
    assert rebuilt.ops == 13
    assert rebuilt.digest_before == rebuilt.digest_after == served
    assert repaired.digest_before != served
    assert repaired.digest_after == served
    env = {**os.environ}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "server",
            "rebuild",
            "--org-id",
            org_id,
            "--database-url",
            live_server.settings.database_url,
            "--data-dir",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == served
