"""Migrations: the schema the code declares is the schema the migrations build, and a
store written by an earlier release opens, migrates and replays to the same digest.

``data/store_v0001.db`` was written at revision 0001 (an org, a fund, a deal moved to
screening, an LP and its commitment) with the device key in ``store_v0001.keyring.json``.
Each new migration adds a committed store of its own revision here.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from core.commands.workspace import Workspace
from core.store.digest import digest_of
from core.store.local import LocalStore
from core.store.local_schema import local_metadata
from core.store.schema import PROJECTION_TABLES, metadata

DATA = Path(__file__).with_name("data")
V0001_DIGEST = "7c27f7cbbacf1c9185ee1c48ff7922da473e868ab7a702a1c5c58cb06319a6f2"
V0001_TABLES = frozenset(
    {
        "organizations",
        "entities",
        "users",
        "memberships",
        "devices",
        "funds",
        "deals",
        "deal_fields",
        "documents",
        "approvals",
        "lps",
        "lp_contacts",
        "commitments",
        "capital_calls",
        "call_allocations",
        "payments",
        "distributions",
        "distribution_allocations",
        "entitlements",
    }
)


def test_migrations_build_exactly_the_declared_schema(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path, create=True)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), [metadata, local_metadata])
    store.close()
    assert diff == [], "the models changed without a migration: add one under migrations/"


@pytest.fixture
def old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "store"
    data_dir.mkdir()
    shutil.copy(DATA / "store_v0001.db", data_dir / "dealos.db")
    keyring = tmp_path / "keyring.json"
    shutil.copy(DATA / "store_v0001.keyring.json", keyring)
    keyring.chmod(0o600)
    monkeypatch.setenv("DEALOS_KEYRING_FILE", str(keyring))
    return data_dir


def _digest_at_0001(path: Path) -> str:
    """The digest over the 0001 tables, read from the committed file before any upgrade."""
    con = sqlite3.connect(path)
    try:
        tables = []
        for table in PROJECTION_TABLES:
            if table.name not in V0001_TABLES:
                continue
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table.name})")]
            keys = [c.name for c in table.primary_key.columns]
            rows = con.execute(f"SELECT * FROM {table.name} ORDER BY {', '.join(keys)}")
            tables.append(
                (table.name, [_typed(table.name, dict(zip(cols, r, strict=True))) for r in rows])
            )
    finally:
        con.close()
    return digest_of(tables)


def _typed(table: str, row: dict[str, object]) -> dict[str, object]:
    # SQLite hands booleans back as 0/1; the store reads them through the schema's types.
    booleans = {c.name for c in metadata.tables[table].columns if str(c.type) == "BOOLEAN"}
    return {k: bool(v) if k in booleans and v is not None else v for k, v in row.items()}


def test_the_committed_0001_store_is_the_one_described(tmp_path: Path) -> None:
    assert _digest_at_0001(DATA / "store_v0001.db") == V0001_DIGEST


def test_a_0001_store_opens_at_head_and_replays_to_the_same_state(old_store: Path) -> None:
    ws = Workspace.open(old_store)
    current, head = ws.store.schema_revision()
    assert current == head
    migrated = ws.digest()
    assert ws.rebuild() == migrated
    assert ws.verify_audit().ok
    ws.close()


def test_a_0001_store_accepts_new_work(old_store: Path) -> None:
    ws = Workspace.open(old_store)
    before = ws.digest()
    ws.submit_wire(
        "fund.create",
        entity_id="01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10",
        payload={"name": "Oldtown Fund II", "currency": "USD"},
    )
    assert ws.digest() != before
    assert ws.verify_audit().entries == 7
    ws.close()
