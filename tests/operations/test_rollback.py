"""Rollback: every migration, server and desktop, goes down and up again with data in it.

Two organizations of Drill Capital work through a real server (a fund, LPs with contacts,
commitments, deals, a drafted call, a refused push). The server's schema then walks down
one migration at a time and back up; the op log keeps every op at every step, and once at
head again a rebuild from the log reproduces each organization's digest, every op still
verifying. Below 0003 the data goes with the tables (0001 and 0002 say so in their
docstrings: the way back from there is a restore), so the walk to base and back runs on
an empty schema and must rebuild it whole, row-level security included.

The desktop's store, written at 0001 and worked on at head, walks the same way on SQLite.
``dealos serve --migrate-only --to REV`` is run as the operator runs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from live_server import LiveServer, free_port, settings_for
from scratch_db import ScratchDatabase, scratch_database
from sqlalchemy import create_engine, text

from core.commands.workspace import Workspace
from core.store.local_schema import local_metadata
from core.store.schema import metadata
from sync_server.database import head_revision, migrate, move_schema, owner_engine
from sync_server.drills import catalog_evidence
from sync_server.drills.seeded_orgs import seed_orgs
from sync_server.log_verification import verify_log
from sync_server.rebuild import rebuild_org

ROOT = Path(__file__).resolve().parents[2]
SERVER_CHAIN = [
    r.revision for r in ScriptDirectory(str(ROOT / "sync_server" / "migrations")).walk_revisions()
]  # head first
DESKTOP_MIGRATIONS = ROOT / "core" / "store" / "migrations"
DATA = ROOT / "tests" / "core" / "data"

__all__ = ["scratch_database"]


def _op_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {
            str(org): int(n)
            for org, n in conn.execute("SELECT org_id, count(*) FROM op_log GROUP BY org_id")
        }


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {
            str(r[0])
            for r in conn.execute(
                "SELECT relname FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
            )
        }


def test_every_server_migration_declares_a_downgrade() -> None:
    script = ScriptDirectory(str(ROOT / "sync_server" / "migrations"))
    missing = [
        r.revision
        for r in script.walk_revisions()
        if "def downgrade" not in Path(str(r.path)).read_text("utf-8")
    ]
    assert missing == []


def test_the_server_schema_walks_down_and_up_with_organizations_in_it(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    db = scratch_database
    migrate(db.owner_url, app_role=db.app_role)
    port = free_port()
    settings = settings_for(db, tmp_path / "server", port)
    live = LiveServer(settings, port)
    live.start()
    try:
        orgs = seed_orgs(live.url, db.owner_url, settings.secret_file, count=2)
    finally:
        live.close()
    engine = owner_engine(db.owner_url)
    try:
        digests = {o.org_id: rebuild_org(engine, o.org_id).digest_before for o in orgs}
    finally:
        engine.dispose()
    ops = _op_counts(db.owner_url)
    assert sorted(ops.values()) == [15, 15]

    # Down one migration at a time to 0003, the log whole at every step.
    walked = []
    for below in SERVER_CHAIN[1 : SERVER_CHAIN.index("0003") + 1]:
        before, after = move_schema(db.owner_url, below)
        walked.append(f"{before}→{after}")
        assert after == below
        assert _op_counts(db.owner_url) == ops, f"ops lost going down to {below}"
    assert len(walked) == len(SERVER_CHAIN) - 3

    # Up again one at a time; the projections rebuilt from the log are what they were.
    for above in reversed(SERVER_CHAIN[: SERVER_CHAIN.index("0003")]):
        assert move_schema(db.owner_url, above)[1] == above
    migrate(db.owner_url, app_role=db.app_role)
    engine = owner_engine(db.owner_url)
    try:
        for org_id, digest in digests.items():
            assert rebuild_org(engine, org_id).digest_after == digest
            assert verify_log(engine, org_id).ok
    finally:
        engine.dispose()

    # To base: nothing of ours is left but Alembic's own table; back to head: all of it.
    assert move_schema(db.owner_url, "base")[1] is None
    assert _tables(db.owner_url) == {"alembic_version_server"}
    assert move_schema(db.owner_url, "head")[1] == head_revision()
    with psycopg.connect(db.owner_url) as conn:
        assert catalog_evidence.forced_rls_gaps(conn) == []
        assert catalog_evidence.schema_revision(conn) == head_revision()


def _serve(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync_server", "--data-dir", str(data_dir), "serve", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_dealos_serve_migrate_only_to_moves_the_schema_and_exits(
    scratch_database: ScratchDatabase, tmp_path: Path
) -> None:
    url = scratch_database.owner_url
    migrate(url)
    head, previous = SERVER_CHAIN[0], SERVER_CHAIN[1]

    down = _serve("--database-url", url, "--migrate-only", "--to", previous, data_dir=tmp_path)
    assert down.returncode == 0, down.stderr
    assert f"database moved from {head} to {previous}" in down.stdout
    with psycopg.connect(url) as conn:
        assert catalog_evidence.schema_revision(conn) == previous

    up = _serve("--database-url", url, "--migrate-only", "--to", "head", data_dir=tmp_path)
    assert up.returncode == 0, up.stderr
    assert f"database moved from {previous} to {head}" in up.stdout

    unknown = _serve("--database-url", url, "--migrate-only", "--to", "9999", data_dir=tmp_path)
    assert unknown.returncode == 1
    assert "no server migration 9999: they run from 0001 to" in unknown.stderr

    alone = _serve("--database-url", url, "--to", previous, data_dir=tmp_path)
    assert alone.returncode == 1
    assert "--to goes with --migrate-only" in alone.stderr
    with psycopg.connect(url) as conn:
        assert catalog_evidence.schema_revision(conn) == head


def _desktop_config(conn: object) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(DESKTOP_MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


@pytest.fixture
def worked_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The committed 0001 store, opened at head and worked on there."""
    data_dir = tmp_path / "store"
    data_dir.mkdir()
    shutil.copy(DATA / "store_v0001.db", data_dir / "dealos.db")
    keyring = tmp_path / "keyring.json"
    shutil.copy(DATA / "store_v0001.keyring.json", keyring)
    keyring.chmod(0o600)
    monkeypatch.setenv("DEALOS_KEYRING_FILE", str(keyring))
    ws = Workspace.open(data_dir)
    ws.submit_wire(
        "fund.create",
        entity_id="01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10",
        payload={"name": "Oldtown Fund II", "currency": "USD"},
    )
    ws.close()
    return data_dir


def test_the_desktop_store_walks_down_and_up_and_replays_to_the_same_digest(
    worked_store: Path,
) -> None:
    ws = Workspace.open(worked_store)
    digest = ws.digest()
    ws.close()
    chain = [
        r.revision for r in ScriptDirectory(str(DESKTOP_MIGRATIONS)).walk_revisions()
    ]  # head first
    engine = create_engine(f"sqlite:///{worked_store / 'dealos.db'}")
    try:
        with engine.begin() as conn:
            ops = conn.execute(text("SELECT count(*) FROM op_log")).scalar_one()
        for below in chain[1:]:
            with engine.begin() as conn:
                command.downgrade(_desktop_config(conn), below)
                assert MigrationContext.configure(conn).get_current_revision() == below
                assert conn.execute(text("SELECT count(*) FROM op_log")).scalar_one() == ops
        with engine.begin() as conn:
            command.upgrade(_desktop_config(conn), "head")
    finally:
        engine.dispose()

    ws = Workspace.open(worked_store)
    assert ws.rebuild() == digest
    assert ws.digest() == digest
    assert ws.verify_audit().ok
    ws.close()


def test_the_desktop_schema_goes_to_base_and_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "dealos.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            command.upgrade(_desktop_config(conn), "head")
            command.downgrade(_desktop_config(conn), "base")
            left = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
            assert {r[0] for r in left} == {"alembic_version"}
            command.upgrade(_desktop_config(conn), "head")
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), [metadata, local_metadata])
        assert diff == []
    finally:
        engine.dispose()
