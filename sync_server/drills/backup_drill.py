"""The backup-and-restore drill (``scripts/backup-restore-drill.sh``).

A server with several organizations, their work pushed through it over HTTP, is backed up
with ``pg_dump -Fc`` (and, where pgBackRest is installed, a base backup with its WAL
archive, restored to a point in time: :mod:`sync_server.drills.point_in_time`); the copy
is restored into a fresh database (a fresh cluster when the drill runs its own), a
server is started on it with the same secret file, and the drill proves what an operator
must trust after a restore: every organization's state digest and last op as its own
staff read them over HTTP, the stored log re-verified op by op (``dealos server
verify-log``), each audit chain and its signed head (``dealos server audit-verify``),
row-level security forced with the same policies, and the server's login role neither
owner nor able to step around them, holding the same rights.

It prints one line per step with its time, then the table, and exits 1 on any failure.
Everything it made — databases, clusters, the role, files, processes — is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import psycopg

from sync_server.drills import catalog_evidence as catalog
from sync_server.drills.checklist import Checklist, DrillError
from sync_server.drills.scratch_cluster import ScratchCluster, pg_tool
from sync_server.drills.seeded_orgs import SeededOrg, seed_orgs
from sync_server.drills.server_process import ServerProcess

__all__ = ["main", "run_drill", "server_command"]

ENV = "DEALOS_TEST_DATABASE_URL"


def server_command(*args: str) -> tuple[int, str]:
    """``dealos server …`` as the operator runs it (``python -m sync_server``): its exit
    code and what it printed."""
    from sync_server.__main__ import main as server_main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = server_main(list(args))
    return code, (out.getvalue() + err.getvalue()).strip()


@dataclass
class _Drill:
    source: ScratchCluster
    target: ScratchCluster
    work: Path
    role: str
    checks: Checklist
    orgs: int
    tag: str
    servers: list[ServerProcess] = field(default_factory=list)
    seeded: list[SeededOrg] = field(default_factory=list)
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_url: str = ""
    restored_url: str = ""
    dump: Path = Path()
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def secret_file(self) -> Path:
        return self.work / "server" / "server.secret"

    def serve(self, url: str, name: str) -> ServerProcess:
        server = ServerProcess(
            url, self.work / name, secret_file=self.secret_file, app_role=self.role
        )
        self.servers.append(server)
        return server.start()

    # -- the steps -----------------------------------------------------------------------

    def make_source(self) -> str:
        self.source_url = self.source.create_database(f"dealos_drill_{self.tag}")
        server = self.serve(self.source_url, "source")
        where = "an embedded cluster of its own" if self.source.embedded else "the given server"
        return f"database migrated and served at {server.url}, on {where}"

    def seed(self) -> str:
        server = self.servers[-1]
        self.seeded = seed_orgs(server.url, self.source_url, self.secret_file, self.orgs)
        for org in self.seeded:
            self.before[org.org_id] = org.session.state()
        with psycopg.connect(self.source_url) as conn:
            self.evidence = {
                "policies": catalog.policies(conn),
                "rights": catalog.app_rights(conn, self.role),
                "owners": catalog.table_owners(conn),
            }
        accepted = sum(o.accepted for o in self.seeded)
        return (
            f"{len(self.seeded)} organizations, {accepted} ops accepted over HTTP, "
            f"{len(self.seeded)} refused and audited"
        )

    def backup(self) -> str:
        for server in self.servers:
            server.stop()
        major = self.source.major_version()
        tool = pg_tool("pg_dump", major)
        self.dump = self.work / "dealos.dump"
        _run([str(tool), "--format=custom", f"--file={self.dump}", self.source_url])
        return f"pg_dump -Fc of PostgreSQL {major}: {self.dump.stat().st_size:,} bytes"

    def restore(self) -> str:
        name = f"dealos_drill_{self.tag}_restored"
        self.restored_url = self.target.create_database(name)
        tool = pg_tool("pg_restore", self.target.major_version())
        fresh_cluster = self.target is not self.source
        # Roles belong to the cluster, not to the dump: on a new cluster the server's
        # login role does not exist yet, and `dealos serve` makes it (its password comes
        # from the secret file) and grants its rights at every start.
        extra = ["--no-owner", "--no-privileges"] if fresh_cluster else []
        _run(
            [str(tool), "--exit-on-error", f"--dbname={self.restored_url}", *extra, str(self.dump)]
        )
        where = "a fresh cluster" if fresh_cluster else "a fresh database"
        return f"pg_restore into {where}"

    def serve_restored(self) -> str:
        server = self.serve(self.restored_url, "restored")
        return f"ready at {server.url} with the same secret file"

    def digests(self) -> str:
        restored = self.servers[-1].url
        for org in self.seeded:
            # The founder's session token from before the backup: sessions survived too.
            after = org.session.state(restored)
            before = self.before[org.org_id]
            if (after["digest"], after["last_seq"]) != (before["digest"], before["last_seq"]):
                raise DrillError(
                    f"{org.name}: state after the restore is {after['digest'][:12]}… at op "
                    f"{after['last_seq']}, before it was {before['digest'][:12]}… at op "
                    f"{before['last_seq']}"
                )
        seqs = ", ".join(f"#{self.before[o.org_id]['last_seq']}" for o in self.seeded)
        return f"{len(self.seeded)} organizations read the same digest and last op ({seqs})"

    def verify_log(self) -> str:
        code, said = server_command(
            "--data-dir",
            str(self.work),
            "server",
            "verify-log",
            "--database-url",
            self.restored_url,
        )
        if code != 0:
            raise DrillError(f"dealos server verify-log exited {code}: {said}")
        return f"{len(said.splitlines())} organizations: every op verifies and applies"

    def audit_chains(self) -> str:
        entries = []
        for org in self.seeded:
            code, said = server_command(
                "--data-dir",
                str(self.work),
                "server",
                "audit-verify",
                "--database-url",
                self.restored_url,
                "--org-id",
                org.org_id,
            )
            if code != 0:
                raise DrillError(f"{org.name}: dealos server audit-verify exited {code}: {said}")
            entries.append(said.split(":", 1)[-1].split(",")[0].strip())
        sizes = f"{entries[0]} each" if len(set(entries)) == 1 else ", ".join(entries)
        return f"{len(entries)} chains intact ({sizes}), each signed head verifies"

    def row_level_security(self) -> str:
        with psycopg.connect(self.restored_url) as conn:
            gaps = catalog.forced_rls_gaps(conn)
            restored = catalog.policies(conn)
        if gaps:
            raise DrillError("; ".join(gaps))
        if restored != self.evidence["policies"]:
            lost = sorted(p[:2] for p in self.evidence["policies"] - restored)
            raise DrillError(f"policies differ after the restore; missing {lost}")
        tables = len({p[0] for p in restored})
        return f"FORCE on every tenant table; the same {len(restored)} policies on {tables} tables"

    def roles(self) -> str:
        with psycopg.connect(self.restored_url) as conn:
            problems = catalog.role_problems(conn, self.role)
            rights = catalog.app_rights(conn, self.role)
            owners = catalog.table_owners(conn)
        if problems:
            raise DrillError("; ".join(problems))
        if rights != self.evidence["rights"]:
            raise DrillError(
                f"the server's role holds other rights after the restore: "
                f"{sorted(rights ^ self.evidence['rights'])[:5]}"
            )
        return (
            f"{self.role} logs in, owns nothing, bypasses nothing; the same "
            f"{len(rights)} table rights; tables owned by {', '.join(sorted(owners))}"
        )

    def cleanup(self) -> str:
        for server in self.servers:
            server.stop()
        try:
            self.target.close()
            self.source.close()  # its databases; an embedded cluster whole, roles included
            if not self.source.embedded:
                self.source.drop_role(self.role)
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
        return "servers stopped; databases, clusters, role and files removed"


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise DrillError(
            f"{Path(command[0]).name} exited {done.returncode}: {done.stderr.strip()[-800:]}"
        )


def run_drill(admin_url: str | None, *, orgs: int = 3, out: TextIO | None = None) -> Checklist:
    """The whole drill; the checklist says how each step went."""
    checks = Checklist("Backup and restore drill", out=out)
    work = Path(tempfile.mkdtemp(prefix="dealos-drill-"))
    work.chmod(0o755)  # an embedded cluster runs as another user when the drill runs as root
    tag = secrets.token_hex(3)
    role = f"dealos_drill_{tag}"
    source = ScratchCluster(admin_url, label="drill-source")
    target = source
    try:
        if source.embedded:
            target = ScratchCluster(None, label="drill-restore")
    except Exception:
        source.close()
        raise
    drill = _Drill(source, target, work, role, checks, orgs, tag)
    try:
        steps = [
            ("serve a source database", drill.make_source, "see the server's output above"),
            ("seed organizations over HTTP", drill.seed, ""),
            (
                "logical backup",
                drill.backup,
                "install the postgresql-client of the server's version",
            ),
            ("restore", drill.restore, "read pg_restore's message; the dump is in the work folder"),
            ("serve the restored database", drill.serve_restored, ""),
            ("per-organization digests", drill.digests, "the restore lost or changed rows"),
            ("verify-log", drill.verify_log, "dealos server verify-log names each op that fails"),
            ("audit chains", drill.audit_chains, "restore with the same DEALOS_SERVER_SECRET_FILE"),
            ("row-level security", drill.row_level_security, "run dealos serve --migrate-only"),
            ("roles", drill.roles, "let dealos serve make its own login role"),
        ]
        for name, step, fix in steps:
            if not checks.run(name, step, fix=fix):
                break
        if checks.ok:
            from sync_server.drills.point_in_time import pitr_step

            pitr_step(checks, work)
    finally:
        checks.run("clean up", drill.cleanup)
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="backup-restore-drill",
        description="Back up a seeded multi-organization server, restore it and prove it "
        f"whole. Uses ${ENV} (a superuser URL) when set, else embedded clusters of its own.",
    )
    parser.add_argument("--orgs", type=int, default=3, help="organizations to seed (default 3)")
    args = parser.parse_args(argv)
    checks = run_drill(os.environ.get(ENV) or None, orgs=args.orgs, out=sys.stdout)
    print()
    print(checks.table())
    return 0 if checks.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
