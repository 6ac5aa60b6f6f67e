"""One seed of the sync simulation: the steps it chooses, their log, and the checks after.

Every choice is drawn from ``random.Random(seed)`` in a fixed order over state that only
the steps before it made, so a seed replays the same steps on every run: which device
acts, what it changes, when it goes offline, when the server restarts, which answers are
lost, which deliveries come again and out of order, when a device crashes or is restored
from its snapshot. A failure raises :class:`SimulationFailed` with the seed, the step log
and the command that replays it.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sim_checks import check_all
from sim_faults import crash, lost_answer, redeliver, restore, take_snapshot
from sim_mix import MOVES, REVIEWS
from sim_moves import Ctx, Made
from sim_stage import SeedWorld
from sim_world import Device, Org, author, sync_once

from core.errors import OpRejected, StoreError
from core.sync.errors import ServerUnavailable

__all__ = ["SeedRun", "SimulationFailed", "run_seed"]

STEPS = {
    "change": 52,
    "sync": 14,
    "review": 2,
    "reader sync": 5,
    "offline/online": 5,
    "crash after commit": 3,
    "lost answer": 4,
    "late repeat": 4,
    "server restart": 2,
    "snapshot": 2,
    "restore": 2,
}
PASSES = 8  # final rounds of every device until nothing moves


class SimulationFailed(AssertionError):
    pass


@dataclass
class SeedRun:
    seed: int
    steps: int
    log: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


class _Simulation:
    def __init__(self, world: SeedWorld, seed: int, steps: int) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.run = SeedRun(seed, steps)
        self.made: dict[str, Made] = {}
        for org in world.orgs:
            made = Made()
            made.add("fund", org.fund_id)
            for lp in org.lps.values():
                made.add("lp", lp)
            made.add("deal", org.diligence_deal)
            if org.counsel_deal:
                made.add("deal", org.counsel_deal)
                made.add("grant", org.counsel_grant)
            self.made[org.org_id] = made
        self.server_up = True
        self.down_until = 0
        self.step = 0

    def say(self, what: str) -> None:
        self.run.log.append(f"{self.step:>4}  {what}")

    # -- choosing ------------------------------------------------------------------------

    def _org(self) -> Org:
        return self.rng.choice(self.world.orgs)

    def _staff(self) -> Device:
        return self.rng.choice(self._org().staff())

    def _any(self) -> Device:
        return self.rng.choice(self._org().devices)

    def play(self) -> None:
        names, weights = list(STEPS), list(STEPS.values())
        for step in range(1, self.run.steps + 1):
            self.step = step
            if not self.server_up and self.step >= self.down_until:
                self.world.server.start()
                self.server_up = True
                self.say("server back")
            what = self.rng.choices(names, weights)[0]
            getattr(self, "_" + what.replace(" ", "_").replace("/", "_"))()

    # -- the steps -----------------------------------------------------------------------

    def _change(self, device: Device | None = None, moves: list[Any] = MOVES) -> str | None:
        device = device or self._staff()
        org = device.org
        counsel = next((d.user_id for d in org.devices if d.role == "counsel"), None)
        fits = [(m, w) for m, w, who in moves if who & device.roles]
        move = self.rng.choices([m for m, _ in fits], [w for _, w in fits])[0]
        spare = tuple(org.spare_devices)
        made = self.made[org.org_id]
        ctx = Ctx(self.rng, device.ws, made, self.step, counsel, spare, device.roles)
        proposal = move(ctx)
        if proposal is None:
            self.say(f"{device.name}: {move.__name__}, nothing it applies to")
            self.run.counts[f"idle {move.__name__}"] += 1
            return None
        try:
            author(device, proposal.kind, proposal.payload, proposal.entity_id)
        except OpRejected as exc:
            self.run.counts["refused locally"] += 1
            self.run.counts[f"refused {proposal.kind} {exc.code}"] += 1
            self.say(f"{device.name}: {proposal.kind} refused here ({exc.code}: {exc.message})")
            return None
        except StoreError as exc:
            self.run.counts["refused before rejoining"] += 1
            self.say(f"{device.name}: {proposal.kind} refused: {exc}")
            return None
        if proposal.makes:
            self.made[org.org_id].add(proposal.makes, proposal.entity_id)
        self.run.counts["ops"] += 1
        self.run.counts[f"kind {proposal.kind}"] += 1
        self.say(f"{device.name}: {proposal.kind} {proposal.entity_id[-6:]}")
        return device.made[-1]

    def _round(self, device: Device) -> None:
        if not device.online:
            self.say(f"{device.name} is offline: no round")
            return
        try:
            report = sync_once(self.world.server, device)
        except ServerUnavailable:
            assert not self.server_up, f"{device.name} found the server down while it was up"
            self.run.counts["rounds while the server was down"] += 1
            self.say(f"{device.name}: server unreachable, working offline")
            return
        self.run.counts["sync rounds"] += 1
        self.say(f"{device.name}: {report.summary()}")

    def _sync(self) -> None:
        self._round(self._staff())

    def _review(self) -> None:
        """A GP opens what awaits a decision: the app syncs first, then the GP approves a
        colleague's draft call or distribution, or votes on a deal at IC."""
        device = self.rng.choice([d for d in self._org().staff() if "gp" in d.roles])
        self._round(device)
        self._change(device, REVIEWS)

    def _reader_sync(self) -> None:
        readers = [d for d in self._org().devices if d.reader]
        self._round(self.rng.choice(readers))

    def _offline_online(self) -> None:
        device = self._any()
        device.online = not device.online
        self.say(f"{device.name} goes {'online' if device.online else 'offline'}")

    def _crash_after_commit(self) -> None:
        device = self._staff()
        made = self._change(device)
        crash(device)
        self.run.counts["crashes"] += 1
        self.say(f"{device.name} crashes {'after its commit' if made else ''} and starts again")

    def _pushable(self) -> Device | None:
        device = self._staff()
        if not (self.server_up and device.online):
            self.say(f"{device.name}: no push (server down or device offline)")
            return None
        return device

    def _lost_answer(self) -> None:
        device = self._pushable()
        if device is None:
            return
        said = lost_answer(self.world.server.url, device, self.rng)
        self.run.counts["lost answers"] += 1
        if self.rng.random() < 0.5:
            crash(device)
            said += "; the app crashes before it hears"
            self.run.counts["crashes"] += 1
        self.say(f"{device.name}: {said}")

    def _late_repeat(self) -> None:
        device = self._pushable()
        if device is None:
            return
        self.run.counts["repeated deliveries"] += 1
        self.say(f"{device.name}: {redeliver(self.world.server.url, device, self.rng)}")

    def _server_restart(self) -> None:
        if not self.server_up:
            self.say("server still down")
            return
        self.world.server.stop()
        self.server_up = False
        self.down_until = self.step + self.rng.randint(1, 4)
        self.run.counts["server restarts"] += 1
        self.say(f"server stops until step {self.down_until}")

    def _snapshot(self) -> None:
        device = self._any()
        self.say(f"{device.name}: {take_snapshot(device, self.step, self.rng)}")

    def _restore(self) -> None:
        kept = [d for org in self.world.orgs for d in org.devices if d.snapshot is not None]
        if not kept:
            self.say("no device has a snapshot to restore")
            return
        device = self.rng.choice(kept)
        # The laptop synced before it was lost: what it made is on the server (a change
        # made after its last sync is lost with it; that is the backup's window, not sync's).
        if not (self.server_up and device.online):
            self.say(f"{device.name}: not restored (it could not sync before it was lost)")
            return
        report = sync_once(self.world.server, device)
        if report.pushed != report.accepted + report.duplicates + report.rejected:
            self.say(f"{device.name}: not restored (its last round left ops waiting)")
            return
        self.say(f"{device.name}: last round before it is lost: {report.summary()}")
        self.say(f"{device.name}: {restore(device)}")
        self.run.counts["restores"] += 1

    # -- the end -------------------------------------------------------------------------

    def settle(self) -> None:
        """Server up, every device online; the staff's rounds until a whole pass pushes
        nothing and rebases nothing (so each holds everything pushed), then the readers'."""
        if not self.server_up:
            self.world.server.start()
            self.server_up = True
        devices = [d for org in self.world.orgs for d in org.devices]
        for device in devices:
            device.online = True
        staff = [d for d in devices if not d.reader]
        passes = 0
        while passes < PASSES:
            passes += 1
            reports = [sync_once(self.world.server, device) for device in staff]
            # Who still lacks something: in each organization, the devices whose round came
            # before the last one that pushed or rebased.
            behind = []
            for org in self.world.orgs:
                mine = [(d, r) for d, r in zip(staff, reports, strict=True) if d.org is org]
                moved = [i for i, (_, r) in enumerate(mine) if r.pushed or r.rebased]
                behind += [d for d, _ in mine[: max(moved, default=0)]]
            if not behind:
                break
            staff = behind
        if behind:
            raise AssertionError(f"the staff's devices still pushed after {PASSES} passes")
        for device in devices:
            if device.reader:
                sync_once(self.world.server, device)
        self.say(f"settled: the staff's devices quiet after {passes} passes, then the readers'")


def run_seed(world: SeedWorld, seed: int, steps: int) -> SeedRun:
    """Play ``seed`` for ``steps`` steps on ``world``, settle, check; raises
    :class:`SimulationFailed` with the step log on any failure."""
    started = time.perf_counter()
    sim = _Simulation(world, seed, steps)
    try:
        sim.play()
        sim.step += 1
        sim.settle()
        rebuilt = [sim.rng.choice(org.devices) for org in world.orgs]
        figures = check_all(world.server, world.database.owner_url, world.orgs, rebuilt)
    except Exception as exc:
        log = "\n".join(sim.run.log)
        raise SimulationFailed(
            f"seed {seed} failed at step {sim.step} of {steps}: {type(exc).__name__}: {exc}\n"
            f"replay it with: .venv/bin/python scripts/simulate.py --seed {seed} "
            f"--steps {steps}\nsteps:\n{log}"
        ) from exc
    sim.run.counts["server ops"] = figures["ops"]
    sim.run.counts["deals withdrawn from counsel"] = figures["withdrawn"]
    sim.run.seconds = time.perf_counter() - started
    return sim.run
