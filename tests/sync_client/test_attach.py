"""A GP who started offline brings the organization onto the firm's server.

Maria ran `dealos init` on a plane and worked for a week: a fund, two LPs and their
commitments, a deal moved to screening. The operator invites her org; she attaches it
with the one-time code. The server ends with the same ids, the same history and the same
digest, and from then on her office desktop can enroll and sync like any device.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import LiveServer

from core.commands.workspace import Workspace
from core.errors import DealOSError
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import attach_to_server, enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from core.sync.messages import SyncState
from sync_server.bootstrap import invite_org
from sync_server.database import owner_engine

PASSWORD = "offline gp passphrase"


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    return live_server


def _invite(server: LiveServer, address: str) -> str:
    engine = owner_engine(server.settings.database_url)
    try:
        return invite_org(engine, admin_email=address, ttl_seconds=600)
    finally:
        engine.dispose()


def _week_offline(tmp_path: Path, address: str) -> Workspace:
    ws = Workspace.init(
        tmp_path / "laptop", org_name="Acme Capital", email=address, display_name="Maria Founder"
    )
    fund = new_id()
    ws.submit_wire(
        "fund.create", entity_id=fund, payload={"name": "Acme Fund I", "currency": "USD"}
    )
    for name, amount in (("Harbor Teachers", "2500000.00"), ("Lowell Family", "500000.00")):
        lp = new_id()
        ws.submit_wire("lp.create", entity_id=lp, payload={"name": name, "lp_type": "institution"})
        ws.submit_wire(
            "commitment.create",
            entity_id=new_id(),
            payload={
                "fund_id": fund,
                "lp_id": lp,
                "amount": amount,
                "currency": "USD",
                "committed_on": "2026-11-20",
            },
        )
    deal = new_id()
    ws.submit_wire(
        "deal.create", entity_id=deal, payload={"name": "Mill Street", "currency": "USD"}
    )
    ws.submit_wire("deal.transition", entity_id=deal, base_version=1, payload={"to": "screening"})
    return ws


def _state(server: LiveServer, token: str) -> SyncState:
    client = SyncClient(server.url, token=token)
    try:
        return client.state()
    finally:
        client.close()


def test_an_offline_org_attaches_with_its_ids_and_history(
    server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"maria+{new_id()[-12:]}@acme.example"
    ws = _week_offline(tmp_path, address)
    local_digest = ws.digest()
    report = attach_to_server(
        ws, server=server.url, code=_invite(server, address), password=PASSWORD
    )
    assert report.rejected == 0
    assert report.accepted == 7 + 2  # the week's ops after genesis, and the service account's
    token = ws.keys.secret(f"session:{ws.device_id}")
    assert token is not None
    state = _state(server, token)
    assert state.org_id == ws.org_id
    assert state.digest == ws.digest() != local_digest  # plus the service account
    with pytest.raises(DealOSError, match="already attached"):
        attach_to_server(ws, server=server.url, code="again", password=PASSWORD)
    # The office desktop now enrolls like any device and reaches the same state.
    desk, _ = enroll_device(
        tmp_path / "desk", server=server.url, email=address, password=PASSWORD, device_name="desk"
    )
    SyncEngine(ws, SyncClient(server.url, token=token)).run_once()
    assert desk.digest() == ws.digest() == _state(server, token).digest


def test_a_wrong_code_changes_nothing_and_says_why(server: LiveServer, tmp_path: Path) -> None:
    env = {**os.environ, "DEALOS_KEYRING_FILE": str(tmp_path / "keyring.json")}
    address = f"maria+{new_id()[-12:]}@acme.example"
    folder = tmp_path / "laptop"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "init",
            "--org",
            "Acme",
            "--user",
            address,
            "--data-dir",
            str(folder),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "attach",
            "--server",
            server.url,
            "--code",
            "not-a-code",
            "--password-stdin",
            "--data-dir",
            str(folder),
        ],
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "invalid_or_expired_token" in proc.stderr
    assert "Traceback" not in proc.stderr
    good = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli.main",
            "attach",
            "--server",
            server.url,
            "--code",
            _invite(server, address),
            "--password-stdin",
            "--data-dir",
            str(folder),
        ],
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stderr
    assert "attached org" in good.stdout
