"""Migrations: the schema the code declares is the schema the migrations build, and a
store written by an earlier release opens, migrates and replays to the same digest.

``data/store_v0001.db`` was written at revision 0001 (an org, a fund, a deal moved to
screening, an LP and its commitment) with the device key in ``store_v0001.keyring.json``.
Each new migration adds a committed store of its own revision here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from core.services.workspace import Workspace
from core.store.local import LocalStore
from core.store.local_schema import local_metadata
from core.store.schema import metadata

DATA = Path(__file__).with_name("data")
V0001_DIGEST = "7c27f7cbbacf1c9185ee1c48ff7922da473e868ab7a702a1c5c58cb06319a6f2"


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


def test_a_0001_store_opens_at_head_and_replays_to_its_digest(old_store: Path) -> None:
    ws = Workspace.open(old_store)
    current, head = ws.store.schema_revision()
    assert current == head
    assert ws.digest() == V0001_DIGEST
    assert ws.rebuild() == V0001_DIGEST
    assert ws.verify_audit().ok
    ws.close()


def test_a_0001_store_accepts_new_work(old_store: Path) -> None:
    ws = Workspace.open(old_store)
    before = ws.digest()
    ws.submit(
        "fund.create",
        entity_id="01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10",
        payload={"name": "Oldtown Fund II", "currency": "USD"},
    )
    assert ws.digest() != before
    assert ws.verify_audit().entries == 7
    ws.close()
