"""The incident drill, run as an operator runs it (``scripts/incident-drill.sh``), at a
small size: three desktops of one organization committing a change every 0.2 s and
syncing through the fault proxy, each fault held one second.

The server is killed mid-push and restarted; the network is cut, slowed by 300 ms a
chunk, blackholed and healed; Postgres is restarted under load. Every step and check
passes: the desktops never fail a local commit, each breaker opens and closes, every
desktop ends with the server's digest, and every op made is on the server exactly once.
The drill owns its Postgres cluster, so the test gives it none. It takes about a minute
and a half on a loaded two-core machine (marked slow).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_incident_drill_converges_with_nothing_lost_or_duplicated() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEALOS_")}
    env["PYTHON"] = sys.executable
    done = subprocess.run(
        [str(ROOT / "scripts" / "incident-drill.sh"), "--hold", "1", "--write-every", "0.2"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
        cwd=ROOT,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    timeline, table = done.stdout.split("\nIncident drill\n", 1)
    # However many pushes the kill caught in flight (one or more, as the machine's pace has it).
    assert re.search(r"server killed mid-push \(SIGKILL, [1-9]\d* push(es)? in flight\)", timeline)
    for event in (
        "every desktop's breaker opened; commits go on locally",
        "network cut at the proxy",
        "network slowed: 300 ms per chunk",
        "network blackholed",
        "Postgres restarting under load",
        "every desktop quiet after",
    ):
        assert event in timeline, event
    assert "retrying at" in timeline
    for step in (
        "kill the server mid-push",
        "cut the network",
        "delay 300 ms per chunk",
        "blackhole, then heal",
        "restart Postgres under load",
        "converge",
        "local commits",
        "breaker opened and closed",
        "digests",
        "nothing lost",
        "nothing duplicated",
        "verify-log",
        "audit chains",
        "clean up",
    ):
        assert re.search(rf"^{re.escape(step)}\s+PASS\s", table, re.MULTILINE), step
    assert "all 17 steps passed" in table
    assert "none failed" in table
    assert "the status said “server unreachable, retrying at " in table
    made = re.search(r"([\d,]+) ops made: ([\d,]+) on the server, (\d+) in a conflicts", table)
    assert made is not None
    assert int(made[1].replace(",", "")) == int(made[2].replace(",", "")) + int(made[3]) > 0
    dup = re.search(r"the server holds ([\d,]+) ops, ([\d,]+) op ids, ([\d,]+) device", table)
    assert dup is not None
    assert dup[1] == dup[2] == dup[3]
    assert "dealos-incident-pg-" in table  # its own cluster, removed with everything else
