"""How long a ``dealos`` command takes to start and answer, against a bare Python start.

Run: ``.venv/bin/python bench/cli_start.py [--runs 7]``. It builds a small organization
(one fund, one LP) in a temporary folder, then times, as a script would run them, each
command as a new process: ``dealos --help`` (the parser, every command registered) and
``dealos fund list`` (open the store, read, print). The baseline in the same run is
``python -c pass`` and ``python -c "import sqlalchemy"`` — what any Python command pays
before it does anything. Prints medians of wall and CPU time and the ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of the child) over ``runs`` runs after one warm-up."""
    walls, cpus = [], []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if i:  # the first run warms the file cache
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    python = sys.executable
    dealos = [python, "-m", "core.cli.main"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DEALOS_KEYRING_FILE": str(Path(tmp) / "keyring.json"),
            "DEALOS_DATA_DIR": str(Path(tmp) / "acme"),
        }
        setup = [
            ["init", "--org", "Acme Capital", "--user", "gail@acme.example"],
            ["fund", "create", "--name", "Fund I", "--currency", "USD", "--vintage", "2026"],
        ]
        for step in setup:
            subprocess.run([*dealos, *step], env=env, check=True, capture_output=True)
        cases = [
            ("python -c pass", [python, "-c", "pass"]),
            ('python -c "import sqlalchemy"', [python, "-c", "import sqlalchemy"]),
            ("dealos --help", [*dealos, "--help"]),
            ("dealos fund list", [*dealos, "fund", "list"]),
        ]
        results = {name: timed(args, env, runs) for name, args in cases}
    base_wall, _ = results["python -c pass"]
    print(f"median of {runs} runs, each a new process")
    print(f"{'command':<32} {'wall ms':>8} {'CPU ms':>8} {'× bare python (wall)':>21}")
    for name, (wall, cpu) in results.items():
        print(f"{name:<32} {wall:>8.0f} {cpu:>8.0f} {wall / base_wall:>20.1f}×")


if __name__ == "__main__":
    main()
