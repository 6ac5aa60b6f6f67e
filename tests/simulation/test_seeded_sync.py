"""The seeded sync simulation (docs/RELIABILITY.md): two organizations on the real server
and Postgres, nine devices on real SQLite stores, and for each seed fifty steps of changes
of every kind, offline spells, lost answers, repeated and reordered deliveries, crashes,
server restarts and a restore from a snapshot; then every device must converge to the
server with no op lost or doubled, the ledger must add up, each external reader must hold
its own view only, and every stored op must verify.

CI runs seeds 1–200 in eight items of 25, which xdist spreads over its workers; each
worker builds the world once (tests/simulation/sim_stage.py). A failing seed replays alone:

    .venv/bin/python scripts/simulate.py --seed 137

and a longer run is ``--seeds 1000 --steps 200`` (the same variables drive this module:
DEALOS_SIMULATION_SEED, DEALOS_SIMULATION_SEEDS, DEALOS_SIMULATION_FIRST,
DEALOS_SIMULATION_STEPS; DEALOS_SIMULATION_MIX=1 with ``-s`` prints what was refused or had
nothing to act on, to tune the mix).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability_figures import record
from sim_run import run_seed
from sim_stage import Stage

SEEDS = int(os.environ.get("DEALOS_SIMULATION_SEEDS", "200"))
FIRST = int(os.environ.get("DEALOS_SIMULATION_FIRST", "1"))
STEPS = int(os.environ.get("DEALOS_SIMULATION_STEPS", "50"))
ONLY = os.environ.get("DEALOS_SIMULATION_SEED")
PER_ITEM = 25

# Seeds that once found a bug, run whatever range a run covers (CI's range holds them):
# 102 and 128, an LP's replica kept the fact of a draft call deleted after it pulled it
# (tests/sync_client/test_reader_view_reload.py); 7, a payment on a call deleted as a draft
# meanwhile made the server answer 500 (tests/core/test_deleted_drafts.py). The step mix
# has changed since 102 and 128 failed: their focused tests hold those scenarios exactly.
REGRESSIONS: list[int] = [7, 102, 128]


def _batches() -> list[list[int]]:
    """The seeds in items of 25, and the regressions the range leaves out as one more."""
    if ONLY:
        return [[int(ONLY)]]
    seeds = list(range(FIRST, FIRST + SEEDS))
    batches = [seeds[i : i + PER_ITEM] for i in range(0, len(seeds), PER_ITEM)]
    left_out = [s for s in REGRESSIONS if s not in seeds]
    return batches + ([left_out] if left_out else [])


@pytest.fixture(scope="session")
def stage(pg_database: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    built = Stage(pg_database, Path(tmp_path_factory.mktemp("simulation")))
    yield built
    built.close()


def _play(stage: Stage, seeds: list[int]) -> None:
    totals: Counter[str] = Counter()
    for seed in seeds:
        with stage.seed(seed) as world:
            run = run_seed(world, seed, STEPS)
            devices = sum(len(org.devices) for org in world.orgs)
        totals.update(run.counts)
    record(
        "seeded sync simulation",
        seeds=len(seeds),
        steps=len(seeds) * STEPS,
        ops=totals["ops"],
        devices=devices * len(seeds),
        restarts=totals["server restarts"],
        crashes=totals["crashes"],
        restores=totals["restores"],
        lost_answers=totals["lost answers"],
        repeated_deliveries=totals["repeated deliveries"],
        deals_withdrawn_from_counsel=totals["deals withdrawn from counsel"],
    )
    kinds = {
        k.removeprefix("kind ").replace(".", "_"): n
        for k, n in totals.items()
        if k.startswith("kind ")
    }
    record("seeded sync simulation, ops by kind", **kinds)
    # The world each seed starts from was made through ops too; they are counted apart, as
    # many times as seeds start from it (the server's service account signs enrollments).
    record(
        "seeded sync simulation, set-up ops by kind",
        **{k.replace(".", "_"): n * len(seeds) for k, n in stage.set_up_kinds.items()},
    )
    if os.environ.get("DEALOS_SIMULATION_MIX"):  # tuning the mix: what was refused or idle
        print(sorted((n, k) for k, n in totals.items() if k.startswith(("refused ", "idle "))))


@pytest.mark.parametrize("seeds", _batches(), ids=lambda s: f"seeds {s[0]}-{s[-1]}")
def test_every_seed_converges_with_nothing_lost(stage: Stage, seeds: list[int]) -> None:
    _play(stage, seeds)
