"""``dealos serve --workers 2``: two server processes share one port. Two organizations
push at the same moment and each gets its own gapless ``server_seq``; ``/metrics`` counts
for both, whichever answers; the extra process ends with the first one, even when that
one is killed with SIGKILL."""

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
from core.ops.envelope import UnsignedOp, utc_now_rfc3339
from core.ops.signing import DeviceKey, device_proof
from sync_server.bootstrap import create_org
from sync_server.credentials import Passwords
from sync_server.server_keys import ServerKeys
from sync_server.settings import Settings


def _workers_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` and that run a spawned multiprocessing worker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _listeners(port: int) -> int:
    """Sockets listening on ``port`` (SO_REUSEPORT gives each process its own)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
            count += 1
    return count


def _sample(text: str, name: str) -> float:
    """The value of one sample in Prometheus's text format (labels in the order given)."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name} in /metrics")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


async def _push_as_new_org(
    http: aiohttp.ClientSession, base: str, owner: Any, settings: Settings, n: int
) -> list[int]:
    email = f"gp+{new_id()[-8:]}@harborpoint.example"
    created = create_org(
        owner,
        ServerKeys.from_file(settings.secret_file),
        name="Parallel Capital",
        admin_email=email,
        admin_name="Maria",
        password_hash=Passwords(settings.password_cost).hash(PASSWORD),
    )
    login = await (
        await http.post(f"{base}/v1/auth/login", json={"email": email, "password": PASSWORD})
    ).json()
    me = Member(
        email,
        login["user_id"],
        login["session_token"],
        login["roles"],
        key=DeviceKey.generate(),
        seq=itertools.count(1),
    )
    proof = device_proof(me.key, created.org_id, me.user_id)
    resp = await http.post(
        f"{base}/v1/devices",
        headers=me.auth,
        json={"public_key": me.key.public_key, "name": "l", "proof": proof},
    )
    me.device_id = (await resp.json())["device_id"]
    ops = [
        me.key.sign(
            UnsignedOp(
                op_id=new_id(),
                org_id=created.org_id,
                device_id=me.device_id,
                device_seq=next(me.seq),
                actor_id=me.user_id,
                kind="deal.create",
                entity_id=new_id(),
                base_version=None,
                payload={"name": f"Deal {i}", "currency": "USD"},
                issued_at=utc_now_rfc3339(),
            )
        ).wire()
        for i in range(n)
    ]
    seqs: list[int] = []
    for start in range(0, n, 50):
        resp = await http.post(
            f"{base}/v1/sync/push",
            headers=me.auth,
            json={"device_id": me.device_id, "ops": ops[start : start + 50]},
        )
        results = (await resp.json())["results"]
        assert {r["status"] for r in results} == {"accepted"}
        seqs += [r["server_seq"] for r in results]
    return seqs


@pytest.mark.slow
async def test_two_processes_share_the_port_and_end_with_the_first(
    pg_database: PgDatabase, base_settings: Settings, owner: Any, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(pg_database, base_settings, port, tmp_path, workers=2)
    try:
        await wait_ready(base)
        workers = _workers_of(server.pid)
        assert len(workers) == 1
        deadline = time.monotonic() + 60
        while _listeners(port) < 2 and time.monotonic() < deadline:  # the second one starts
            time.sleep(0.1)
        assert _listeners(port) == 2
        # Fresh connections, so the kernel spreads them over both processes.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            ready = await asyncio.gather(*(http.get(f"{base}/readyz") for _ in range(40)))
            assert {r.status for r in ready} == {200}
            first, second = await asyncio.gather(
                _push_as_new_org(http, base, owner, base_settings, 200),
                _push_as_new_org(http, base, owner, base_settings, 200),
            )
        # Each organization's log is gapless whichever process took each push.
        assert first[0] == second[0]
        assert first == list(range(first[0], first[0] + 200))
        assert second == list(range(second[0], second[0] + 200))
        # /metrics answers for the whole server, whichever process takes the scrape.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as h:
            scrapes = [await (await h.get(f"{base}/metrics")).text() for _ in range(8)]
        accepted = {_sample(text, 'dealos_push_ops_total{outcome="accepted"}') for text in scrapes}
        assert accepted == {400.0}
        ready = {
            _sample(text, 'dealos_http_requests_total{method="GET",route="/readyz",status="200"}')
            for text in scrapes
        }
        assert len(ready) == 1
        assert ready.pop() >= 40
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers), "a worker outlived the killed server"
    finally:
        if server.poll() is None:
            server.kill()
        for w in _workers_of(server.pid):
            os.kill(w, signal.SIGKILL)
