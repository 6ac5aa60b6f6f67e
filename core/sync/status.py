"""Sync as the desktop's status bar and conflicts inbox see it.

Reads (pending ops, open conflicts beside the current value) go through the read-only
path so the status bar never waits on a sync in progress. :func:`sync_engine_for` builds
the engine the background job runs, from the server this folder enrolled with and the
session token kept in the keyring (the same names ``dealos enroll`` uses).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, func, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.domain.deal_fields import DEAL_FIELDS
from core.store.local_schema import conflicts, local_meta, op_log, outbox
from core.store.schema import deal_fields
from core.sync.snapshot import entity_snapshot
from core.views.op_words import RecordNames, describe, kind_label

if TYPE_CHECKING:
    from core.sync.engine import SyncEngine

__all__ = [
    "SERVER_URL_META",
    "ConflictLine",
    "open_conflicts",
    "pending_count",
    "server_url",
    "session_secret_name",
    "sync_engine_for",
]

SERVER_URL_META: Final = "server_url"


def session_secret_name(device_id: str) -> str:
    return f"session:{device_id}"


@dataclass(frozen=True, slots=True)
class ConflictLine:
    op_id: str
    kind: str
    entity_id: str
    entity_label: str
    code: str
    message: str
    payload: dict[str, Any]  # the change as this user made it
    base_version: int | None
    current_version: int | None  # the entity's version now; None if it no longer exists
    current_row: dict[str, Any] | None
    created_at: str
    # The change in words (core.views.op_words) and, field by field, what it set beside
    # what the record holds now: (field in words, yours, current).
    summary: str = ""
    fields: tuple[tuple[str, str, str], ...] = ()
    # The record as it stands now, field by field in words.
    current: tuple[tuple[str, str], ...] = ()

    @property
    def kind_words(self) -> str:
        return kind_label(self.kind)


def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(local_meta.c.value).where(local_meta.c.key == key)).scalar()


def server_url(ws: Workspace) -> str | None:
    with reading(ws) as conn:
        return _meta(conn, SERVER_URL_META)


def pending_count(ws: Workspace) -> int:
    """Ops made here that no server has confirmed yet."""
    with reading(ws) as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def _label(snapshot: dict[str, Any] | None, entity_id: str) -> str:
    row = (snapshot or {}).get("row") or {}
    name = row.get("name") or row.get("filename") or row.get("purpose")
    kind = (snapshot or {}).get("entity_type", "record").replace("_", " ")
    return f"{kind} “{name}”" if name else f"{kind} {entity_id[:8]}"


def open_conflicts(ws: Workspace) -> list[ConflictLine]:
    stmt = (
        select(conflicts, op_log.c.envelope)
        .join(op_log, op_log.c.op_id == conflicts.c.op_id)
        .where(conflicts.c.resolution.is_(None))
        .order_by(op_log.c.local_seq)
    )
    out = []
    with reading(ws) as conn:
        rows = conn.execute(stmt).mappings().all()
        names = RecordNames.load(conn, ws.org_id) if rows else RecordNames()
        for r in rows:
            env = json.loads(r["envelope"])
            current = entity_snapshot(conn, ws.org_id, env["entity_id"])
            if current is not None and current["entity_type"] == "deal" and current["row"]:
                # Descriptive fields live beside the deal's row; a field change is judged
                # against them, so show them with it.
                current["row"]["fields"] = dict(
                    conn.execute(
                        select(deal_fields.c.field, deal_fields.c.value).where(
                            deal_fields.c.org_id == ws.org_id,
                            deal_fields.c.deal_id == env["entity_id"],
                        )
                    ).all()
                )
            row = None if current is None else current["row"]
            out.append(
                ConflictLine(
                    op_id=r["op_id"],
                    kind=env["kind"],
                    entity_id=env["entity_id"],
                    entity_label=_label(current, env["entity_id"]),
                    code=r["code"],
                    message=r["message"],
                    payload=env["payload"],
                    base_version=env["base_version"],
                    current_version=None if current is None else int(current["version"]),
                    current_row=None if current is None else current["row"],
                    created_at=r["created_at"],
                    summary=describe(env["kind"], env["entity_id"], env["payload"], names),
                    fields=side_by_side(env["payload"], row),
                    current=tuple(_flat(row).items()),
                )
            )
    return out


def _words(key: str) -> str:
    if key in DEAL_FIELDS:
        return DEAL_FIELDS[key].label
    return key.replace("_", " ").capitalize()


def _flat(value: Any) -> dict[str, str]:
    """A payload or a row as (field in words → value), ids and bookkeeping left out."""
    out: dict[str, str] = {}
    for key, item in (value or {}).items():
        if key in _HIDDEN or key.endswith("_id"):
            continue
        if key == "fields" and isinstance(item, dict):
            for name, field in item.items():
                shown = field.get("value") if isinstance(field, dict) else field
                out[_words(name)] = "—" if shown is None else str(shown)
        elif isinstance(item, dict | list):
            out[_words(key)] = json.dumps(item, sort_keys=True, default=str)
        else:
            out[_words(key)] = "—" if item is None else str(item)
    return out


_HIDDEN: Final = frozenset({"org_id", "created_by", "drafted_by", "approved_by", "version"})


def side_by_side(
    payload: dict[str, Any], current: dict[str, Any] | None
) -> tuple[tuple[str, str, str], ...]:
    """Each field the change sets, with the value it sets and the value the record holds."""
    yours, now = _flat(payload), _flat(current)
    return tuple((name, value, now.get(name, "—")) for name, value in yours.items())


def sync_engine_for(ws: Workspace, *, timeout: float = 15.0) -> SyncEngine | None:
    """The engine for this folder's server, or None for an organization kept only here."""
    url = server_url(ws)
    if not url:
        return None
    token = ws.keys.secret(session_secret_name(ws.device_id))
    # Imported here: the window's process reads this module's status at start, and only
    # the sync process (desktop/sync/round.py) ever builds an engine.
    from core.sync.client import SyncClient
    from core.sync.engine import SyncEngine

    return SyncEngine(ws, SyncClient(url, token=token, timeout=timeout, attempts=2))
