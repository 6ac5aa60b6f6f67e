"""The incident drill (``scripts/incident-drill.sh``).

A real ``dealos serve`` on a Postgres cluster the drill owns, behind a fault-injecting
proxy (:mod:`sync_server.drills.fault_proxy`), and several desktops of one organization
(:mod:`sync_server.drills.incident_clients`) committing changes and syncing all along.
Then, one after the other: the server is killed (SIGKILL) while a push is in flight and
started again; the network is cut, then slowed (300 ms per chunk), then made to swallow
every packet, then healed; Postgres is restarted under load (an immediate stop: crash
recovery). Each event is printed on a timeline with what the desktops see.

After healing, every desktop syncs until nothing moves, and the drill proves: every local
commit succeeded during every fault; each desktop's breaker opened and closed again; each
desktop's digest equals the server's; every op a desktop made is on the server or in its
conflicts inbox with a reason; none is there twice; ``dealos server verify-log`` and the
audit chains pass. It prints the table and exits 1 on any failure. Everything it made —
server, cluster, proxy, folders — is removed.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import psycopg
from sqlalchemy import select

from core.store.local_schema import conflicts, op_log
from core.sync.engine import SyncEngine
from sync_server.bootstrap import create_org
from sync_server.credentials import Passwords
from sync_server.database import owner_engine
from sync_server.drills.backup_drill import server_command
from sync_server.drills.checklist import Checklist, DrillError
from sync_server.drills.fault_proxy import FaultProxy
from sync_server.drills.incident_clients import Replica, enroll_replicas
from sync_server.drills.owned_cluster import OwnedCluster
from sync_server.drills.seeded_orgs import CHEAP, PASSWORD
from sync_server.drills.server_process import ServerProcess
from sync_server.server_keys import ServerKeys

__all__ = ["main", "run_drill"]

DELAY_MS = 300
RECOVERY_TIMEOUT = 45.0


@dataclass
class _Drill:
    work: Path
    checks: Checklist
    out: TextIO | None
    desktops: int
    write_every: float
    hold: float
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    started: float = field(default_factory=time.monotonic)
    cluster: OwnedCluster | None = None
    server: ServerProcess | None = None
    proxy: FaultProxy | None = None
    replicas: list[Replica] = field(default_factory=list)
    org_id: str = ""
    timeline: list[str] = field(default_factory=list)
    fault_started: float = 0.0
    fault_commits: int = 0

    # -- the timeline --------------------------------------------------------------------

    def event(self, what: str) -> None:
        elapsed = time.monotonic() - self.started
        line = f"{int(elapsed // 60):02d}:{elapsed % 60:04.1f}  {what}"
        if self.replicas:
            line += f"  — {self._desktops_now()}"
        self.timeline.append(line)
        if self.out is not None:
            self.out.write(line + "\n")
            self.out.flush()

    def _desktops_now(self) -> str:
        states: dict[str, int] = {}
        for r in self.replicas:
            states[r.state] = states.get(r.state, 0) + 1
        said = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        opened = [r for r in self.replicas if r.breaker_state == "open"]
        breaker = ""
        if opened:
            when = min((r.retry_at for r in opened if r.retry_at), default=None)
            breaker = f", breaker open on {len(opened)}" + (
                f" (retrying at {when:%H:%M:%S})" if when else ""
            )
        pending = sum(r.pending() for r in self.replicas)
        made = sum(r.made() for r in self.replicas)
        return f"desktops: {said}{breaker}; {pending} ops pending, {made} made"

    def _made(self) -> int:
        return sum(r.made() for r in self.replicas)

    def _failures(self) -> int:
        return sum(len(r.commit_failures) for r in self.replicas)

    def _begin_fault(self) -> None:
        self.fault_started = time.monotonic()
        self.fault_commits = self._made()

    def _commits_since_fault(self) -> int:
        return self._made() - self.fault_commits

    def _wait(self, why: str, done: Callable[[], bool], timeout: float) -> float:
        started = time.monotonic()
        while not done():
            if time.monotonic() - started > timeout:
                raise DrillError(f"{why} did not happen within {timeout:.0f} s")
            time.sleep(0.05)
        return time.monotonic() - started

    def _breakers_opened(self) -> bool:
        return all(
            any(t >= self.fault_started and s == "open" for t, s in r.breaker_log.events)
            for r in self.replicas
        )

    def _recovered(self, since: float) -> Callable[[], bool]:
        """Every desktop has completed a sync round (push and pull) since ``since``."""
        return lambda: all(r.synced_at > since for r in self.replicas)

    def _heal_and_recover(self, what: str) -> float:
        healed = time.monotonic()
        try:
            took = self._wait(
                "every desktop syncing again", self._recovered(healed), RECOVERY_TIMEOUT
            )
        except DrillError as exc:
            behind = [
                f"{r.name} said “{r.message}”" for r in self.replicas if r.synced_at <= healed
            ]
            raise DrillError(f"{exc}: {'; '.join(behind)}") from None
        self.event(f"{what}: every desktop synced again after {took:.1f} s")
        return took

    # -- the steps -----------------------------------------------------------------------

    def start_postgres(self) -> str:
        self.cluster = OwnedCluster(f"dealos_incident_{self.tag}")
        self.event("Postgres started (an embedded cluster the drill owns)")
        return f"an embedded cluster in {self.cluster.folder.name}, Unix socket only"

    def start_server(self) -> str:
        assert self.cluster is not None
        self.server = ServerProcess(
            self.cluster.url,
            self.work / "serve",
            secret_file=self.work / "server" / "server.secret",
            app_role=f"dealos_incident_{self.tag}",
        ).start()
        self.proxy = FaultProxy(self.server.port).start()
        self.event(f"server ready at {self.server.url}, behind the fault proxy at {self.proxy.url}")
        return f"dealos serve on port {self.server.port}, the proxy on {self.proxy.port}"

    def start_desktops(self) -> str:
        assert self.server is not None
        assert self.proxy is not None
        assert self.cluster is not None
        email = f"founder@incident-{self.tag}.example"
        engine = owner_engine(self.cluster.url)
        try:
            created = create_org(
                engine,
                ServerKeys.from_file(self.server.secret_file),
                name="Incident Drill Capital",
                admin_email=email,
                admin_name="Drill Founder",
                password_hash=Passwords(CHEAP).hash(PASSWORD),
            )
        finally:
            engine.dispose()
        self.org_id = created.org_id
        self.replicas = enroll_replicas(
            self.work / "desktops",
            server=self.proxy.url,
            email=email,
            password=PASSWORD,
            count=self.desktops,
            write_every=self.write_every,
            sync_every=self.write_every * 4,
        )
        for replica in self.replicas:
            replica.start()
        time.sleep(self.hold)
        self.event(f"{len(self.replicas)} desktops enrolled, committing and syncing")
        return f"{len(self.replicas)} desktops of one organization, each its own device key"

    def kill_server(self) -> str:
        assert self.server is not None
        assert self.server.process is not None
        assert self.proxy is not None
        if not self.proxy.wait_for_push(15):
            raise DrillError("no push went through the proxy within 15 s")
        self._begin_fault()
        in_flight = self.proxy.pushes_in_flight()
        self.server.process.kill()
        self.server.process.wait(timeout=10)
        pushes = "push" if in_flight == 1 else "pushes"
        self.event(f"server killed mid-push (SIGKILL, {in_flight} {pushes} in flight)")
        self._wait("every desktop's breaker opening", self._breakers_opened, RECOVERY_TIMEOUT)
        self.event("every desktop's breaker opened; commits go on locally")
        time.sleep(self.hold)
        restarted = time.monotonic()
        self.server.start()
        self.event(f"server restarted, ready after {time.monotonic() - restarted:.1f} s")
        self._heal_and_recover("server back")
        return (
            f"{in_flight} {pushes} in flight when killed; {self._commits_since_fault()} local "
            f"commits meanwhile, {self._failures()} failed; every breaker opened and closed"
        )

    def cut(self) -> str:
        assert self.proxy is not None
        self._begin_fault()
        self.proxy.set_mode("cut")
        self.event("network cut at the proxy (connections closed, new ones refused)")
        self._wait("every desktop's breaker opening", self._breakers_opened, RECOVERY_TIMEOUT)
        self.event("every desktop's breaker opened")
        time.sleep(self.hold)
        return (
            f"{self.proxy.counts.refused} connections refused; "
            f"{self._commits_since_fault()} local commits meanwhile, {self._failures()} failed"
        )

    def delay(self) -> str:
        assert self.proxy is not None
        self._begin_fault()
        self.proxy.set_mode("delay", delay_ms=DELAY_MS)
        self.event(f"network slowed: {DELAY_MS} ms per chunk, both ways")
        took = self._heal_and_recover(f"through the {DELAY_MS} ms delay")
        time.sleep(self.hold)
        return (
            f"synced through the delay after {took:.1f} s; "
            f"{self.proxy.counts.chunks_delayed} chunks delayed"
        )

    def blackhole(self) -> str:
        assert self.proxy is not None
        self._begin_fault()
        self.proxy.set_mode("blackhole")
        self.event("network blackholed: bytes accepted, nothing forwarded or answered")
        self._wait("every desktop's breaker opening", self._breakers_opened, RECOVERY_TIMEOUT)
        self.event("every desktop timed out and its breaker opened")
        self.proxy.set_mode("pass")
        self.event("network healed")
        took = self._heal_and_recover("network healed")
        return (
            f"{self.proxy.counts.bytes_swallowed:,} bytes swallowed; synced {took:.1f} s "
            f"after healing; {self._failures()} local commits failed"
        )

    def restart_postgres(self) -> str:
        assert self.cluster is not None
        self._begin_fault()
        self.event("Postgres restarting under load (immediate stop: crash recovery)")
        took = self.cluster.restart()
        self.event(f"Postgres accepting connections again after {took:.1f} s")
        recovered = self._heal_and_recover("Postgres back")
        return (
            f"down {took:.1f} s; desktops synced {recovered:.1f} s later; "
            f"{self._commits_since_fault()} local commits meanwhile, {self._failures()} failed"
        )

    def converge(self) -> str:
        for replica in self.replicas:
            replica.stop_writing()
        for replica in self.replicas:
            replica.stop_syncing()
        self.event(f"writing stopped after {self._made()} ops; syncing until quiet")
        engines = [SyncEngine(r.observer, r.client, snapshots=False) for r in self.replicas]
        deadline = time.monotonic() + 120
        passes = 0
        while time.monotonic() < deadline:
            passes += 1
            reports = [r.round(e) for r, e in zip(self.replicas, engines, strict=True)]
            if all(rep is not None for rep in reports) and not any(
                rep is not None and (rep.pushed or rep.pulled or rep.rebased) for rep in reports
            ):
                self.event(f"every desktop quiet after {passes} passes")
                return f"{passes} passes of a round on every desktop until nothing moved"
            if any(rep is None for rep in reports):
                time.sleep(0.5)
        raise DrillError(f"the desktops still moved after {passes} passes")

    # -- the checks ----------------------------------------------------------------------

    def local_commits(self) -> str:
        failed = [msg for r in self.replicas for msg in r.commit_failures]
        if failed:
            raise DrillError(f"{len(failed)} local commits failed, first: {failed[0]}")
        return f"{self._made():,} commits on {len(self.replicas)} desktops, none failed"

    def breakers(self) -> str:
        problems, said = [], []
        for r in self.replicas:
            opened, closed = r.breaker_log.count("open"), r.breaker_log.count("closed")
            if not opened or r.breaker_state != "closed":
                problems.append(f"{r.name}: opened {opened}×, now {r.breaker_state}")
            said.append(f"{opened}/{closed}")
            if not any("retrying at" in m for m in r.offline_messages):
                problems.append(f"{r.name} never said when it would retry")
        if problems:
            raise DrillError("; ".join(problems))
        example = next(m for r in self.replicas for m in r.offline_messages if "retrying" in m)
        return (
            f"opened/closed per desktop: {', '.join(said)}; all closed now; "
            f"the status said “{example.split(': http')[0]}”"
        )

    def digests(self) -> str:
        server = self.replicas[0].client.state()
        for r in self.replicas:
            mine = r.observer.digest()
            if mine != server.digest:
                raise DrillError(
                    f"{r.name}'s digest {mine[:12]}… differs from the server's "
                    f"{server.digest[:12]}… at op {server.last_seq}"
                )
        return (
            f"{len(self.replicas)} desktops and the server: {server.digest[:16]}… "
            f"at op {server.last_seq}"
        )

    def _server_ops(self) -> tuple[set[str], int, int, int]:
        assert self.cluster is not None
        with psycopg.connect(self.cluster.url) as conn:
            ids = {
                str(r[0])
                for r in conn.execute("SELECT op_id FROM op_log WHERE org_id = %s", (self.org_id,))
            }
            row = conn.execute(
                "SELECT count(*), count(DISTINCT op_id), count(DISTINCT (device_id, device_seq))"
                " FROM op_log WHERE org_id = %s",
                (self.org_id,),
            ).fetchone()
        assert row is not None
        return ids, int(row[0]), int(row[1]), int(row[2])

    def nothing_lost(self) -> str:
        on_server, *_ = self._server_ops()
        made = accepted = inbox = 0
        lost: list[str] = []
        for r in self.replicas:
            with r.observer.store.transaction() as conn:
                reasons = {
                    row.op_id: row.message
                    for row in conn.execute(select(conflicts.c.op_id, conflicts.c.message))
                    if row.message
                }
            for op_id in r.created:
                made += 1
                if op_id in on_server:
                    accepted += 1
                elif op_id in reasons:
                    inbox += 1
                else:
                    lost.append(f"{r.name}: {op_id}")
        if lost:
            raise DrillError(f"{len(lost)} ops lost, first {lost[0]}")
        return (
            f"{made:,} ops made: {accepted:,} on the server, {inbox} in a conflicts inbox "
            f"with a reason, 0 lost"
        )

    def nothing_duplicated(self) -> str:
        _, total, ids, counters = self._server_ops()
        if not total == ids == counters:
            raise DrillError(
                f"the server holds {total} ops but {ids} op ids and {counters} device counters"
            )
        for r in self.replicas:
            with r.observer.store.transaction() as conn:
                seqs = [
                    row[0]
                    for row in conn.execute(
                        select(op_log.c.server_seq).where(op_log.c.server_seq.is_not(None))
                    )
                ]
            if len(seqs) != total or len(set(seqs)) != total:
                raise DrillError(
                    f"{r.name} holds {len(seqs)} confirmed ops ({len(set(seqs))} distinct), "
                    f"the server {total}"
                )
        return (
            f"the server holds {total:,} ops, {total:,} op ids, {total:,} device counters; "
            f"each desktop the same {total:,}"
        )

    def verify_log(self) -> str:
        assert self.cluster is not None
        code, said = server_command(
            "--data-dir", str(self.work), "server", "verify-log", "--database-url", self.cluster.url
        )
        if code != 0:
            raise DrillError(f"dealos server verify-log exited {code}: {said}")
        return said.splitlines()[-1] if said else "every op verifies and applies"

    def audit_chains(self) -> str:
        assert self.cluster is not None
        code, said = server_command(
            "--data-dir",
            str(self.work),
            "server",
            "audit-verify",
            "--database-url",
            self.cluster.url,
            "--org-id",
            self.org_id,
        )
        if code != 0:
            raise DrillError(f"dealos server audit-verify exited {code}: {said}")
        for r in self.replicas:
            verdict = r.observer.verify_audit()
            if not verdict.ok:
                raise DrillError(f"{r.name}: {verdict.summary()}")
        return f"the server's ({said.split(':', 1)[-1].split(',')[0].strip()}) and each desktop's"

    def cleanup(self) -> str:
        try:
            for replica in self.replicas:
                replica.close()
            if self.proxy is not None:
                self.proxy.close()
            if self.server is not None:
                self.server.stop()
        finally:
            try:
                if self.cluster is not None:
                    self.cluster.close()
            finally:
                shutil.rmtree(self.work, ignore_errors=True)
        return "desktops, proxy and server stopped; cluster and folders removed"


def run_drill(
    *,
    desktops: int = 3,
    write_every: float = 0.1,
    hold: float = 2.0,
    out: TextIO | None = None,
) -> tuple[Checklist, list[str]]:
    """The whole drill: how each step and check went, and the timeline."""
    checks = Checklist("Incident drill")
    work = Path(tempfile.mkdtemp(prefix="dealos-incident-"))
    work.chmod(0o755)
    drill = _Drill(work, checks, out, desktops, write_every, hold)
    setup = [
        ("start Postgres", drill.start_postgres, "install the pgserver wheel"),
        ("start the server", drill.start_server, "read serve/server-*.out in the work folder"),
        ("start the desktops", drill.start_desktops, ""),
    ]
    faults = [
        ("kill the server mid-push", drill.kill_server, "desktops must come back on their own"),
        ("cut the network", drill.cut, "the breaker must open on refused connections"),
        (f"delay {DELAY_MS} ms per chunk", drill.delay, "raise the sync timeout"),
        ("blackhole, then heal", drill.blackhole, "the sync timeout must end a hung request"),
        ("restart Postgres under load", drill.restart_postgres, "the pool must pre-ping"),
    ]
    verdicts = [
        ("converge", drill.converge, ""),
        ("local commits", drill.local_commits, "a commit must never wait on the network"),
        ("breaker opened and closed", drill.breakers, "core/sync/breaker.py"),
        ("digests", drill.digests, "compare the desktops' op logs with the server's"),
        ("nothing lost", drill.nothing_lost, "every op is accepted or in the inbox"),
        ("nothing duplicated", drill.nothing_duplicated, "op_id is the idempotency key"),
        ("verify-log", drill.verify_log, "dealos server verify-log names each op that fails"),
        ("audit chains", drill.audit_chains, "dealos server audit-verify names the entry"),
    ]
    try:
        if all(checks.run(name, step, fix=fix) for name, step, fix in setup):
            for name, step, fix in faults:
                checks.run(name, step, fix=fix)
            if checks.run(*verdicts[0][:2], fix=verdicts[0][2]):
                for name, step, fix in verdicts[1:]:
                    checks.run(name, step, fix=fix)
    finally:
        checks.run("clean up", drill.cleanup)
    return checks, drill.timeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="incident-drill",
        description="Kill the server mid-push, cut, slow and blackhole the network, restart "
        "Postgres under load, and prove the desktops converge with nothing lost or "
        "duplicated. Runs its own embedded Postgres cluster, never a shared one.",
    )
    parser.add_argument("--desktops", type=int, default=3, help="desktops (default 3)")
    parser.add_argument(
        "--write-every", type=float, default=0.1, help="seconds between commits (default 0.1)"
    )
    parser.add_argument(
        "--hold", type=float, default=2.0, help="seconds each fault is held (default 2)"
    )
    args = parser.parse_args(argv)
    print("Incident drill timeline")
    checks, _ = run_drill(
        desktops=args.desktops, write_every=args.write_every, hold=args.hold, out=sys.stdout
    )
    print()
    print(checks.table())
    return 0 if checks.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
