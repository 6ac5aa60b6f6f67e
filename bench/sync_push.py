"""Push throughput: signed ops accepted end to end by the sync server over a real socket,
against raw ``COPY`` of the very rows that push wrote, in the same run.

The server runs in its own process (``python -m sync_server serve``) on Postgres; one
client pushes N pre-signed ops (the op mix of bench/op_mix.py) in pushes of 500,
one after another, as a device catching up would, after one untimed push of 500 that
warms the server up (its signature helper process starts on the first large push;
``DEALOS_VERIFY_PROCESSES=0`` runs without one). The baseline copies the rows the
pushes produced (op log, audit chain, projection rows) into empty copies of the same
tables with ``COPY … FROM STDIN``, in one transaction. ``--in-process`` also times the
push path without HTTP in the bench's own process, and 400 pushes of one op each (their
median latency); ``--profile`` runs the former under cProfile and prints where the time
goes. After the ratio it prints the floor under it (bench/push_floor.py): what the
protocol alone asks of each op, spread over every core, against the same ``COPY``. Run:

    .venv/bin/python bench/sync_push.py [--ops 20000] [--orgs 1] [--devices 1] [--in-process]
        [--profile]

``--orgs N`` has N organizations push at once, each to a server process of its own (as
behind a load balancer; DESIGN §8), and reports their combined rate. ``--devices N`` has
N devices of each organization push at once to its process: they take turns at the
organization's lock.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import gc
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psycopg
from push_floor import BackendCpu, print_floor
from sync_fixture import (
    PASSWORD,
    BenchDb,
    BenchOrg,
    bench_database,
    bench_org,
    running_server,
    signed_ops,
)

from core.ops.signing import DeviceKey, device_proof

__all__ = ["main"]

BATCH = 500
WARM_SECONDS = 2.0
SINGLES = 400
TABLES = (
    "op_log",
    "server_audit",
    "entities",
    "deals",
    "deal_fields",
    "documents",
    "lps",
    "lp_contacts",
)


async def _sign_in(base: str, org: BenchOrg) -> dict[str, str]:
    async with aiohttp.ClientSession() as http:
        login = await (
            await http.post(
                f"{base}/v1/auth/login", json={"email": org.email, "password": PASSWORD}
            )
        ).json()
        auth = {"Authorization": f"Bearer {login['session_token']}"}
        org.key = DeviceKey.generate()
        resp = await http.post(
            f"{base}/v1/devices",
            headers=auth,
            json={
                "public_key": org.key.public_key,
                "name": "bench",
                "proof": device_proof(org.key, login["org_id"], login["user_id"]),
            },
        )
        org.device_id = (await resp.json())["device_id"]
    return auth


async def _push_all(base: str, auth: dict[str, str], bodies: list[bytes]) -> float:
    headers = {**auth, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        start = time.perf_counter()
        for body in bodies:
            async with http.post(f"{base}/v1/sync/push", data=body, headers=headers) as resp:
                results = (await resp.json())["results"]
                assert all(r["status"] == "accepted" for r in results), results[:3]
        return time.perf_counter() - start


def _copy_baseline(db: BenchDb, org_ids: list[str]) -> tuple[float, int, float | None]:
    """Seconds to ``COPY`` the orgs' rows, how many rows, and the CPU seconds Postgres's
    backend spent on it (None if unreadable)."""
    with psycopg.connect(db.owner_url) as conn:
        backend = BackendCpu(conn.info.backend_pid)
        conn.execute("CREATE SCHEMA IF NOT EXISTS bench_copy")
        rows = {}
        for t in TABLES:
            conn.execute(f"CREATE TABLE bench_copy.{t} (LIKE public.{t} INCLUDING ALL)")
            rows[t] = conn.execute(
                f"SELECT * FROM public.{t} WHERE org_id = ANY(%s)", (org_ids,)
            ).fetchall()
        conn.commit()
        cpu_before = backend.seconds()
        start = time.perf_counter()
        with conn.cursor() as cur:
            for t in TABLES:
                with cur.copy(f"COPY bench_copy.{t} FROM STDIN") as copy:
                    for row in rows[t]:
                        copy.write_row(row)
        conn.commit()
        elapsed = time.perf_counter() - start
        cpu_after = backend.seconds()
        conn.execute("DROP SCHEMA bench_copy CASCADE")
        conn.commit()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return elapsed, sum(len(r) for r in rows.values()), cpu


def _in_process(db: BenchDb, org: BenchOrg, n: int, *, start_seq: int, profile: bool) -> None:
    """The push path in this process (no HTTP), as the server runs it: with a signature
    helper unless ``DEALOS_VERIFY_PROCESSES=0``; timed, or under cProfile."""
    from sqlalchemy import create_engine

    from core.ops.verify_process import Verifiers
    from sync_server.database import psycopg_url
    from sync_server.push import push
    from sync_server.server_keys import ServerKeys
    from sync_server.sessions import Caller

    engine = create_engine(psycopg_url(db.app_url))
    keys = ServerKeys.from_file(db.root / "server.secret")
    caller = Caller("bench", org.org_id, org.user_id, org.device_id, "password")
    ops = [o.wire() for o in signed_ops(org, n + BATCH, start_seq=start_seq)]
    helpers = int(os.environ.get("DEALOS_VERIFY_PROCESSES", "1"))
    verifiers = Verifiers(helpers) if helpers else None
    push(engine, keys, caller, org.device_id, ops[:BATCH], verifiers)  # warm-up, as over HTTP
    # The server freezes what it loaded at start (sync_server/cli.py); here that includes
    # the pre-signed ops, which a server never holds, so collections skip them too.
    gc.collect()
    gc.freeze()
    time.sleep(WARM_SECONDS)
    profiler = cProfile.Profile()
    if profile:
        profiler.enable()
    cpu, start = time.process_time(), time.perf_counter()
    for i in range(BATCH, n + BATCH, BATCH):
        push(engine, keys, caller, org.device_id, ops[i : i + BATCH], verifiers)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    profiler.disable()
    if profile:
        print(f"\n-- in-process push of {n} ops under cProfile (top 25 by own time)")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)
    else:
        print(
            f"in-process push (no HTTP, {helpers} signature helper(s)): {n} ops in "
            f"{elapsed:.2f} s = {n / elapsed:,.0f} ops/s; this process's CPU "
            f"{cpu / n * 1e6:.0f} µs/op"
        )
        # A GP's everyday push: one op, where round trips to Postgres are the cost.
        singles = [o.wire() for o in signed_ops(org, SINGLES, start_seq=start_seq + n + BATCH)]
        latencies = []
        for op in singles:
            began = time.perf_counter()
            push(engine, keys, caller, org.device_id, [op], verifiers)
            latencies.append(time.perf_counter() - began)
        latencies.sort()
        print(
            f"in-process push of one op: median {statistics.median(latencies) * 1e3:.2f} ms, "
            f"90th percentile {latencies[int(len(latencies) * 0.9)] * 1e3:.2f} ms "
            f"({SINGLES} pushes)"
        )
    if verifiers is not None:
        verifiers.close()
    engine.dispose()


async def _push_orgs(pushes: list[tuple[str, dict[str, str], list[bytes]]]) -> float:
    """Every organization pushes its ops at once, each to its own server process."""
    start = time.perf_counter()
    await asyncio.gather(*(_push_all(base, auth, bodies) for base, auth, bodies in pushes))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument(
        "--orgs",
        type=int,
        default=1,
        help="organizations pushing at once, each to its own server process (DESIGN §8)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="also time the push path without HTTP, in this process",
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=1,
        help="devices of each organization pushing at once to its server process",
    )
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_database(Path(tmp)) as db:
        orgs = [bench_org(db) for _ in range(args.orgs)]
        with contextlib.ExitStack() as servers:
            pushes = []
            for org in orgs:
                base = servers.enter_context(running_server(db))
                # The org's first device is ``org`` itself; more are the same user's.
                for device in [org, *(dataclasses.replace(org) for _ in range(args.devices - 1))]:
                    auth = asyncio.run(_sign_in(base, device))
                    ops = signed_ops(device, args.ops + BATCH)
                    bodies = [
                        json.dumps(
                            {
                                "device_id": device.device_id,
                                "ops": [o.wire() for o in ops[i : i + BATCH]],
                            }
                        ).encode()
                        for i in range(0, len(ops), BATCH)
                    ]
                    # One untimed push first: a running server has its connections open and
                    # its signature helper started (core.ops.verify_process starts it lazily).
                    asyncio.run(_push_all(base, auth, bodies[:1]))
                    pushes.append((base, auth, bodies[1:]))
            time.sleep(WARM_SECONDS)
            elapsed = asyncio.run(_push_orgs(pushes))
        copy_time, rows, copy_cpu = _copy_baseline(db, [o.org_id for o in orgs])
        total = args.ops * args.orgs * args.devices
        rate = total / elapsed
        who = (
            ""
            if args.orgs == 1
            else f" by {args.orgs} organizations at once, one server process each,"
        )
        if args.devices > 1:
            who += f" from {args.devices} devices of each organization at once,"
        print(
            f"push: {total} signed ops accepted{who} in {elapsed:.2f} s over HTTP "
            f"= {rate:,.0f} ops/s (target >= 5,000)"
        )
        copied = (args.ops + BATCH) * args.orgs * args.devices  # warm-up pushes' rows too
        print(
            f"COPY of the same {rows} rows (op log, audit, projections; {copied} ops): "
            f"{copy_time:.3f} s = {copied / copy_time:,.0f} ops/s"
        )
        ratio = (copied / copy_time) / rate
        print(f"ratio push / COPY per op: {ratio:.1f}x (the floor: bench/push_floor.py)")
        key = orgs[0].key
        assert key is not None
        print_floor(
            pushes[0][2],
            key.public_key,
            copy_time / copied,
            None if copy_cpu is None else copy_cpu / copied,
        )
        if args.in_process or args.profile:
            n = min(args.ops, 5000) if args.profile else args.ops
            _in_process(db, orgs[0], n, start_seq=10_000_000, profile=args.profile)


if __name__ == "__main__":
    main()
