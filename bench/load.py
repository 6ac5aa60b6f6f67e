"""Load: devices of several organizations pushing and pulling at once for a bounded time,
over real HTTP on loopback to the server on Postgres, then an exact reconciliation.

The server runs in its own process (``python -m sync_server serve``, bench/sync_fixture.py).
Each organization gets ``--devices`` devices: each signs in with the organization's
password, enrolls a real Ed25519 key and then, until ``--seconds`` have passed, pushes a
push of 1 to ``--batch`` ops it signs right then (new deals with an asking price, updates
of its own deals' prices, LPs, documents) and pulls everything new, page by page. Every
request is timed and every refusal counted by kind: no op of the run may rightly be
refused, so any error is a failure. Then every device pulls to the head and the ledger is
reconciled exactly (bench/load_ledger.py): each pushed op on the server once, each device
holding every op once, every device's replica at the server's digest, asking prices equal
to the cent on devices, server and replicas.

The baseline, in the same run, is one device of the first organization alone for
``--solo`` seconds before the others start: the ratio of the loaded p50s to its p50s is
what sharing the server costs a request. Its ops count in the reconciliation too.

Why asyncio: the devices are I/O-bound clients, and one event loop in one process keeps
the load generator's CPU to one core's share while the server, its signature helper and
Postgres share the rest of a 2-core machine; a process per device would multiply the
imports and the memory, threads would only take turns at the GIL. A device signs its
push before its clock starts, but an answer may wait while another device signs (at most
one push's ops, about 0.1 ms each), which the latencies include. Run:

    .venv/bin/python bench/load.py [--orgs 2] [--devices 4] [--seconds 20] [--batch 50]
        [--solo 3] [--json FIGURES.json] [--lose-a-cent]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from load_devices import Device, Stats, catch_up, enroll, run_device
from load_ledger import OrgLedger, reconcile
from sync_fixture import bench_database, bench_org, running_server

from core.ops.signing import DeviceKey

__all__ = ["main"]

# Devices of one organization sign in with its one account from one address: the default
# limits (10 sign-ins per account and address in 15 minutes) are for people, not a bench.
_RATE_LIMITS = {"DEALOS_RATE_LOGIN_PER_ACCOUNT_IP": "1000", "DEALOS_RATE_LOGIN_PER_IP": "1000"}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _run(base: str, devices: list[Device], args: argparse.Namespace) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        for device in devices:
            await enroll(http, base, device)
        solo = Stats()
        await run_device(
            http,
            base,
            devices[0],
            deadline=time.monotonic() + args.solo,
            batch=args.batch,
            stats=solo,
        )
        loaded = Stats()
        began = time.monotonic()
        await asyncio.gather(
            *(
                run_device(
                    http, base, d, deadline=began + args.seconds, batch=args.batch, stats=loaded
                )
                for d in devices
            )
        )
        elapsed = time.monotonic() - began
        after = Stats()
        states = {}
        for device in devices:
            states[device.org.org_id] = await catch_up(http, base, device, after)
        # Catching up after everyone stopped: the head cannot have moved meanwhile.
        for device in devices:
            assert device.cursor == states[device.org.org_id][0], device.name
    return {"solo": solo, "loaded": loaded, "after": after, "elapsed": elapsed, "states": states}


def _lose_a_cent(owner_url: str, org_id: str) -> None:
    with psycopg.connect(owner_url) as conn:
        conn.execute(
            "UPDATE deal_fields SET value = (value::numeric - 0.01)::text WHERE ctid = "
            "(SELECT ctid FROM deal_fields WHERE org_id = %s AND field = 'asking_price' "
            "LIMIT 1)",
            (org_id,),
        )


def _latency_lines(solo: Stats, loaded: Stats) -> list[str]:
    lines = []
    for kind in ("push", "pull"):
        got = loaded.latencies.get(kind, [])
        if not got:
            continue
        p50, p95, p99 = (_percentile(got, p) * 1e3 for p in (50, 95, 99))
        alone = solo.latencies.get(kind, [])
        ratio = f"; {p50 / (_percentile(alone, 50) * 1e3):.1f}x alone" if alone else ""
        base = f" (alone: p50 {_percentile(alone, 50) * 1e3:.1f} ms{ratio})" if alone else ""
        lines.append(
            f"{kind}: {len(got)} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"p99 {p99:.1f} ms{base}"
        )
    return lines


def _ledger_lines(ledgers: list[OrgLedger]) -> list[str]:
    lines = [
        "organization | devices | ops pushed | on server once | strays | log ops | "
        "pulled all once | digests equal | asking prices: signed = server = replicas"
    ]
    for n, led in enumerate(ledgers, 1):
        money_equal = all(m == led.money_signed for m in (led.money_server, *led.money_replicas))
        lines.append(
            f"org {n} | {led.devices} | {led.pushed} | {led.on_server_once} | {led.strays} | "
            f"{led.log_ops} | {led.pulled_exactly}/{led.devices} | "
            f"{led.digests_equal}/{led.devices} | ${led.money_signed:,} = ${led.money_server:,}"
            f" = {len(led.money_replicas)} replicas {'equal' if money_equal else 'DIFFER'}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--devices", type=int, default=4, help="devices per organization")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long all push at once")
    parser.add_argument("--batch", type=int, default=50, help="most ops in one push")
    parser.add_argument("--solo", type=float, default=3.0, help="seconds of one device alone")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--lose-a-cent",
        action="store_true",
        help="take a cent off one asking price on the server before reconciling (proves the "
        "reconciliation fails when the server's money is wrong)",
    )
    args = parser.parse_args()
    os.environ.update(_RATE_LIMITS)
    with tempfile.TemporaryDirectory() as tmp, bench_database(Path(tmp)) as db:
        orgs = [bench_org(db) for _ in range(args.orgs)]
        devices = [
            Device(org, f"org{o}-device{d}", DeviceKey.generate())
            for o, org in enumerate(orgs, 1)
            for d in range(1, args.devices + 1)
        ]
        for n, device in enumerate(devices):
            device.rng.seed(n)
        with running_server(db) as base:
            run = asyncio.run(_run(base, devices, args))
        if args.lose_a_cent:
            _lose_a_cent(db.owner_url, orgs[0].org_id)
        started = time.perf_counter()
        ledgers = reconcile(db.owner_url, Path(tmp), devices, run["states"])
        reconciled = time.perf_counter() - started
    solo, loaded, after = run["solo"], run["loaded"], run["after"]
    elapsed = run["elapsed"]
    requests = sum(len(v) for s in (solo, loaded, after) for v in s.latencies.values())
    errors = solo.errors + loaded.errors + after.errors
    pulls = len(loaded.latencies.get("pull", []))
    print(
        f"{len(devices)} devices of {args.orgs} organizations, {elapsed:.1f} s at once "
        f"(after {args.solo:g} s of one device alone), one server process on "
        f"{os.cpu_count()} cores"
    )
    print(
        f"throughput: {loaded.accepted / elapsed:,.0f} ops/s accepted, "
        f"{pulls / elapsed:,.0f} pulls/s (alone: "
        f"{solo.accepted / args.solo:,.0f} ops/s accepted)"
    )
    for line in _latency_lines(solo, loaded):
        print(line)
    print(
        f"errors: {sum(errors.values())}"
        + "".join(f"; {kind}: {n}" for kind, n in sorted(errors.items()))
    )
    print(f"reconciliation (replicas replayed in {reconciled:.1f} s):")
    for line in _ledger_lines(ledgers):
        print("  " + line)
    exact = all(led.exact for led in ledgers)
    print("reconciled exactly" if exact else "RECONCILIATION FAILED")
    if args.json:
        figures = {
            "devices": len(devices),
            "orgs": args.orgs,
            "ops_accepted": solo.accepted + loaded.accepted,
            "requests": requests,
            "errors": sum(errors.values()),
            "exact": exact,
            "seconds": elapsed,
            "errors_by_kind": dict(errors),
        }
        args.json.write_text(json.dumps(figures, indent=2))
    if errors or not exact:
        sys.exit(1)


if __name__ == "__main__":
    main()
