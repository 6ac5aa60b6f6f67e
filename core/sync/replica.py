"""This replica's side of sync: which ops await the server, and what it answered.

Confirmed state is the server's ops in ``server_seq`` order; the local view is that plus
the ops still pending here, re-applied on top in the order they were made (DESIGN §3).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from core.canonical_json import jcs
from core.commands.workspace import Workspace
from core.ops.envelope import utc_now_rfc3339 as now
from core.store.local_log import LocalLog
from core.store.local_schema import conflicts, op_log, outbox
from core.sync.messages import ErrorDetail, PulledItem

__all__ = ["READER_META", "Replica", "view_digest"]

READER_META = "reader_roles"  # set on an external reader's replica: its roles
CURSOR = "pull_cursor"
APPLIED_THROUGH = "applied_through"


class Replica:
    """Op-log bookkeeping for sync on one workspace's store."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def _meta_int(self, conn: Connection, key: str) -> int:
        return int(self.ws.store.meta(conn, key) or "0")

    def cursor(self) -> int:
        with self.ws.store.transaction() as conn:
            return self._meta_int(conn, CURSOR)

    def cursor_in(self, conn: Connection) -> int:
        return self._meta_int(conn, CURSOR)

    def pending(self, limit: int) -> list[dict[str, Any]]:
        """The oldest ``limit`` ops of the outbox, as wire envelopes, in the order made."""
        with self.ws.store.transaction() as conn:
            rows = conn.execute(
                select(op_log.c.envelope)
                .join(outbox, outbox.c.op_id == op_log.c.op_id)
                .order_by(outbox.c.local_seq)
                .limit(limit)
            ).all()
        return [json.loads(raw) for (raw,) in rows]

    def pending_count(self) -> int:
        with self.ws.store.transaction() as conn:
            return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())

    def confirm(self, conn: Connection, op_id: str, server_seq: int) -> None:
        conn.execute(
            update(op_log)
            .where(op_log.c.op_id == op_id)
            .values(status="confirmed", server_seq=server_seq)
        )
        conn.execute(delete(outbox).where(outbox.c.op_id == op_id))

    def reject(self, conn: Connection, op_id: str, error: ErrorDetail) -> None:
        """The server refused the op: it leaves the log's replay and waits in the inbox."""
        conn.execute(update(op_log).where(op_log.c.op_id == op_id).values(status="rejected"))
        conn.execute(delete(outbox).where(outbox.c.op_id == op_id))
        conn.execute(
            insert(conflicts).values(
                op_id=op_id,
                code=error.code,
                message=error.message,
                details=json.dumps(error.details, sort_keys=True),
                server_value=None,
                created_at=now(),
            )
        )

    def known(self, conn: Connection, op_id: str) -> tuple[str, int | None] | None:
        row = conn.execute(
            select(op_log.c.status, op_log.c.server_seq).where(op_log.c.op_id == op_id)
        ).first()
        return None if row is None else (str(row[0]), row[1])

    def record_foreign(
        self, conn: Connection, pulled: PulledItem, *, status: str = "confirmed"
    ) -> None:
        """Log a server op made elsewhere without applying it: a rebase applies a confirmed
        one; a ``redacted`` one (an external reader's view) is only ever kept."""
        LocalLog(conn).append_op(pulled.op, status=status, server_seq=pulled.server_seq)

    def set_cursor(self, conn: Connection, value: int) -> None:
        self.ws.store.set_meta(conn, CURSOR, str(value))

    def applied_through(self, conn: Connection) -> int:
        return self._meta_int(conn, APPLIED_THROUGH)

    def set_applied_through(self, conn: Connection, value: int) -> None:
        self.ws.store.set_meta(conn, APPLIED_THROUGH, str(value))

    def max_server_seq(self, conn: Connection) -> int:
        return int(conn.execute(select(func.max(op_log.c.server_seq))).scalar() or 0)

    def open_conflicts_without_value(self, conn: Connection) -> list[str]:
        return [
            r[0]
            for r in conn.execute(
                select(conflicts.c.op_id).where(
                    conflicts.c.server_value.is_(None), conflicts.c.resolution.is_(None)
                )
            )
        ]


def view_digest(ws: Workspace) -> str:
    """The digest of an external reader's view, as ``GET /v1/sync/state`` computes it: a
    SHA-256 over each redacted op it holds, in server order, as ``seq:`` + JCS + newline."""
    h = hashlib.sha256()
    with ws.store.transaction() as conn:
        rows = conn.execute(
            select(op_log.c.server_seq, op_log.c.envelope)
            .where(op_log.c.status == "redacted")
            .order_by(op_log.c.server_seq)
        ).all()
    for seq, raw in rows:
        h.update(b"%d:" % seq + jcs(json.loads(raw)) + b"\n")
    return h.hexdigest()
