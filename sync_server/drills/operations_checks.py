"""``scripts/validate-operations.py``: is a running server operable — backed up, migrated,
its organizations kept apart by the database itself?

- the database's migration is the newest this code knows (``alembic_version_server`` =
  the head of ``sync_server/migrations``);
- every table holding organizations' data has row-level security ENABLEd and FORCEd,
  with a policy;
- the role the server logs in as (seen in ``pg_stat_activity``, else ``DEALOS_APP_ROLE``)
  is no superuser, has no BYPASSRLS or CREATEROLE, owns no table and is no member of the
  owner;
- backups are configured: ``DEALOS_BACKUP_DIR`` holds a ``pg_dump -Fc`` file
  (``*.dump``) younger than ``DEALOS_BACKUP_MAX_AGE_HOURS`` (26) that ``pg_restore
  --list`` reads, or ``DEALOS_PGBACKREST_STANZA`` names a stanza ``pgbackrest info``
  reports ok with a backup that young;
- with ``--exercise-readiness`` (a staging server, a drill): ``/readyz`` turns 503 while
  the recorded migration is behind the code and 200 again once it is not. It rewrites the
  version row for a moment and puts it back; the schema itself is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from sync_server.database import head_revision
from sync_server.drills import catalog_evidence as catalog
from sync_server.drills.checklist import Checklist, DrillError
from sync_server.drills.scratch_cluster import pg_tool

__all__ = ["main", "validate_operations"]

CRON_HINT = (
    'schedule e.g. `pg_dump -Fc --file "$DEALOS_BACKUP_DIR/dealos-$(date +%F-%H%M).dump" '
    '"$DEALOS_DATABASE_URL"` hourly and set DEALOS_BACKUP_DIR (docs/OPERATIONS.md)'
)


def _migrations(url: str) -> str:
    with psycopg.connect(url) as conn:
        current = catalog.schema_revision(conn)
    head = head_revision()
    if current != head:
        raise DrillError(f"the database is at migration {current or 'none'}, the code at {head}")
    return f"the database is at {current}, the newest migration"


def _rls(url: str) -> str:
    with psycopg.connect(url) as conn:
        gaps = catalog.forced_rls_gaps(conn)
        count = len({p[0] for p in catalog.policies(conn)})
    if gaps:
        raise DrillError("; ".join(gaps))
    return f"{count} tenant tables, each with row-level security forced and a policy"


def _login_roles(conn: psycopg.Connection, fallback: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT usename FROM pg_stat_activity "
        "WHERE application_name = 'dealos-sync' AND datname = current_database() "
        "AND usename IS NOT NULL AND usename <> current_user"
    ).fetchall()
    return sorted(str(r[0]) for r in rows) or [fallback]


def _login_role(url: str, fallback: str) -> str:
    with psycopg.connect(url) as conn:
        roles = _login_roles(conn, fallback)
        problems = [p for role in roles for p in catalog.role_problems(conn, role)]
    if problems:
        raise DrillError("; ".join(problems))
    return f"the server logs in as {', '.join(roles)}: no owner, no superuser, no bypass"


def _newest_dump(folder: Path) -> Path:
    dumps = sorted(folder.glob("*.dump"), key=lambda p: p.stat().st_mtime)
    if not dumps:
        raise DrillError(f"no *.dump file in {folder}")
    return dumps[-1]


def _backups(url: str, env: dict[str, str]) -> str:
    max_age = float(env.get("DEALOS_BACKUP_MAX_AGE_HOURS") or 26) * 3600
    stanza = env.get("DEALOS_PGBACKREST_STANZA", "").strip()
    folder = env.get("DEALOS_BACKUP_DIR", "").strip()
    if stanza:
        return _pgbackrest(stanza, max_age)
    if not folder:
        raise DrillError("neither DEALOS_BACKUP_DIR nor DEALOS_PGBACKREST_STANZA is set")
    newest = _newest_dump(Path(folder))
    age = time.time() - newest.stat().st_mtime
    if age > max_age:
        raise DrillError(f"the newest backup, {newest.name}, is {age / 3600:.1f} hours old")
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_setting('server_version_num')::int").fetchone()
    assert row is not None
    tool = pg_tool("pg_restore", int(row[0]) // 10000)
    listed = subprocess.run(  # noqa: S603 - a PostgreSQL client binary
        [str(tool), "--list", str(newest)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0 or "TABLE DATA public op_log" not in listed.stdout:
        raise DrillError(f"pg_restore cannot read {newest.name}: {listed.stderr.strip()[:200]}")
    return f"{newest.name}, {age / 60:.0f} minutes old, {newest.stat().st_size:,} bytes, readable"


def _pgbackrest(stanza: str, max_age: float) -> str:
    tool = shutil.which("pgbackrest")
    if tool is None:
        raise DrillError("DEALOS_PGBACKREST_STANZA is set but pgbackrest is not installed")
    done = subprocess.run(  # noqa: S603 - the operator's pgbackrest
        [tool, f"--stanza={stanza}", "info", "--output=json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DrillError(f"pgbackrest info failed: {done.stderr.strip()[:200]}")
    [info] = json.loads(done.stdout)
    if info["status"]["code"] != 0 or not info["backup"]:
        raise DrillError(f"stanza {stanza}: {info['status']['message']}")
    age = time.time() - max(b["timestamp"]["stop"] for b in info["backup"])
    if age > max_age:
        raise DrillError(f"stanza {stanza}: the newest backup is {age / 3600:.1f} hours old")
    return f"stanza {stanza}: {len(info['backup'])} backups, the newest {age / 60:.0f} minutes old"


def _readiness_follows_migrations(server: str, url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        current = catalog.schema_revision(conn)
        conn.execute("UPDATE alembic_version_server SET version_num = %s", ("0001",))
        try:
            behind = httpx.get(f"{server}/readyz", timeout=15)
        finally:
            conn.execute("UPDATE alembic_version_server SET version_num = %s", (current,))
    again = httpx.get(f"{server}/readyz", timeout=15)
    if behind.status_code != 503 or "not migrated" not in behind.text:
        raise DrillError(f"with the migration behind, /readyz answered {behind.status_code}")
    if again.status_code != 200:
        raise DrillError(f"with the migration current again, /readyz answered {again.status_code}")
    return "503 not_ready while the migration is behind, 200 once it is current"


def validate_operations(
    server: str,
    database_url: str,
    *,
    app_role: str,
    env: dict[str, str],
    exercise_readiness: bool = False,
    out: Any = None,
) -> Checklist:
    checks = Checklist(f"Operations of {server}", out=out)
    server = server.rstrip("/")
    checks.run(
        "migrations current",
        lambda: _migrations(database_url),
        fix="dealos serve --database-url OWNER_URL --migrate-only",
    )
    checks.run(
        "row-level security",
        lambda: _rls(database_url),
        fix="run dealos serve --migrate-only; a table added by hand needs ENABLE and FORCE "
        "ROW LEVEL SECURITY and a policy on dealos.org_id",
    )
    checks.run(
        "server login role",
        lambda: _login_role(database_url, app_role),
        fix="let dealos serve make its role (DEALOS_APP_ROLE) or give --app-database-url a "
        "plain login role; never the owner's URL",
    )
    checks.run("backups", lambda: _backups(database_url, env), fix=CRON_HINT)
    if exercise_readiness:
        checks.run(
            "readiness follows migrations",
            lambda: _readiness_follows_migrations(server, database_url),
            fix="/readyz must compare the database's migration with the code's",
        )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate-operations", description=__doc__)
    parser.add_argument("--server", required=True, help="the server's URL")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DEALOS_DATABASE_URL"),
        help="the owner's URL (default: $DEALOS_DATABASE_URL)",
    )
    parser.add_argument(
        "--app-role",
        default=os.environ.get("DEALOS_APP_ROLE") or "dealos_app",
        help="the server's login role when no connection of it is seen",
    )
    parser.add_argument(
        "--exercise-readiness",
        action="store_true",
        help="turn /readyz to 503 for a moment by marking the migration behind (staging)",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DEALOS_DATABASE_URL) is needed")
    checks = validate_operations(
        args.server,
        args.database_url,
        app_role=args.app_role,
        env=dict(os.environ),
        exercise_readiness=args.exercise_readiness,
        out=sys.stdout,
    )
    print()
    print(checks.table())
    return 0 if checks.ok else 1
