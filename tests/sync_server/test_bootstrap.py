"""Getting an organization onto a server: created there by the operator, or attached by a
GP who started offline with `dealos init`, keeping every id and the whole history."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pg_fixture import PgDatabase
from scenario import ServerWorld
from sqlalchemy import Engine, select

from core.cli.main import build_parser
from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV
from core.store.local_schema import op_log
from sync_server.bootstrap import invite_org
from sync_server.cli import register


def _local_ops(ws: Workspace) -> list[dict[str, Any]]:
    with ws.store.transaction() as conn:
        rows = conn.execute(select(op_log.c.envelope).order_by(op_log.c.local_seq))
        return [json.loads(r[0]) for r in rows]


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    ws = Workspace.init(
        tmp_path / "acme", org_name="Acme Capital", email="gp@acme.example", display_name="Ada GP"
    )
    fund = ws.submit_wire(
        "fund.create", entity_id=_id(), payload={"name": "Acme I", "currency": "USD"}
    )
    ws.submit_wire("deal.create", entity_id=_id(), payload={"name": "Dock 9", "currency": "USD"})
    ws.submit_wire(
        "lp.create", entity_id=_id(), payload={"name": "Pension", "lp_type": "institution"}
    )
    assert fund.version == 1
    return ws


def _id() -> str:
    from core.ids import new_id

    return new_id()


async def _attach(world: ServerWorld, code: str, genesis: dict[str, Any]) -> Any:
    return await world.post(
        "/v1/orgs/attach",
        {"attach_code": code, "genesis": genesis, "password": "offline gp passphrase"},
    )


async def test_an_offline_org_attaches_with_its_ids_and_history(
    world: ServerWorld, offline: Workspace
) -> None:
    code = invite_org(world.owner, admin_email="gp@acme.example", ttl_seconds=600)
    local = _local_ops(offline)
    resp = await _attach(world, code, local[0])
    assert resp.status == 201, await resp.text()
    attached = await resp.json()
    assert attached["org_id"] == offline.org_id
    assert attached["user_id"] == offline.user_id
    assert attached["device_id"] == offline.device_id
    svc = attached["service_account"]
    # Admit the server: two ops signed by the GP's own device, then push everything.
    offline.submit_wire(
        "user.invite",
        entity_id=svc["user_id"],
        payload={"email": svc["email"], "display_name": svc["display_name"], "roles": svc["roles"]},
    )
    offline.submit_wire(
        "device.enroll",
        entity_id=svc["device_id"],
        payload={
            "user_id": svc["user_id"],
            "public_key": svc["public_key"],
            "name": svc["device_name"],
        },
    )
    auth = {"Authorization": f"Bearer {attached['session_token']}"}
    ops = _local_ops(offline)[1:]
    resp = await world.post(
        "/v1/sync/push", {"device_id": offline.device_id, "ops": ops}, headers=auth
    )
    results = (await resp.json())["results"]
    assert [r["status"] for r in results] == ["accepted"] * len(ops)
    assert [r["server_seq"] for r in results] == list(range(2, len(ops) + 2))
    state = await (await world.client.get("/v1/sync/state", headers=auth)).json()
    assert state["digest"] == offline.digest()
    # Now the server can enroll the GP's second laptop.
    from core.ops.signing import DeviceKey, device_proof

    second = DeviceKey.generate()
    proof = device_proof(second, attached["org_id"], attached["user_id"])
    resp = await world.post(
        "/v1/devices",
        {"public_key": second.public_key, "name": "second laptop", "proof": proof},
        headers=auth,
    )
    assert resp.status == 201
    # The code made one organization. The same attach again (its answer lost, say) gets a
    # new session for it and changes nothing; anything else with that code is refused.
    state = await (await world.client.get("/v1/sync/state", headers=auth)).json()
    again = await _attach(world, code, local[0])
    assert again.status == 201
    repeated = await again.json()
    assert repeated["session_token"] != attached["session_token"]
    assert {k: v for k, v in repeated.items() if k not in ("session_token", "expires_at")} == {
        **{k: v for k, v in attached.items() if k not in ("session_token", "expires_at")},
        "roles": repeated["roles"],
    }
    assert sorted(repeated["roles"]) == sorted(attached["roles"])
    auth2 = {"Authorization": f"Bearer {repeated['session_token']}"}
    state2 = await (await world.client.get("/v1/sync/state", headers=auth2)).json()
    assert state2 == state
    wrong_password = await world.post(
        "/v1/orgs/attach", {"attach_code": code, "genesis": local[0], "password": "guess again!"}
    )
    assert wrong_password.status == 401
    other_genesis = Workspace.init(
        offline.store.data_dir.parent / "other",
        org_name="Acme Capital",
        email="gp@acme.example",
        display_name="Ada GP",
    )
    assert (await _attach(world, code, _local_ops(other_genesis)[0])).status == 401
    code2 = invite_org(world.owner, admin_email="gp@acme.example", ttl_seconds=600)
    resp = await _attach(world, code2, local[0])
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "org_exists"


async def test_attach_refuses_a_genesis_for_another_email_or_forged(
    world: ServerWorld, offline: Workspace
) -> None:
    code = invite_org(world.owner, admin_email="someone.else@acme.example", ttl_seconds=600)
    genesis = _local_ops(offline)[0]
    resp = await _attach(world, code, genesis)
    assert resp.status == 403
    code = invite_org(world.owner, admin_email="gp@acme.example", ttl_seconds=600)
    forged = {**genesis, "payload": {**genesis["payload"], "name": "Renamed"}}
    resp = await _attach(world, code, forged)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_signature"
    expired = invite_org(world.owner, admin_email="gp@acme.example", ttl_seconds=-1)
    assert (await _attach(world, expired, genesis)).status == 401


def test_every_attach_code_can_follow_code_on_the_command_line(owner: Engine) -> None:
    """One ``token_urlsafe`` in 64 starts with ``-``, which ``dealos attach`` took for an
    option (``--code: expected one argument``); 256 codes would hold one 98 times in 100."""
    parser = build_parser()
    for _ in range(256):
        code = invite_org(owner, admin_email="gp@acme.example", ttl_seconds=600)
        args = parser.parse_args(["attach", "--server", "http://127.0.0.1:1", "--code", code])
        assert args.code == code


def _cli(*argv: str, stdin: str = "") -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    import contextlib
    import sys

    out = io.StringIO()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out):
            code: int = args.handler(args)
    finally:
        sys.stdin = old
    return code, out.getvalue()


async def test_create_org_from_the_command_line_then_log_in(
    world: ServerWorld, pg_database: PgDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEALOS_SERVER_SECRET_FILE", str(world.settings.secret_file))
    monkeypatch.setenv("DEALOS_APP_DATABASE_URL", pg_database.app_url)
    url = pg_database.owner_url
    code, out = _cli("--data-dir", str(tmp_path), "serve", "--database-url", url, "--migrate-only")
    assert code == 0
    assert "migrated" in out
    code, out = _cli(
        "--data-dir",
        str(tmp_path),
        "server",
        "create-org",
        "--database-url",
        url,
        "--name",
        "Cli Capital",
        "--admin-email",
        "Admin@Cli.example",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert code == 0, out
    org_id = out.split("org ")[1].split()[0]
    resp = await world.post(
        "/v1/auth/login", {"email": "admin@cli.example", "password": "a long enough password"}
    )
    body = await resp.json()
    assert body["org_id"] == org_id
    assert body["roles"] == ["admin", "gp"]
    code, out = _cli(
        "--data-dir",
        str(tmp_path),
        "server",
        "audit-verify",
        "--database-url",
        url,
        "--org-id",
        org_id,
    )
    assert code == 0
    assert out.startswith("audit chain intact: 4 entries")
