"""``GET /v1/sync/pull`` and ``GET /v1/sync/state``: the log in ``server_seq`` order, as
the caller may see it.

Staff who read the whole organization get the stored envelope bytes verbatim (no parse,
no re-serialization: a new device bootstraps at the speed of a table scan). External
readers get each op through :func:`core.redaction.redact`, re-signed by the server; the
scan for them is bounded per request, and ``next_after`` moves past hidden ops so the
client's cursor always advances. Either page is a :class:`core.sync.messages.PullPage`,
written as bytes with the model's key names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Engine

from core.canonical_json import jcs
from core.domain.roles import Role
from core.redaction import Entitlements, Viewer, entitlements_of, redact, sign_redacted
from core.store.digest import sql_state_digest
from core.store.sql_projection import SqlProjection
from core.sync.messages import PulledOp, PullPage, RedactedPulledOp, SyncState
from sync_server.database import tenant_tx
from sync_server.replies import object_template
from sync_server.server_keys import ServerKeys
from sync_server.sessions import Caller, roles_of

__all__ = ["PageBytes", "pull", "state"]

SCAN_LIMIT: Final = 5000  # ops an external reader's request may scan past
_BATCH: Final = 1000
# The page's JSON from the models' own field names (core.sync.messages).
_SIGNED: Final = object_template(PulledOp, server_seq=b"%d", op=b"%s")
_REDACTED: Final = object_template(RedactedPulledOp, server_seq=b"%d", op=b"%s")
_PAGE: Final = object_template(PullPage, ops=b"[%s]", next_after=b"%d", has_more=b"%s")


@dataclass(frozen=True, slots=True)
class PageBytes:
    body: bytes  # a PullPage's JSON, assembled from stored bytes


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def _viewer(conn: Connection, caller: Caller) -> Viewer:
    roles = frozenset(Role(r) for r in roles_of(conn, caller.user_id))
    return Viewer(caller.user_id, roles)


def _page(conn: Connection, org_id: str, after: int, limit: int) -> list[tuple[int, bytes]]:
    cur = _cur(conn)
    cur.execute(
        "SELECT server_seq, envelope FROM op_log WHERE org_id = %s AND server_seq > %s "
        "ORDER BY server_seq LIMIT %s",
        (org_id, after, limit),
    )
    return [(int(seq), bytes(raw)) for seq, raw in cur.fetchall()]


def pull(engine: Engine, keys: ServerKeys, caller: Caller, after: int, limit: int) -> PageBytes:
    with tenant_tx(engine, caller.org_id) as conn:
        viewer = _viewer(conn, caller)
        if viewer.reads_everything:
            rows = _page(conn, caller.org_id, after, limit + 1)
            has_more = len(rows) > limit
            rows = rows[:limit]
            parts = [_SIGNED % (seq, raw) for seq, raw in rows]
            next_after = rows[-1][0] if rows else after
            return PageBytes(_body(parts, next_after, has_more))
        store = SqlProjection(conn, caller.org_id)
        ents = entitlements_of(store, caller.user_id)
        parts, cursor, has_more = [], after, False
        scanned = 0
        while len(parts) < limit and scanned < SCAN_LIMIT:
            rows = _page(conn, caller.org_id, cursor, min(_BATCH, SCAN_LIMIT - scanned))
            if not rows:
                break
            for seq, raw in rows:
                scanned += 1
                cursor = seq
                shown = _shown(store, keys, viewer, ents, raw)
                if shown is not None:
                    parts.append(_REDACTED % (seq, shown))
                    if len(parts) == limit:
                        break
        if len(parts) == limit or scanned >= SCAN_LIMIT:
            has_more = bool(_page(conn, caller.org_id, cursor, 1))
        return PageBytes(_body(parts, cursor, has_more))


def _shown(
    store: SqlProjection, keys: ServerKeys, viewer: Viewer, ents: Entitlements, raw: bytes
) -> bytes | None:
    op = redact(store, viewer, ents, json.loads(raw))
    return None if op is None else jcs(sign_redacted(op, keys.redaction))


def _body(parts: list[bytes], next_after: int, has_more: bool) -> bytes:
    body: bytes = _PAGE % (b",".join(parts), next_after, b"true" if has_more else b"false")
    return body


def state(engine: Engine, keys: ServerKeys, caller: Caller) -> SyncState:
    """The caller's view: staff get the projection's state digest; external readers a
    SHA-256 chained over the redacted ops they can pull, in order."""
    with tenant_tx(engine, caller.org_id) as conn:
        viewer = _viewer(conn, caller)
        cur = _cur(conn)
        if viewer.reads_everything:
            cur.execute("SELECT last_seq FROM org_heads WHERE org_id = %s", (caller.org_id,))
            row = cur.fetchone()
            digest = sql_state_digest(conn, caller.org_id)
            return SyncState(
                org_id=caller.org_id, last_seq=int(row[0]) if row else 0, digest=digest
            )
        store = SqlProjection(conn, caller.org_id)
        ents = entitlements_of(store, caller.user_id)
        h = hashlib.sha256()
        last, cursor = 0, 0
        while rows := _page(conn, caller.org_id, cursor, _BATCH):
            for seq, raw in rows:
                cursor = seq
                shown = _shown(store, keys, viewer, ents, raw)
                if shown is not None:
                    last = seq
                    h.update(b"%d:" % seq + shown + b"\n")
        return SyncState(org_id=caller.org_id, last_seq=last, digest=h.hexdigest())
