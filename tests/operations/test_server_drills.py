"""The operator's scripts, run as an operator runs them, against servers the tests start.

- ``scripts/backup-restore-drill.sh``: three organizations of Drill Capital, backed up,
  restored and proven whole; every step passes and nothing the drill made is left.
- ``scripts/validate-observability.py`` and ``scripts/validate-operations.py`` against a
  ``dealos serve`` writing its log file, reporting errors to a local Sentry endpoint, with
  a fresh ``pg_dump -Fc`` in its backup folder: every check passes; then the same
  validators fail, each naming the fix, when the backups and the DSN are missing.
- A real error in that server (its role lost EXECUTE on the sign-in lookup) reaches the
  local Sentry endpoint with the email of the request masked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
from scratch_db import ScratchDatabase, scratch_database

from sync_server.database import migrate
from sync_server.drills.scratch_cluster import pg_tool
from sync_server.drills.sentry_receiver import SentryReceiver
from sync_server.drills.server_process import ServerProcess

__all__ = ["scratch_database"]

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(ROOT / "scripts" / name), *args]
    if name.endswith(".py"):
        command.insert(0, sys.executable)
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, check=False, cwd=ROOT
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEALOS_")}
    env["PYTHON"] = sys.executable
    env.update(extra)
    return env


def test_the_backup_restore_drill_restores_every_organization_whole(pg_admin_url: str) -> None:
    done = _script("backup-restore-drill.sh", env=_env(DEALOS_TEST_DATABASE_URL=pg_admin_url))
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    table = done.stdout.split("Backup and restore drill\n", 1)[1]
    for step in (
        "seed organizations over HTTP",
        "logical backup",
        "restore",
        "per-organization digests",
        "verify-log",
        "audit chains",
        "row-level security",
        "roles",
        "clean up",
    ):
        assert any(line.startswith(step) and " PASS " in line for line in table.splitlines())
    assert "3 organizations read the same digest and last op (#15, #15, #15)" in table
    assert "3 chains intact" in table
    assert table.rstrip().endswith("steps passed")
    with psycopg.connect(pg_admin_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'dealos_drill_%' "
            "UNION ALL SELECT count(*) FROM pg_roles WHERE rolname LIKE 'dealos_drill_%'"
        ).fetchall()
    assert [r[0] for r in left] == [0, 0]


def test_both_validators_pass_against_a_server_run_as_documented(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    db = scratch_database
    migrate(db.owner_url)
    backups = tmp_path / "backups"
    backups.mkdir()
    with psycopg.connect(db.owner_url) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None
    pg_dump = pg_tool("pg_dump", int(row[0]) // 10000)
    subprocess.run(
        [str(pg_dump), "-Fc", f"--file={backups / 'dealos-hourly.dump'}", db.owner_url],
        check=True,
    )
    log_file = tmp_path / "logs" / "server.log"
    with SentryReceiver() as sentry:
        server = ServerProcess(
            db.owner_url,
            tmp_path / "server",
            secret_file=tmp_path / "server" / "server.secret",
            app_role=db.app_role,
            log_file=log_file,
            env={"DEALOS_SENTRY_DSN": sentry.dsn},
        )
        with server:
            observability = _script(
                "validate-observability.py",
                "--server",
                server.url,
                "--log-file",
                str(log_file),
                env=_env(DEALOS_SENTRY_DSN=sentry.dsn),
            )
            operations = _script(
                "validate-operations.py",
                "--server",
                server.url,
                "--database-url",
                db.owner_url,
                "--exercise-readiness",
                env=_env(DEALOS_BACKUP_DIR=str(backups)),
            )
            print(observability.stdout, operations.stdout)
            assert observability.returncode == 0, observability.stdout + observability.stderr
            assert operations.returncode == 0, operations.stdout + operations.stderr
            assert "all 5 steps passed" in observability.stdout
            assert "all 5 steps passed" in operations.stdout
            assert f"the server logs in as {db.app_role}" in operations.stdout
            assert "503 not_ready while the migration is behind" in operations.stdout

            # Without backups or a DSN, each validator fails and says what to do.
            bare = _script(
                "validate-operations.py",
                "--server",
                server.url,
                "--database-url",
                db.owner_url,
                env=_env(DEALOS_BACKUP_DIR=str(tmp_path)),
            )
            assert bare.returncode == 1
            assert f"no *.dump file in {tmp_path}" in bare.stdout
            assert "fix: schedule e.g. `pg_dump -Fc" in bare.stdout
            blind = _script(
                "validate-observability.py",
                "--server",
                server.url,
                "--log-file",
                str(log_file),
                env=_env(),
            )
            assert blind.returncode == 1
            assert "DEALOS_SENTRY_DSN is not set, so errors reach nobody" in blind.stdout
            assert "fix: pip install 'dealos[sentry]'" in blind.stdout

            # A real failure inside the server reaches Sentry, without the person's email.
            with psycopg.connect(db.owner_url, autocommit=True) as conn:
                lookup = "dealos_accounts_for_email(text)"
                conn.execute(f'REVOKE EXECUTE ON FUNCTION {lookup} FROM "{db.app_role}"')
            failed = httpx.post(
                f"{server.url}/v1/auth/login",
                json={"email": "maria.founder@acme.example", "password": "twelve chars or more"},
                headers={"X-Contact": "maria.founder@acme.example"},
                timeout=30,
            )
            assert failed.status_code == 500
            assert failed.json()["error"]["code"] == "internal_error"
            events = sentry.wait_for_event()
    [event] = [e for e in events if "exception" in e]
    sent = json.dumps(event)
    assert "dealos_accounts_for_email" in sent
    assert "maria.founder" not in sent
    assert "acme.example" not in sent
    assert "maria.founder" not in log_file.read_text()
