"""Where an organization's ops land: a MemoryProjection, or a real SQLite Workspace.

Both apply the same signed envelopes through the one apply path; ``state()`` is what a
refused op must leave unchanged (every row in memory; in SQLite the digest and the op log
and outbox sizes — the audit log gains the refusal).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from core.commands.workspace import Workspace
from core.ops.envelope import Envelope
from core.reducers.apply import apply_op
from core.store.memory import MemoryProjection
from core.store.projection import Row
from core.store.sql_projection import SqlProjection

__all__ = ["MemorySink", "WorkspaceSink", "db_counts"]


class MemorySink:
    def __init__(self, org_id: str) -> None:
        self.store = MemoryProjection(org_id)

    def apply(self, envelope: Envelope) -> None:
        apply_op(self.store, envelope)

    def get(self, table: str, key: dict[str, Any]) -> Row | None:
        return self.store.get(table, key)

    def rows(self, table: str, where: dict[str, Any]) -> list[Row]:
        return self.store.rows(table, where)

    def state(self) -> object:
        return self.store.dump()


class WorkspaceSink:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def apply(self, envelope: Envelope) -> None:
        self.ws.apply_signed([envelope])

    def get(self, table: str, key: dict[str, Any]) -> Row | None:
        with self.ws.store.transaction() as conn:
            return SqlProjection(conn, self.ws.org_id).get(table, key)

    def rows(self, table: str, where: dict[str, Any]) -> list[Row]:
        with self.ws.store.transaction() as conn:
            return SqlProjection(conn, self.ws.org_id).rows(table, where)

    def state(self) -> object:
        """The digest and the op log and outbox sizes (a refusal is audited, so not that)."""
        counts = db_counts(self.ws)
        return self.ws.digest(), counts["op_log"], counts["outbox"]


def db_counts(ws: Workspace) -> dict[str, int]:
    """Row counts of the local log tables, read through a separate raw connection."""
    with sqlite3.connect(ws.store.path) as raw:
        return {
            t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("op_log", "outbox", "audit_log")
        }
