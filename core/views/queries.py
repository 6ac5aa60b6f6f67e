"""Read models for the CLI and the desktop: frozen values, never ORM rows or SQL."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from core.commands.workspace import Workspace
from core.positions import positions_as_of
from core.store.local_schema import op_log
from core.store.schema import call_allocations, deal_fields, deals, funds, lps
from core.store.sql_projection import SqlProjection

__all__ = [
    "DealSummary",
    "LpSummary",
    "OpSummary",
    "call_allocation_amounts",
    "count_ops",
    "list_deals",
    "list_lps",
    "list_ops",
]


@dataclass(frozen=True, slots=True)
class DealSummary:
    deal_id: str
    name: str
    stage: str
    currency: str
    sponsor: str | None
    property_type: str | None
    asking_price: Decimal | None


@dataclass(frozen=True, slots=True)
class LpSummary:
    lp_id: str
    name: str
    lp_type: str
    committed: dict[str, Decimal]  # by currency


@dataclass(frozen=True, slots=True)
class OpSummary:
    local_seq: int
    server_seq: int | None
    op_id: str
    kind: str
    entity_id: str
    actor_id: str
    device_id: str
    issued_at: str
    status: str
    base_version: int | None


def list_deals(ws: Workspace, *, stage: str | None = None) -> list[DealSummary]:
    wanted = ("sponsor", "property_type", "asking_price")
    with ws.store.transaction() as conn:
        stmt = select(deals).where(deals.c.org_id == ws.org_id)
        if stage is not None:
            stmt = stmt.where(deals.c.stage == stage)
        rows = conn.execute(stmt.order_by(deals.c.name, deals.c.deal_id)).mappings().all()
        fields: dict[tuple[str, str], str] = {
            (r.deal_id, r.field): r.value
            for r in conn.execute(
                select(deal_fields.c.deal_id, deal_fields.c.field, deal_fields.c.value).where(
                    deal_fields.c.org_id == ws.org_id, deal_fields.c.field.in_(wanted)
                )
            )
        }
    out = []
    for r in rows:
        price = fields.get((r["deal_id"], "asking_price"))
        out.append(
            DealSummary(
                deal_id=r["deal_id"],
                name=r["name"],
                stage=r["stage"],
                currency=r["currency"],
                sponsor=fields.get((r["deal_id"], "sponsor")),
                property_type=fields.get((r["deal_id"], "property_type")),
                asking_price=Decimal(price) if price is not None else None,
            )
        )
    return out


def list_lps(ws: Workspace) -> list[LpSummary]:
    """Every LP with its commitments by currency, as :mod:`core.positions` counts them."""
    with ws.store.transaction() as conn:
        rows = (
            conn.execute(
                select(lps).where(lps.c.org_id == ws.org_id).order_by(lps.c.name, lps.c.lp_id)
            )
            .mappings()
            .all()
        )
        projection = SqlProjection(conn, ws.org_id)
        committed: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        held = conn.execute(
            select(funds.c.fund_id, funds.c.currency).where(funds.c.org_id == ws.org_id)
        ).all()
        for fund_id, currency in held:
            book = positions_as_of(projection, fund_id, None, with_nav=False)
            for lp_id, position in book.positions.items():
                committed[lp_id][currency] += position.commitment
    return [
        LpSummary(r["lp_id"], r["name"], r["lp_type"], dict(committed.get(r["lp_id"], {})))
        for r in rows
    ]


def list_ops(ws: Workspace, *, kind: str | None = None, limit: int = 50) -> list[OpSummary]:
    """The op log, newest first."""
    with ws.store.transaction() as conn:
        stmt = select(op_log)
        if kind is not None:
            stmt = stmt.where(op_log.c.kind == kind)
        stmt = stmt.order_by(op_log.c.local_seq.desc()).limit(limit)
        rows = conn.execute(stmt).mappings().all()
    return [
        OpSummary(
            local_seq=r["local_seq"],
            server_seq=r["server_seq"],
            op_id=r["op_id"],
            kind=r["kind"],
            entity_id=r["entity_id"],
            actor_id=r["actor_id"],
            device_id=r["device_id"],
            issued_at=r["issued_at"],
            status=r["status"],
            base_version=json.loads(r["envelope"])["base_version"],
        )
        for r in rows
    ]


def call_allocation_amounts(ws: Workspace, call_id: str) -> list[tuple[str, Decimal]]:
    """Each called LP and the amount called from it, by LP id: the call's split as stored,
    draft or issued (the demo script pays from it)."""
    with ws.store.transaction() as conn:
        rows = conn.execute(
            select(call_allocations.c.lp_id, call_allocations.c.amount)
            .where(call_allocations.c.org_id == ws.org_id, call_allocations.c.call_id == call_id)
            .order_by(call_allocations.c.lp_id)
        ).all()
    return [(lp_id, Decimal(amount)) for lp_id, amount in rows]


def count_ops(ws: Workspace) -> int:
    with ws.store.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(op_log)).scalar_one())
