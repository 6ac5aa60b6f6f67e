"""The local store finds its newest migration without loading Alembic; that answer must be
Alembic's own, or a store could be taken as current while a migration waits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from core.store import local
from core.store.local import LocalStore


def test_the_newest_revision_read_from_file_names_is_alembics_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(local.__file__).with_name("migrations")))
    script = ScriptDirectory.from_config(cfg)
    assert local._head() == script.get_current_head()
    # One line of revisions, each file named by its own revision.
    for rev in script.walk_revisions():
        assert Path(rev.path).name.startswith(f"{rev.revision}_")


def test_a_store_behind_the_newest_revision_is_migrated_on_open(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path, create=True)
    head = local._head()
    assert store.schema_revision() == (head, head)
    # Take the store back one revision, as an older release left it.
    older = f"{int(str(head)) - 1:04d}"
    with store.engine.begin() as conn:
        command.downgrade(local._alembic_config(conn), older)
    store.engine.dispose()
    conn = sqlite3.connect(tmp_path / "dealos.db")
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(older,)]
    conn.close()
    reopened = LocalStore.open(tmp_path)
    try:
        assert reopened.schema_revision() == (head, head)
    finally:
        reopened.engine.dispose()
