"""The conflicts inbox: ops the server (or a rebase) refused, beside the current value.

Nothing is dropped silently: each conflict stays open until a person re-applies the
change on the current version or discards it with a note; both are audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from core.commands.workspace import OpResult, Workspace
from core.errors import DealOSError
from core.ops.envelope import utc_now_rfc3339
from core.store.local_schema import conflicts, op_log
from core.sync.snapshot import entity_snapshot

__all__ = ["Conflict", "discard", "list_conflicts", "reapply"]


@dataclass(frozen=True, slots=True)
class Conflict:
    op_id: str
    kind: str
    entity_id: str
    code: str
    message: str
    details: dict[str, Any]
    payload: dict[str, Any]
    base_version: int | None
    server_value: dict[str, Any] | None
    created_at: str
    resolution: str | None


def list_conflicts(ws: Workspace, *, open_only: bool = True) -> list[Conflict]:
    stmt = select(conflicts, op_log.c.envelope).join(op_log, op_log.c.op_id == conflicts.c.op_id)
    if open_only:
        stmt = stmt.where(conflicts.c.resolution.is_(None))
    with ws.store.transaction() as conn:
        rows = conn.execute(stmt.order_by(op_log.c.local_seq)).mappings().all()
    out = []
    for r in rows:
        env = json.loads(r["envelope"])
        out.append(
            Conflict(
                op_id=r["op_id"],
                kind=env["kind"],
                entity_id=env["entity_id"],
                code=r["code"],
                message=r["message"],
                details=json.loads(r["details"]),
                payload=env["payload"],
                base_version=env["base_version"],
                server_value=json.loads(r["server_value"]) if r["server_value"] else None,
                created_at=r["created_at"],
                resolution=r["resolution"],
            )
        )
    return out


def _open(ws: Workspace, op_id: str) -> Conflict:
    for c in list_conflicts(ws):
        if c.op_id == op_id:
            return c
    raise DealOSError(f"no open conflict for op {op_id}")


def reapply(ws: Workspace, op_id: str, *, note: str = "") -> OpResult:
    """Make the same change again, written against the entity's current version."""
    conflict = _open(ws, op_id)
    with ws.store.transaction() as conn:
        current = entity_snapshot(conn, ws.org_id, conflict.entity_id)
    base = None if current is None else int(current["version"])
    result = ws.submit_wire(
        conflict.kind, entity_id=conflict.entity_id, payload=conflict.payload, base_version=base
    )
    _close(ws, op_id, "reapplied", note or f"re-applied as op {result.op_id}")
    return result


def discard(ws: Workspace, op_id: str, *, note: str) -> None:
    """Give the change up, saying why; the note stays in the inbox and the audit log."""
    if not note.strip():
        raise DealOSError("say why the change is discarded: a note is required")
    _open(ws, op_id)
    _close(ws, op_id, "discarded", note)


def _close(ws: Workspace, op_id: str, resolution: str, note: str) -> None:
    with ws.store.transaction() as conn:
        conn.execute(
            update(conflicts)
            .where(conflicts.c.op_id == op_id)
            .values(resolution=resolution, resolution_note=note, resolved_at=utc_now_rfc3339())
        )
        ws.audit_event(conn, f"conflict.{resolution}", note, op_id=op_id)
