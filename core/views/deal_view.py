"""One deal as its page shows it: fields with provenance, documents, approvals, history.

History is every op on the deal and on its documents, from the op log, with who made it,
on which device, when, and whether a server has confirmed it yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.domain.deal_fields import DEAL_FIELDS, FieldType
from core.domain.lifecycle import Stage, allowed_targets, transition_rule
from core.errors import DealOSError
from core.money import money_text
from core.store.local_schema import op_log
from core.store.schema import (
    approvals,
    deal_fields,
    deals,
    devices,
    documents,
    entities,
    funds,
    users,
)
from core.store.sql_projection import SqlProjection
from core.views.op_words import RecordNames, describe
from core.views.viewer import Viewer

__all__ = [
    "ApprovalLine",
    "DealDetail",
    "DocumentLine",
    "FieldLine",
    "HistoryLine",
    "StageMove",
    "deal_detail",
    "stage_moves",
]


@dataclass(frozen=True, slots=True)
class FieldLine:
    name: str
    label: str
    type: str
    value: str | None
    display: str
    provenance: str | None  # manual | extracted | confirmed; None when unset
    source_document: str | None  # the document's file name
    source_page: int | None


@dataclass(frozen=True, slots=True)
class DocumentLine:
    document_id: str
    filename: str
    title: str | None
    media_type: str
    size_bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ApprovalLine:
    approval_id: str
    approval_type: str
    decision: str
    decided_by: str
    note: str
    recorded_version: int


@dataclass(frozen=True, slots=True)
class HistoryLine:
    local_seq: int
    server_seq: int | None
    op_id: str
    kind: str
    summary: str
    actor: str
    device: str
    issued_at: str
    status: str


@dataclass(frozen=True, slots=True)
class StageMove:
    """A stage the deal can move to next, and whether this viewer's role may take it."""

    target: str
    action: str
    requires: tuple[str, ...]
    refused_because: str | None


@dataclass(frozen=True, slots=True)
class DealDetail:
    deal_id: str
    name: str
    stage: str
    currency: str
    version: int
    fund_id: str | None
    fund_name: str | None
    created_by: str
    fields: tuple[FieldLine, ...]
    documents: tuple[DocumentLine, ...]
    approvals: tuple[ApprovalLine, ...]
    history: tuple[HistoryLine, ...]
    moves: tuple[StageMove, ...]


def _display(kind: FieldType, value: str, currency: str, names: dict[str, str]) -> str:
    if kind is FieldType.MONEY:
        return money_text(Decimal(value), currency, symbol=False)
    if kind is FieldType.PERCENT:
        return f"{value} %"
    if kind is FieldType.INTEGER:
        return f"{int(value):,}" if len(value) > 4 else value
    if kind is FieldType.USER:
        return names.get(value, value)
    return value


def stage_moves(stage: str, viewer: Viewer) -> tuple[StageMove, ...]:
    """Where a deal in ``stage`` can go next; each says whether this viewer may take it."""
    source = Stage(stage)
    out = []
    for target in allowed_targets(source):
        rule = transition_rule(source, target)
        assert rule is not None
        doing = f"move a deal from {source} to {target}"
        out.append(
            StageMove(
                target=target.value,
                action=rule.action.value,
                requires=tuple(r.value for r in rule.requires),
                refused_because=viewer.why_not(rule.action, doing),
            )
        )
    return tuple(out)


def deal_detail(ws: Workspace, viewer: Viewer, deal_id: str) -> DealDetail:
    with reading(ws) as conn:
        deal = (
            conn.execute(
                select(deals).where(deals.c.org_id == ws.org_id, deals.c.deal_id == deal_id)
            )
            .mappings()
            .first()
        )
        if deal is None or not viewer.scope.admits_deal(deal_id, deal["fund_id"]):
            raise DealOSError(
                f"no deal {deal_id} (it may have been removed, or is not shared with you)"
            )
        version = conn.execute(
            select(entities.c.version).where(
                entities.c.org_id == ws.org_id, entities.c.entity_id == deal_id
            )
        ).scalar_one()
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
        docs = (
            conn.execute(
                select(documents)
                .where(documents.c.org_id == ws.org_id, documents.c.deal_id == deal_id)
                .order_by(documents.c.document_id)
            )
            .mappings()
            .all()
        )
        doc_names = {d["document_id"]: d["filename"] for d in docs}
        stored = {
            r["field"]: r
            for r in conn.execute(
                select(deal_fields).where(
                    deal_fields.c.org_id == ws.org_id, deal_fields.c.deal_id == deal_id
                )
            ).mappings()
        }
        votes = (
            conn.execute(
                select(approvals)
                .where(approvals.c.org_id == ws.org_id, approvals.c.deal_id == deal_id)
                .order_by(approvals.c.recorded_version)
            )
            .mappings()
            .all()
        )
        fund_name = (
            conn.execute(
                select(funds.c.name).where(
                    funds.c.org_id == ws.org_id, funds.c.fund_id == deal["fund_id"]
                )
            ).scalar()
            if deal["fund_id"]
            and viewer.scope.sees_fund(SqlProjection(conn, ws.org_id), deal["fund_id"])
            else None
        )
        ops = (
            conn.execute(
                select(op_log)
                .where(op_log.c.entity_id.in_([deal_id, *doc_names]))
                .order_by(op_log.c.local_seq.desc())
            )
            .mappings()
            .all()
        )
    fields = []
    for spec in DEAL_FIELDS.values():
        row = stored.get(spec.name)
        value = None if row is None else str(row["value"])
        fields.append(
            FieldLine(
                name=spec.name,
                label=spec.label,
                type=spec.type.value,
                value=value,
                display="—"
                if value is None
                else _display(spec.type, value, deal["currency"], names),
                provenance=None if row is None else row["provenance"],
                source_document=None
                if row is None
                else doc_names.get(row["source_document_id"] or ""),
                source_page=None if row is None else row["source_page"],
            )
        )
    history = []
    # Only this deal's name and the people: a history never names what the viewer may not
    # see (another deal, a fund it is not shown).
    story_names = RecordNames(deals={deal_id: deal["name"]}, users=names)
    for op in ops:
        envelope = json.loads(op["envelope"])
        history.append(
            HistoryLine(
                local_seq=op["local_seq"],
                server_seq=op["server_seq"],
                op_id=op["op_id"],
                kind=op["kind"],
                summary=describe(
                    op["kind"], op["entity_id"], envelope.get("payload", {}), story_names
                ),
                actor=names.get(op["actor_id"], op["actor_id"]),
                device=device_names.get(op["device_id"], op["device_id"]),
                issued_at=op["issued_at"],
                status=op["status"],
            )
        )
    return DealDetail(
        deal_id=deal_id,
        name=deal["name"],
        stage=deal["stage"],
        currency=deal["currency"],
        version=int(version),
        fund_id=deal["fund_id"],
        fund_name=fund_name,
        created_by=names.get(deal["created_by"], deal["created_by"]),
        fields=tuple(fields),
        documents=tuple(
            DocumentLine(
                d["document_id"],
                d["filename"],
                d["title"],
                d["media_type"],
                d["size_bytes"],
                d["sha256"],
            )
            for d in docs
        ),
        approvals=tuple(
            ApprovalLine(
                v["approval_id"],
                v["approval_type"],
                v["decision"],
                names.get(v["decided_by"], v["decided_by"]),
                v["note"],
                v["recorded_version"],
            )
            for v in votes
        ),
        history=tuple(history),
        moves=stage_moves(deal["stage"], viewer),
    )
