"""kill -9 in the middle of a 500-op push: the server process dies while Postgres holds
half the ops applied in an open transaction. After a restart every op is either fully
there or entirely absent (here: absent, one push being one transaction), the retry is
accepted without a duplicate, and the digest equals a fresh replay of the log."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pg_fixture import PgDatabase
from scenario import PASSWORD, Member
from server_process import free_port, start_server, wait_ready

from core.ids import new_id
from core.ops.envelope import UnsignedOp, parse_envelope, utc_now_rfc3339
from core.ops.signing import DeviceKey, device_proof
from core.reducers.apply import apply_op
from core.store.digest import digest_of
from core.store.memory import MemoryProjection
from core.store.schema import PROJECTION_TABLES
from sync_server.bootstrap import create_org
from sync_server.credentials import Passwords
from sync_server.server_keys import ServerKeys
from sync_server.settings import Settings


def _ops(org_id: str, me: Member, n: int) -> list[dict[str, Any]]:
    fields = {"sponsor": {"value": "Harbor Point Sponsor"}}
    return [
        me.key.sign(
            UnsignedOp(
                op_id=new_id(),
                org_id=org_id,
                device_id=me.device_id,
                device_seq=next(me.seq),
                actor_id=me.user_id,
                kind="deal.create",
                entity_id=new_id(),
                base_version=None,
                payload={"name": f"Deal {i}", "currency": "USD", "fields": fields},
                issued_at=utc_now_rfc3339(),
            )
        ).wire()
        for i in range(n)
    ]


def _count(owner: Any, table: str, org_id: str) -> int:
    with owner.begin() as conn:
        n = conn.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE org_id = %s", (org_id,)
        ).scalar()
    return int(n or 0)


@pytest.mark.slow
async def test_sigkill_mid_push_leaves_no_half_applied_op(
    pg_database: PgDatabase, base_settings: Settings, owner: Any, tmp_path: Path
) -> None:
    keys = ServerKeys.from_file(base_settings.secret_file)
    email = f"gp+{new_id()[-8:]}@harborpoint.example"
    created = create_org(
        owner,
        keys,
        name="Crash Capital",
        admin_email=email,
        admin_name="Maria",
        password_hash=Passwords(base_settings.password_cost).hash(PASSWORD),
    )
    org_id = created.org_id
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(pg_database, base_settings, port, tmp_path)
    try:
        await wait_ready(base)
        async with aiohttp.ClientSession() as http:
            login = await (
                await http.post(
                    f"{base}/v1/auth/login", json={"email": email, "password": PASSWORD}
                )
            ).json()
            me = Member(
                email,
                login["user_id"],
                login["session_token"],
                login["roles"],
                key=DeviceKey.generate(),
                seq=itertools.count(1),
            )
            auth = me.auth
            resp = await http.post(
                f"{base}/v1/devices",
                headers=auth,
                json={
                    "public_key": me.key.public_key,
                    "name": "laptop",
                    "proof": device_proof(me.key, org_id, me.user_id),
                },
            )
            me.device_id = (await resp.json())["device_id"]
            first = _ops(org_id, me, 50)
            resp = await http.post(
                f"{base}/v1/sync/push", headers=auth, json={"device_id": me.device_id, "ops": first}
            )
            assert resp.status == 200
            logged_before = _count(owner, "op_log", org_id)
            deals_before = _count(owner, "deals", org_id)
            big = _ops(org_id, me, 500)
            push = asyncio.ensure_future(
                http.post(
                    f"{base}/v1/sync/push",
                    headers=auth,
                    json={"device_id": me.device_id, "ops": big},
                )
            )
            # Wait until Postgres holds some of this push's projection rows, uncommitted.
            for _ in range(400):
                with owner.begin() as conn:
                    busy = conn.exec_driver_sql(
                        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE c.relname = 'deals' AND l.mode = 'RowExclusiveLock'"
                    ).scalar()
                if busy:
                    break
                await asyncio.sleep(0.005)
            assert busy, "the push never started applying"
            os.kill(server.pid, signal.SIGKILL)
            server.wait(10)
            with pytest.raises(aiohttp.ClientError):
                await push
    finally:
        if server.poll() is None:
            server.kill()
    time.sleep(0.2)
    assert _count(owner, "op_log", org_id) == logged_before
    assert _count(owner, "deals", org_id) == deals_before
    server = start_server(pg_database, base_settings, port, tmp_path)
    try:
        await wait_ready(base)
        async with aiohttp.ClientSession() as http:
            resp = await http.post(
                f"{base}/v1/sync/push",
                headers=me.auth,
                json={"device_id": me.device_id, "ops": big},
            )
            if resp.status == 401:  # the session survived: it is in Postgres, not the process
                raise AssertionError("session lost")
            results = (await resp.json())["results"]
            assert [r["status"] for r in results] == ["accepted"] * 500
            seqs = [r["server_seq"] for r in results]
            assert seqs == list(range(logged_before + 1, logged_before + 501))
            again = (
                await (
                    await http.post(
                        f"{base}/v1/sync/push",
                        headers=me.auth,
                        json={"device_id": me.device_id, "ops": big[:10]},
                    )
                ).json()
            )["results"]
            assert {r["status"] for r in again} == {"duplicate"}
            state = await (await http.get(f"{base}/v1/sync/state", headers=me.auth)).json()
            pulled: list[dict[str, Any]] = []
            after = 0
            while True:
                page = await (
                    await http.get(f"{base}/v1/sync/pull?after={after}&limit=1000", headers=me.auth)
                ).json()
                pulled += page["ops"]
                after = page["next_after"]
                if not page["has_more"]:
                    break
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
    assert [p["server_seq"] for p in pulled] == list(range(1, len(pulled) + 1))
    replica = MemoryProjection(org_id)
    for p in pulled:
        apply_op(replica, parse_envelope(p["op"]), verify=True)
    dump = replica.dump()
    assert digest_of((t.name, dump[t.name]) for t in PROJECTION_TABLES) == state["digest"]
