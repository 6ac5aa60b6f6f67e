"""Run the seeded sync simulation (tests/simulation) outside CI's fixed range.

    .venv/bin/python scripts/simulate.py --seed 137             # replay one seed exactly
    .venv/bin/python scripts/simulate.py --seeds 1000 --steps 200 --workers 2

Each seed runs two organizations on the real server and Postgres (``DEALOS_TEST_DATABASE_URL``
when set, else an embedded PostgreSQL, as the test suite does). A failing seed prints its
number, the step it failed at, what broke, and the log of its steps; the run stops at the
first failure. The figures (seeds, steps, ops, devices, restarts, crashes, restores) are
printed at the end under "reliability figures".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/simulation/test_seeded_sync.py::test_every_seed_converges_with_nothing_lost"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, help="run this one seed")
    parser.add_argument("--seeds", type=int, default=200, help="how many seeds (default 200)")
    parser.add_argument("--first", type=int, default=1, help="the first seed (default 1)")
    parser.add_argument("--steps", type=int, default=50, help="steps per seed (default 50)")
    parser.add_argument("--workers", type=int, default=1, help="processes (pytest-xdist)")
    args = parser.parse_args(argv)
    env = {
        **os.environ,
        "DEALOS_SIMULATION_SEEDS": str(args.seeds),
        "DEALOS_SIMULATION_FIRST": str(args.first),
        "DEALOS_SIMULATION_STEPS": str(args.steps),
    }
    if args.seed is not None:
        env["DEALOS_SIMULATION_SEED"] = str(args.seed)
    command = [sys.executable, "-m", "pytest", TEST, "-q", "-x", "-p", "no:cacheprovider"]
    if args.workers > 1:
        command += ["-n", str(args.workers)]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
