"""A new device's peak memory as its organization grows: ``dealos enroll`` as a process of
its own at each size, against the memory of a process that only loads the same code.

One organization grows through the server's push path in-process (deals with their
fields, LPs with a contact, deal updates: no documents, so the first sync round fetches no
files and the figure is the snapshot's and the history's alone); at each size a new
device enrolls (sign in, register a key, load the server's signed snapshot with the op
log beside it) and its peak resident set is read from ``/proc`` (Linux). The baseline, in
the same run, is the peak of a process that imports the CLI and the sync client and
stops: what a new device costs before it holds any of the organization. DESIGN §7 asks for
< 300 MiB at 100,000 ops and < 500 MiB at 1,000,000, flat as the organization grows. Run:

    .venv/bin/python bench/enroll_memory.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sync_bootstrap import _PEAK_WRAPPER
from sync_fixture import PASSWORD, BenchDb, BenchOrg, bench_database, bench_org, running_server

from core.ids import new_id
from core.ops.envelope import UnsignedOp
from core.ops.signing import DeviceKey, device_proof

__all__ = ["main"]

BATCH = 500
_FLOOR = """
import sys
import core.cli.main, core.sync.bootstrap, core.sync.engine
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        sys.stderr.write("PEAK " + line.split()[1] + "\\n")
"""


class _Grower:
    """A device of the organization pushing the mix through the server's push path."""

    def __init__(self, db: BenchDb, org: BenchOrg) -> None:
        from sync_server.database import psycopg_url
        from sync_server.devices import enroll_device
        from sync_server.server_keys import ServerKeys
        from sync_server.sessions import Caller

        self.engine = create_engine(psycopg_url(db.app_url))
        self.keys = ServerKeys.from_file(db.root / "server.secret")
        self.key = DeviceKey.generate()
        caller = Caller("bench", org.org_id, org.user_id, None, "password")
        proof = device_proof(self.key, org.org_id, org.user_id)
        self.device_id = enroll_device(
            self.engine, self.keys, caller, public_key=self.key.public_key, name="grow", proof=proof
        )
        self.caller = Caller("bench", org.org_id, org.user_id, self.device_id, "password")
        self.org = org
        self.seq = itertools.count(1)
        self.deal = ""

    def _op(self, kind: str, entity_id: str, payload: dict[str, Any], base: int | None) -> Any:
        unsigned = UnsignedOp.new(
            org_id=self.org.org_id,
            device_id=self.device_id,
            device_seq=next(self.seq),
            actor_id=self.org.user_id,
            kind=kind,
            entity_id=entity_id,
            base_version=base,
            payload=payload,
        )
        return self.key.sign(unsigned).wire()

    def _mix(self, i: int) -> Any:
        if i % 3 == 0:
            self.deal = new_id()
            fields = {"sponsor": {"value": "Crescent Ridge"}, "asking_price": {"value": f"{i}.00"}}
            payload = {"name": f"Deal {i}", "currency": "USD", "fields": fields}
            return self._op("deal.create", self.deal, payload, None)
        if i % 3 == 1:
            contact = {"contact_id": new_id(), "name": "IR", "email": f"ir{i}@lp.example"}
            payload = {"name": f"LP {i}", "lp_type": "institution", "contacts": [contact]}
            return self._op("lp.create", new_id(), payload, None)
        return self._op("deal.update", self.deal, {"fields": {"city": {"value": "Austin"}}}, 1)

    def push(self, n: int) -> float:
        from sync_server.push import push
        from sync_server.table_statistics import TableStatistics

        statistics = TableStatistics(every_ops=500)
        start = time.perf_counter()
        for done in range(0, n, BATCH):
            ops = [self._mix(i) for i in range(done, min(n, done + BATCH))]
            outcome = push(self.engine, self.keys, self.caller, self.device_id, ops)
            assert set(outcome.counts) == {"accepted"}, outcome.counts
            if statistics.accepted(outcome.counts["accepted"]):
                statistics.refresh(self.engine)
        return time.perf_counter() - start


def _peak_mib(stderr: str) -> float:
    peaks = [line.split()[1] for line in stderr.splitlines() if line.startswith("PEAK ")]
    return int(peaks[-1]) / 1024 if peaks else float("nan")


def _enroll(root: Path, base: str, org: BenchOrg, tag: str) -> tuple[float, float, str]:
    """(seconds, peak MiB, the sync summary) of ``dealos enroll`` in a process of its own."""
    env = {**os.environ, "DEALOS_KEYRING_FILE": str(root / f"{tag}-keyring.json")}
    args = ["enroll", "--server", base, "--email", org.email, "--password-stdin"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_WRAPPER, *args, "--data-dir", str(root / tag)],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    took = time.perf_counter() - start
    summary = next((line for line in done.stdout.splitlines() if "snapshot" in line), "")
    return took, _peak_mib(done.stderr), summary.split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="ops, comma-separated, rising")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    floor = subprocess.run(
        [sys.executable, "-c", _FLOOR], capture_output=True, text=True, check=True
    )
    base_mib = _peak_mib(floor.stderr)
    print(
        "baseline: a process that only loads the CLI and the sync client peaks at "
        f"{base_mib:.0f} MiB"
    )
    with tempfile.TemporaryDirectory() as tmp, bench_database(Path(tmp)) as db:
        org = bench_org(db)
        grower = _Grower(db, org)
        held = 0
        for size in sizes:
            took = grower.push(size - held)
            print(f"organization grown to {size:,} ops (+{size - held:,} in {took:.0f} s)")
            held = size
            with running_server(db) as base:
                seconds, peak, summary = _enroll(Path(tmp), base, org, f"device{size}")
            print(
                f"  dealos enroll at {size:,} ops: {seconds:.1f} s, peak {peak:.0f} MiB "
                f"= baseline + {peak - base_mib:.0f} MiB ({summary})"
            )
        grower.engine.dispose()


if __name__ == "__main__":
    main()
