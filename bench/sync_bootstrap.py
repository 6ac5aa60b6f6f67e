"""Bootstrap: a new device reaching a 100,000-op organization, and the plain pull beside it.

The organization's ops are generated through the server's own push path in-process (the
same code the HTTP push runs, without the HTTP), then a fresh client signs in and pulls
everything with ``GET /v1/sync/pull?limit=1000`` from the server in its own process,
decoding every page as a client does. Then a new device enrolls and syncs through the
real client (``dealos enroll``: sign in, register a key, load the server-signed snapshot
of every projection row with the op log kept beside it): what "reaching" the organization
costs a desktop end to end. ``--verify`` also times the history check that replays that
log afterwards (every signature, then both digests compared); ``--replay`` times a second
new device that takes no snapshot and pulls, verifies, applies and audits every op.
``--apply`` also replays the pulled ops into a fresh SQLite replica with
``Workspace.apply_signed`` (verify + reduce + log, no HTTP), for comparison.
``--mismatch`` then makes one table of the new device's state wrong, as a lying snapshot
would, and times the history check that finds and repairs it, and the longest a local
write waited meanwhile (a thread commits an empty write transaction every 50 ms); then
the same for ``dealos rebuild``'s repair, which replays under the write lock.
``--memory`` runs ``dealos enroll`` (and with ``--verify``, ``dealos enroll
--verify-history``) as a process of its own and prints its time and peak memory. Run:

    .venv/bin/python bench/sync_bootstrap.py [--ops 100000] [--apply] [--replay] [--verify]
        [--mismatch] [--memory]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine
from sync_fixture import (
    PASSWORD,
    BenchDb,
    BenchOrg,
    bench_database,
    bench_org,
    running_server,
    signed_ops,
)

from core.errors import StoreError
from core.ops.signing import DeviceKey, device_proof

__all__ = ["main"]

BATCH = 500


def _generate(db: BenchDb, org: BenchOrg, n: int) -> float:
    from sync_server.database import app_engine, psycopg_url  # noqa: F401
    from sync_server.devices import enroll_device
    from sync_server.push import push
    from sync_server.server_keys import ServerKeys
    from sync_server.sessions import Caller
    from sync_server.table_statistics import TableStatistics

    engine = create_engine(psycopg_url(db.app_url))
    keys = ServerKeys.from_file(db.root / "server.secret")
    org.key = DeviceKey.generate()
    caller = Caller("bench", org.org_id, org.user_id, None, "password")
    org.device_id = enroll_device(
        engine,
        keys,
        caller,
        public_key=org.key.public_key,
        name="gen",
        proof=device_proof(org.key, org.org_id, org.user_id),
    )
    caller = Caller("bench", org.org_id, org.user_id, org.device_id, "password")
    statistics = TableStatistics(every_ops=500)  # as the server refreshes them after pushes
    start = time.perf_counter()
    ops = signed_ops(org, n)
    for i in range(0, n, BATCH):
        outcome = push(engine, keys, caller, org.device_id, [o.wire() for o in ops[i : i + BATCH]])
        assert set(outcome.counts) == {"accepted"}, outcome.counts
        if statistics.accepted(outcome.counts["accepted"]):
            statistics.refresh(engine)
    engine.dispose()
    return time.perf_counter() - start


async def _pull(base: str, org: BenchOrg) -> tuple[float, list[dict[str, Any]]]:
    async with aiohttp.ClientSession() as http:
        start = time.perf_counter()
        login = await (
            await http.post(
                f"{base}/v1/auth/login", json={"email": org.email, "password": PASSWORD}
            )
        ).json()
        auth = {"Authorization": f"Bearer {login['session_token']}"}
        ops: list[dict[str, Any]] = []
        after = 0
        while True:
            async with http.get(
                f"{base}/v1/sync/pull?after={after}&limit=1000", headers=auth
            ) as resp:
                page = json.loads(await resp.read())
            ops += page["ops"]
            after = page["next_after"]
            if not page["has_more"]:
                break
        return time.perf_counter() - start, ops


def _apply_locally(root: Path, ops: list[dict[str, Any]]) -> float:
    from core.commands.workspace import Workspace
    from core.keys import FileKeyring, KeyStore
    from core.ops.envelope import parse_envelope
    from core.store.local import LocalStore

    envelopes = [parse_envelope(o["op"]) for o in ops]
    genesis = envelopes[0]
    os.environ["DEALOS_KEYRING_FILE"] = str(root / "keyring.json")
    keys = KeyStore(FileKeyring(root / "keyring.json"))
    keys.save_device_key(genesis.device_id, DeviceKey.generate())
    start = time.perf_counter()
    store = LocalStore.open(root / "replica", create=True)
    ws = Workspace(
        store, keys, org_id=genesis.org_id, device_id=genesis.device_id, user_id=genesis.actor_id
    )
    for i in range(0, len(envelopes), BATCH):
        ws.apply_signed(envelopes[i : i + BATCH], status="confirmed")
    elapsed = time.perf_counter() - start
    ws.close()
    return elapsed


def _enroll(root: Path, base: str, org: BenchOrg, name: str, *, snapshots: bool) -> Any:
    """Time ``dealos enroll`` of a new device: (seconds, workspace, sync report)."""
    from core.onboarding import enroll_device

    os.environ["DEALOS_KEYRING_FILE"] = str(root / f"{name}-keyring.json")
    start = time.perf_counter()
    ws, report = enroll_device(
        root / name,
        server=base,
        email=org.email,
        password=PASSWORD,
        device_name=f"bench {name}",
        snapshots=snapshots,
    )
    return time.perf_counter() - start, ws, report


@contextmanager
def _write_waits(ws: Any) -> Iterator[list[float]]:
    """Seconds each empty write transaction waited for the store, one every 50 ms."""
    waits: list[float] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            began = time.perf_counter()
            try:
                with ws.store.transaction():
                    pass
            except StoreError:  # busy: it waited the whole busy timeout
                pass
            waits.append(time.perf_counter() - began)
            done.wait(0.05)

    thread = threading.Thread(target=probe)
    thread.start()
    try:
        yield waits
    finally:
        done.set()
        thread.join()


def _timed_repair(ws: Any, repair: Callable[[], object]) -> tuple[float, float, object]:
    from core.store.schema import metadata

    with ws.store.transaction() as conn:
        conn.execute(metadata.tables["lps"].update().values(name="Not the LP"))
    with _write_waits(ws) as waits:
        start = time.perf_counter()
        result = repair()
        took = time.perf_counter() - start
    return took, max(waits), result


def _mismatch(ws: Any) -> str:
    from core.sync.bootstrap import verify_history

    checked, checked_wait, verdict = _timed_repair(ws, lambda: verify_history(ws))
    assert getattr(verdict, "repair", None) == "copied", verdict
    rebuilt, rebuilt_wait, _ = _timed_repair(ws, ws.rebuild)
    return (
        f"lying snapshot: the history check found and repaired it in {checked:.1f} s; "
        f"longest local write wait meanwhile {checked_wait * 1e3:,.0f} ms (replayed rows "
        f"copied in)\nthe same repaired by a rebuild under the write lock: {rebuilt:.1f} s; "
        f"longest local write wait {rebuilt_wait * 1e3:,.0f} ms"
    )


def _new_device(
    root: Path, base: str, org: BenchOrg, *, verify: bool, mismatch: bool = False
) -> str:
    """The whole thing a person waits for: sign in, enroll a key, reach the organization
    (from the server's signed snapshot, history kept beside it), ready to work."""
    from core.sync.bootstrap import verify_history

    elapsed, ws, report = _enroll(root, base, org, "device", snapshots=True)
    assert report.snapshot is not None, "the server offered no snapshot"
    line = (
        f"new device end to end (sign in, enroll, signed snapshot of {report.snapshot.rows} "
        f"rows, {report.snapshot.history} ops of history kept): {elapsed:.1f} s "
        f"(target < 10 s for 100,000 ops)"
    )
    if verify:
        start = time.perf_counter()
        verdict = verify_history(ws)
        assert verdict.ok
        line += (
            f"\nhistory verified afterwards (replay {verdict.ops} ops, every signature, "
            f"compare digests): {time.perf_counter() - start:.1f} s"
        )
    if mismatch:
        line += "\n" + _mismatch(ws)
    ws.close()
    return line


# Runs the CLI, then reports its own peak resident set (VmHWM: this process's, counted
# from its exec; a forked child's rusage would start from the bench's own peak).
_PEAK_WRAPPER = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["dealos", *sys.argv[1:]]
runpy.run_module("core.cli.main", run_name="__main__")
"""


def _enroll_command(root: Path, base: str, org: BenchOrg, *flags: str) -> str:
    """``dealos enroll`` as a person runs it, in a process of its own: its time and the
    most memory it held (Linux only: read from ``/proc``)."""
    env = {**os.environ, "DEALOS_KEYRING_FILE": str(root / f"cli{len(flags)}-keyring.json")}
    args = ["enroll", "--server", base, "--email", org.email, "--password-stdin"]
    args += ["--data-dir", str(root / f"cli{len(flags)}"), *flags]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_WRAPPER, *args],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    took = time.perf_counter() - start
    peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK ")]
    peak = f"{int(peaks[-1]) / 1024:,.0f} MiB" if peaks else "unknown (no /proc)"
    return f"{' '.join(('dealos enroll', *flags))}: {took:.1f} s, peak memory {peak}"


def _replay_device(root: Path, base: str, org: BenchOrg) -> tuple[float, int]:
    """The same new device without the snapshot: pull, verify, apply and audit every op."""
    elapsed, ws, report = _enroll(root, base, org, "replay", snapshots=False)
    ws.close()
    return elapsed, report.pulled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000)
    parser.add_argument("--apply", action="store_true")
    parser.add_argument(
        "--replay", action="store_true", help="also time a new device that replays the log"
    )
    parser.add_argument(
        "--verify", action="store_true", help="also time verifying the history afterwards"
    )
    parser.add_argument(
        "--mismatch", action="store_true", help="also time repairing a lying snapshot"
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="also run `dealos enroll` in a process of its own and report its peak memory",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_database(Path(tmp)) as db:
        org = bench_org(db)
        generated = _generate(db, org, args.ops)
        print(
            f"generated {args.ops} ops through the push path in {generated:.1f} s "
            f"({args.ops / generated:,.0f} ops/s, no HTTP)"
        )
        with running_server(db) as base:
            elapsed, ops = asyncio.run(_pull(base, org))
            device_line = _new_device(
                Path(tmp), base, org, verify=args.verify, mismatch=args.mismatch
            )
            replay = _replay_device(Path(tmp), base, org) if args.replay else None
            memory = [_enroll_command(Path(tmp), base, org)] if args.memory else []
            if args.memory and args.verify:
                memory.append(_enroll_command(Path(tmp), base, org, "--verify-history"))
        size = sum(len(json.dumps(o)) for o in ops[:1000]) * len(ops) / 1000 / 2**20
        print(
            f"pull: a new device signed in and pulled {len(ops)} ops (~{size:.0f} MiB of "
            f"JSON) in {elapsed:.2f} s = {len(ops) / elapsed:,.0f} ops/s (target < 10 s)"
        )
        print(device_line)
        for line in memory:
            print(line)
        if replay is not None:
            print(
                f"new device replaying instead (pull, verify, apply, audit every op): "
                f"{replay[1]} ops in {replay[0]:.1f} s = {replay[1] / replay[0]:,.0f} ops/s"
            )
        if args.apply:
            applied = _apply_locally(Path(tmp), ops)
            print(
                f"apply: replayed them into a fresh local SQLite replica in {applied:.1f} s; "
                f"pull + apply = {elapsed + applied:.1f} s"
            )


if __name__ == "__main__":
    main()
