"""The replica's extraction tables come with migration 0009 and go with its downgrade,
leaving the rest of the store as it was."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from core.store.local import LocalStore, _alembic_config


def _tables(store: LocalStore) -> set[str]:
    return set(inspect(store.engine).get_table_names())


def test_0009_adds_the_extraction_tables_and_its_downgrade_removes_them(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path, create=True)
    try:
        at_head = _tables(store)
        assert {"extraction_results", "extraction_queue"} <= at_head
        with store.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0008")
        assert _tables(store) == at_head - {"extraction_results", "extraction_queue"}
        assert store.schema_revision()[0] == "0008"
        store.migrate()
        assert _tables(store) == at_head
        current, head = store.schema_revision()
        assert current == head
    finally:
        store.close()
