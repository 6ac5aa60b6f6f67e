"""A new device's memory stays flat as the organization grows: ``dealos enroll`` streams the
server's signed snapshot into its store a batch at a time, and the op log beside it a few
pages at a time, so enrolling into an organization ten times larger takes about the same
memory. (Reading the snapshot whole, the peak grew by about 3 MiB per 1,000 ops.)

The peak is the enroll process's own (``VmHWM`` from ``/proc``, Linux only), measured
after enrolling into the same organization at 2,000 and at 20,000 ops; the ops (deals with
their fields, LPs with a contact, deal updates) are pushed over HTTP to the real server.
The figures are sizes, not times, so a loaded machine does not move them.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from live_server import LiveServer, create_org

from core.ids import new_id
from core.ops.envelope import UnsignedOp
from core.ops.signing import DeviceKey
from core.sync.client import SyncClient

PASSWORD = "correct horse battery staple"
GROWTH_BOUND_MIB = 25  # streamed: about 9 MiB (buffers filling); read whole: about 59

# The CLI, then its own peak resident set, as the last line of its standard error.
_PEAK = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK " + line.split()[1] + "\\n")
atexit.register(peak)
sys.argv = ["dealos", *sys.argv[1:]]
runpy.run_module("core.cli.main", run_name="__main__")
"""


class _Author:
    """A device pushing a steady mix of ops to the organization."""

    def __init__(self, server: LiveServer, email: str) -> None:
        self.client = SyncClient(server.url)
        session = self.client.login(email, PASSWORD)
        self.org_id, self.user_id = session.org_id, session.user_id
        self.key = DeviceKey.generate()
        self.device_id = self.client.register_device(
            self.key, "author", org_id=self.org_id, user_id=self.user_id
        )
        self.seq = itertools.count(1)
        self.deal = ""

    def _op(self, kind: str, entity_id: str, payload: dict[str, Any], base: int | None) -> Any:
        unsigned = UnsignedOp.new(
            org_id=self.org_id,
            device_id=self.device_id,
            device_seq=next(self.seq),
            actor_id=self.user_id,
            kind=kind,
            entity_id=entity_id,
            base_version=base,
            payload=payload,
        )
        return self.key.sign(unsigned).wire()

    def push(self, n: int) -> None:
        ops = []
        for i in range(n):
            if i % 3 == 0:
                self.deal = new_id()
                fields = {"sponsor": {"value": "Crescent Ridge"}, "asking_price": {"value": "1.00"}}
                payload = {"name": f"Deal {i}", "currency": "USD", "fields": fields}
                ops.append(self._op("deal.create", self.deal, payload, None))
            elif i % 3 == 1:
                contact = {"contact_id": new_id(), "name": "IR", "email": f"ir{i}@lp.example"}
                payload = {"name": f"LP {i}", "lp_type": "institution", "contacts": [contact]}
                ops.append(self._op("lp.create", new_id(), payload, None))
            else:
                fields = {"fields": {"city": {"value": "Austin, TX"}}}
                ops.append(self._op("deal.update", self.deal, fields, 1))
        for i in range(0, n, 500):
            results = self.client.push(self.device_id, ops[i : i + 500])
            assert {r.status for r in results} == {"accepted"}


def _enroll_peak_mib(server: LiveServer, email: str, folder: Path) -> float:
    env = {**os.environ, "DEALOS_KEYRING_FILE": str(folder / "keyring.json")}
    args = ["enroll", "--server", server.url, "--email", email, "--password-stdin"]
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *args, "--data-dir", str(folder / "store")],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "snapshot" in done.stdout, done.stdout  # it loaded the snapshot, not a replay
    peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK ")]
    return int(peaks[-1]) / 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_a_new_devices_peak_memory_does_not_grow_with_the_organization(
    live_server: LiveServer, tmp_path: Path
) -> None:
    email = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point Capital", email=email, password=PASSWORD)
    author = _Author(live_server, email)
    try:
        author.push(2_000)
        small = _enroll_peak_mib(live_server, email, tmp_path / "small")
        author.push(18_000)
        large = _enroll_peak_mib(live_server, email, tmp_path / "large")
    finally:
        author.client.close()
    assert large - small < GROWTH_BOUND_MIB, (
        f"peak {small:.0f} MiB at 2,000 ops, {large:.0f} at 20,000"
    )
