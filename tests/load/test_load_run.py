"""The load run of bench/load.py, small enough for every test run: two organizations of
three devices each push and pull at once for three seconds over real HTTP to the server
on Postgres, with no error, and the ledger reconciles exactly (every pushed op on the
server once, every device holding every op once, replicas at the server's digest, asking
prices equal to the cent). Its counts join the reliability figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reliability_figures import record

ROOT = Path(__file__).resolve().parents[2]


def _load(admin_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), *args],
        cwd=ROOT,
        env={**os.environ, "DEALOS_BENCH_DATABASE_URL": admin_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_devices_of_two_organizations_load_the_server_and_reconcile_exactly(
    pg_admin_url: str, tmp_path: Path
) -> None:
    figures_file = tmp_path / "figures.json"
    args = ["--orgs", "2", "--devices", "3", "--seconds", "3", "--solo", "1"]
    done = _load(pg_admin_url, *args, "--json", str(figures_file))
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(figures_file.read_text())
    assert figures["errors"] == 0, figures["errors_by_kind"]
    assert figures["exact"] is True
    assert (figures["devices"], figures["orgs"]) == (6, 2)
    # Every device pushed (the solo device first, then all six at once), and pulled.
    assert figures["ops_accepted"] >= 6
    assert figures["requests"] >= 2 * 6
    assert "reconciled exactly" in done.stdout
    assert done.stdout.count(" | 3/3 | 3/3 | ") == 2, done.stdout
    record(
        "load",
        devices=int(figures["devices"]),
        orgs=int(figures["orgs"]),
        ops_accepted=int(figures["ops_accepted"]),
        requests=int(figures["requests"]),
        errors=int(figures["errors"]),
    )


def test_a_cent_lost_on_the_server_fails_the_reconciliation(pg_admin_url: str) -> None:
    """The same run, one asking price on the server a cent short before the ledger is
    read: the run fails and names the difference."""
    done = _load(
        pg_admin_url,
        "--orgs",
        "1",
        "--devices",
        "2",
        "--seconds",
        "1",
        "--solo",
        "0.5",
        "--lose-a-cent",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "RECONCILIATION FAILED" in done.stdout
    assert "replicas DIFFER" in done.stdout
