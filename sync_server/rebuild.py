"""``dealos server rebuild``: an organization's projections replayed from its op log.

DESIGN §3: the tables are projections of the log and must be rebuilt from it byte for
byte on either side. Every projection row of the organization is deleted and every op is
applied again, in ``server_seq`` order, through the same ``apply_op`` with each signature
checked — in one transaction, so a failure leaves the tables as they were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select

from core.errors import DealOSError, OpRejected
from core.ops.envelope import parse_envelope
from core.ops.kinds import spec_for
from core.reducers.apply import apply_op
from core.store.digest import sql_state_digest
from core.store.schema import PROJECTION_TABLES
from core.store.sql_projection import SqlProjection
from sync_server.database import set_org
from sync_server.server_schema import op_log

__all__ = ["Rebuilt", "rebuild_org", "replay_into_tables"]


@dataclass(frozen=True, slots=True)
class Rebuilt:
    ops: int
    digest_before: str
    digest_after: str


def rebuild_org(engine: Engine, org_id: str) -> Rebuilt:
    """Replay ``org_id``'s log into fresh projection rows; refuse if any op fails."""
    with engine.begin() as conn:
        set_org(conn, org_id)
        before = sql_state_digest(conn, org_id)
        ops = replay_into_tables(conn, org_id)
        after = sql_state_digest(conn, org_id)
    return Rebuilt(ops, before, after)


def replay_into_tables(conn: Connection, org_id: str) -> int:
    """In the caller's transaction (scoped to ``org_id``): delete the organization's
    projection rows and apply its whole log again; returns how many ops the log holds."""
    for table in reversed(PROJECTION_TABLES):
        conn.execute(delete(table).where(table.c.org_id == org_id))
    projection = SqlProjection(conn, org_id, cache_reference=True)
    rows = conn.execute(
        select(op_log.c.server_seq, op_log.c.envelope)
        .where(op_log.c.org_id == org_id)
        .order_by(op_log.c.server_seq)
    ).all()
    for seq, raw in rows:
        envelope = parse_envelope(json.loads(bytes(raw)))
        if spec_for(envelope.kind) is None:
            continue
        try:
            apply_op(projection, envelope, verify=True)
        except OpRejected as exc:
            raise DealOSError(
                f"op {seq} ({envelope.kind}) no longer applies: {exc.code}: {exc.message}; "
                "the log was altered or this build cannot read it — nothing was changed"
            ) from exc
    return len(rows)
