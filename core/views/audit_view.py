"""The audit log as the auditor's screen reads it: filtered, newest first, in pages.

Names replace ids where the organization knows them; the chain check itself stays in
:meth:`Workspace.verify_audit`, which the screen's Verify button runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.store.local_schema import audit_log, op_log
from core.store.schema import devices, users
from core.views.op_words import RecordNames, describe, event_label, kind_label

__all__ = ["AuditFacets", "AuditFilter", "AuditLine", "audit_facets", "audit_page", "count_audit"]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    text: str = ""
    event: str | None = None
    kind: str | None = None
    actor_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditLine:
    seq: int
    at: str
    event: str
    kind: str | None
    entity_id: str | None
    actor: str | None
    device: str | None
    code: str | None
    detail: str
    op_id: str | None
    entry_hash: str
    # What happened in words (core.views.op_words): for an op, the op's own sentence naming
    # its records; otherwise the entry's detail.
    what: str = ""

    @property
    def event_words(self) -> str:
        return event_label(self.event)

    @property
    def kind_words(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True, slots=True)
class AuditFacets:
    events: tuple[str, ...]
    kinds: tuple[str, ...]
    actors: tuple[tuple[str, str], ...]  # (user id, display name)


def _filtered(stmt: Select[Any], flt: AuditFilter) -> Select[Any]:
    if flt.event is not None:
        stmt = stmt.where(audit_log.c.event == flt.event)
    if flt.kind is not None:
        stmt = stmt.where(audit_log.c.kind == flt.kind)
    if flt.actor_id is not None:
        stmt = stmt.where(audit_log.c.actor_id == flt.actor_id)
    text = flt.text.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                audit_log.c.detail.ilike(pattern, escape="\\"),
                audit_log.c.entity_id.ilike(pattern, escape="\\"),
                audit_log.c.op_id.ilike(pattern, escape="\\"),
                audit_log.c.kind.ilike(pattern, escape="\\"),
            )
        )
    return stmt


def count_audit(ws: Workspace, flt: AuditFilter) -> int:
    with reading(ws) as conn:
        return int(
            conn.execute(_filtered(select(func.count()).select_from(audit_log), flt)).scalar_one()
        )


def audit_page(ws: Workspace, flt: AuditFilter, *, offset: int, limit: int) -> list[AuditLine]:
    stmt = _filtered(select(audit_log.c.seq), flt).order_by(audit_log.c.seq.desc())
    with reading(ws) as conn:
        seqs = [s for (s,) in conn.execute(stmt.offset(offset).limit(limit))]
        rows = (
            conn.execute(
                select(audit_log).where(audit_log.c.seq.in_(seqs)).order_by(audit_log.c.seq.desc())
            )
            .mappings()
            .all()
        )
        names = dict(
            conn.execute(
                select(users.c.user_id, users.c.display_name).where(users.c.org_id == ws.org_id)
            ).all()
        )
        device_names = dict(
            conn.execute(
                select(devices.c.device_id, devices.c.name).where(devices.c.org_id == ws.org_id)
            ).all()
        )
        record_names = RecordNames.load(conn, ws.org_id)
        logged = {
            op_id: json.loads(raw)
            for op_id, raw in conn.execute(
                select(op_log.c.op_id, op_log.c.envelope).where(
                    op_log.c.op_id.in_([r["op_id"] for r in rows if r["op_id"]])
                )
            )
        }
    return [
        AuditLine(
            seq=r["seq"],
            at=r["at"],
            event=r["event"],
            kind=r["kind"],
            entity_id=r["entity_id"],
            actor=None if r["actor_id"] is None else names.get(r["actor_id"], r["actor_id"]),
            device=None
            if r["device_id"] is None
            else device_names.get(r["device_id"], r["device_id"]),
            code=r["code"],
            detail=r["detail"],
            op_id=r["op_id"],
            entry_hash=r["entry_hash"],
            what=_what(r, logged.get(r["op_id"]), record_names),
        )
        for r in rows
    ]


def _what(row: Any, op: dict[str, Any] | None, names: RecordNames) -> str:
    """An accepted op in words; a refusal or any other entry by its own detail."""
    if row["event"] != "op.accepted" or op is None:
        return str(row["detail"])
    return describe(op["kind"], op["entity_id"], op.get("payload") or {}, names)


def audit_facets(ws: Workspace) -> AuditFacets:
    with reading(ws) as conn:
        events = tuple(
            e
            for (e,) in conn.execute(
                select(audit_log.c.event).distinct().order_by(audit_log.c.event)
            )
        )
        kinds = tuple(
            k
            for (k,) in conn.execute(
                select(audit_log.c.kind)
                .where(audit_log.c.kind.is_not(None))
                .distinct()
                .order_by(audit_log.c.kind)
            )
        )
        actor_ids = [
            a
            for (a,) in conn.execute(
                select(audit_log.c.actor_id).where(audit_log.c.actor_id.is_not(None)).distinct()
            )
        ]
        actors = conn.execute(
            select(users.c.user_id, users.c.display_name)
            .where(users.c.org_id == ws.org_id, users.c.user_id.in_(actor_ids))
            .order_by(users.c.display_name)
        ).all()
    return AuditFacets(events, kinds, tuple((u, n) for u, n in actors))
