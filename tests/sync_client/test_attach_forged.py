"""An attach does not let a forged op through, and a refused history leaves nothing
half-written: the server's log, tables and held parts are as they were before it.

Acme Capital's offline log was signed by three devices (tests/sync_client/offline_team.py).
One of Alex's ops in the middle is forged three ways — its bytes altered after signing, re-
signed by a device the log never enrolled, re-signed with Morgan's enrolled key instead of
Alex's — and the history is sent as a client that skips the local check would send it, in
parts of five, so the forged op arrives after parts the server already holds. The server
refuses the whole history naming the op; the organization still holds only its genesis;
the honest history then attaches whole. `dealos attach` itself refuses the altered store
before asking the server anything, and the same code works once the store is sound.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from dealos_cli import dealos
from live_server import LiveServer, create_org
from offline_team import PASSWORD, Team, invite, team_org
from sqlalchemy import select, update

from core.canonical_json import jcs
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import attach_to_server
from core.ops.envelope import UnsignedOp
from core.ops.signing import DeviceKey
from core.store.local_schema import op_log
from core.sync.attach import attach_genesis, confirm_history, send_history
from core.sync.client import SyncClient
from core.sync.errors import SyncError
from sync_server.credentials import Passwords, set_password
from sync_server.database import owner_engine, set_org


def _envelope(team: Team, op_id: str) -> dict[str, Any]:
    with team.ws.store.transaction() as conn:
        raw = conn.execute(select(op_log.c.envelope).where(op_log.c.op_id == op_id)).scalar_one()
    return dict(json.loads(raw))


def _store(team: Team, op_id: str, envelope: dict[str, Any]) -> None:
    """Write ``envelope`` over the op's row: an altered store, as an attacker leaves it."""
    with team.ws.store.transaction() as conn:
        conn.execute(update(op_log).where(op_log.c.op_id == op_id).values(envelope=jcs(envelope)))


def _resigned(envelope: dict[str, Any], key: DeviceKey, **changes: Any) -> dict[str, Any]:
    fields = {k: v for k, v in envelope.items() if k != "signature"} | changes
    return dict(key.sign(UnsignedOp.model_validate(fields)).wire())


def _forge(team: Team, how: str, honest: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The forged op and the rejection code the server gives it."""
    if how == "altered":
        payload = {**honest["payload"], "name": "Harbor Teachers (forged)"}
        return {**honest, "payload": payload}, "invalid_signature"
    if how == "unenrolled_device":
        return _resigned(honest, DeviceKey.generate(), device_id=new_id()), "not_found"
    assert how == "another_enrolled_key"
    return _resigned(honest, team.counsel.key), "invalid_signature"


def _server_rows(server: LiveServer, org_id: str) -> dict[str, int]:
    engine = owner_engine(server.settings.database_url)
    counts = {}
    try:
        with engine.connect() as conn:
            for table in ("op_log", "attach_history", "users", "devices", "lps", "commitments"):
                counts[table] = conn.exec_driver_sql(
                    f"SELECT count(*) FROM {table} WHERE org_id = %s",
                    (org_id,),
                ).scalar_one()
            counts["refusals"] = conn.exec_driver_sql(
                "SELECT count(*) FROM server_audit WHERE org_id = %s AND event = 'history.refused'",
                (org_id,),
            ).scalar_one()
    finally:
        engine.dispose()
    return counts


@pytest.mark.parametrize("how", ["altered", "unenrolled_device", "another_enrolled_key"])
def test_a_forged_op_refuses_the_whole_history_and_nothing_is_half_written(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"ada+{new_id()[-12:]}@acme.example"
    team = team_org(tmp_path / "laptop", address)
    ws = team.ws
    middle = team.analyst_ops[1]  # Alex's second LP: ops before and after depend on Alex
    honest = _envelope(team, middle)
    forged, refusal = _forge(team, how, honest)

    client = SyncClient(live_server.url)
    code = invite(live_server, address)
    attach_genesis(ws, client, _envelope_of_genesis(team), code=code, password=PASSWORD)
    genesis_only = _server_rows(live_server, ws.org_id)
    assert genesis_only["op_log"] == 1
    _store(team, middle, forged)
    with pytest.raises(SyncError) as refused:
        send_history(ws, client, part=5)
    error = refused.value
    assert (error.status, error.code) == (422, "history_refused")
    assert error.details["op_id"] == middle
    assert error.details["code"] == refusal
    assert error.details["position"] > 5  # parts before it were already held
    assert f"{honest['kind']} {middle}" in error.message
    assert "Nothing of the history was applied" in error.message
    after = _server_rows(live_server, ws.org_id)
    assert after == {**genesis_only, "refusals": genesis_only["refusals"] + 1}
    assert after["attach_history"] == 0

    # The sound log attaches whole afterwards, with the same session and ids.
    _store(team, middle, honest)
    sent = send_history(ws, client, part=5)
    confirm_history(ws, sent)
    state = client.state()
    client.close()
    assert sent.server_seqs == list(range(2, 2 + len(sent.op_ids)))
    assert sent.devices == 3
    assert state.digest == ws.digest()
    assert _server_rows(live_server, ws.org_id)["attach_history"] == 0


def _envelope_of_genesis(team: Team) -> dict[str, Any]:
    with team.ws.store.transaction() as conn:
        raw = conn.execute(
            select(op_log.c.envelope).order_by(op_log.c.local_seq).limit(1)
        ).scalar_one()
    return dict(json.loads(raw))


def test_dealos_attach_refuses_an_altered_store_before_asking_the_server(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = tmp_path / "keyring.json"
    monkeypatch.setenv(KEYRING_FILE_ENV, str(keyring))
    env = {**os.environ, KEYRING_FILE_ENV: str(keyring)}
    address = f"ada+{new_id()[-12:]}@acme.example"
    team = team_org(tmp_path / "laptop", address)
    org_id, middle = team.ws.org_id, team.analyst_ops[1]
    honest = _envelope(team, middle)
    team.ws.close()
    _store(team, middle, _forge(team, "altered", honest)[0])
    code = invite(live_server, address)

    def attach() -> Any:
        return dealos(
            "attach", "--server", live_server.url, "--code", code, "--password-stdin",
            "--data-dir", tmp_path / "laptop", env=env, stdin=PASSWORD + "\n",
        )  # fmt: skip

    refused = attach()
    assert refused.returncode == 1
    assert f"({middle}) does not hold up" in refused.stderr
    assert "invalid_signature" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _server_rows(live_server, org_id)["op_log"] == 0  # not even the genesis
    _store(team, middle, honest)
    attached = attach()
    assert attached.returncode == 0, attached.stderr
    assert "0 pending, 0 conflicts" in attached.stdout


def test_an_attach_cut_short_is_taken_up_with_the_same_code(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server applied the history but the laptop never heard: `dealos attach` again
    with the same code finds the history closed and settles by one sync round."""
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"ada+{new_id()[-12:]}@acme.example"
    team = team_org(tmp_path / "laptop", address)
    code = invite(live_server, address)
    client = SyncClient(live_server.url)
    attach_genesis(team.ws, client, _envelope_of_genesis(team), code=code, password=PASSWORD)
    send_history(team.ws, client)  # its answer lost: nothing confirmed here
    client.close()
    report = attach_to_server(team.ws, server=live_server.url, code=code, password=PASSWORD)
    assert (report.pending, report.conflicts, report.rejected) == (0, [], 0)
    token = team.ws.keys.secret(f"session:{team.ws.device_id}")
    client = SyncClient(live_server.url, token=token)
    assert client.state().digest == team.ws.digest()
    client.close()


def test_only_the_founder_sends_a_history_and_only_while_attaching(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point", email=address, password=PASSWORD)
    client = SyncClient(live_server.url)
    client.login(address, PASSWORD)
    with pytest.raises(SyncError) as made_here:  # its service account came with it
        client.attach_history(0, [], complete=True)
    assert (made_here.value.status, made_here.value.code) == (409, "attach_complete")
    client.close()

    offline = f"ada+{new_id()[-12:]}@acme.example"
    team = team_org(tmp_path / "laptop", offline)
    client = SyncClient(live_server.url)
    code = invite(live_server, offline)
    attach_genesis(team.ws, client, _envelope_of_genesis(team), code=code, password=PASSWORD)
    with pytest.raises(SyncError) as skipped:
        client.attach_history(3, [], complete=False)
    assert (skipped.value.code, skipped.value.details) == ("history_out_of_order", {"staged": 0})
    sent = send_history(team.ws, client)
    assert len(sent.server_seqs) == len(sent.op_ids)
    with pytest.raises(SyncError) as closed:  # the history admitted the service account
        client.attach_history(0, [], complete=True)
    assert (closed.value.status, closed.value.code) == (409, "attach_complete")
    client.close()
    _set_password(live_server, team.ws.org_id, team.analyst.user_id)
    alex = SyncClient(live_server.url)
    alex.login(f"alex.{offline}", PASSWORD)
    with pytest.raises(SyncError) as not_founder:
        alex.attach_history(0, [], complete=True)
    assert (not_founder.value.status, not_founder.value.code) == (403, "forbidden")
    alex.close()


def _set_password(server: LiveServer, org_id: str, user_id: str) -> None:
    engine = owner_engine(server.settings.database_url)
    try:
        with engine.begin() as conn:
            set_org(conn, org_id)
            set_password(
                conn, org_id, user_id, Passwords(server.settings.password_cost).hash(PASSWORD)
            )
    finally:
        engine.dispose()
