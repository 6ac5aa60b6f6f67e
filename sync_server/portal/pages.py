"""The investor's pages: the overview of every position, one fund's activity and
statements, and the documents shared with them. Each is read in one transaction
(:func:`sync_server.portal.signed_in.read_as_viewer`) and rendered from the templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from markupsafe import Markup
from sqlalchemy import Connection, select

from core.reports.ledger_values import CallEntry, DistributionEntry
from core.reports.periods import ReportPeriod
from core.store.schema import deals, documents, funds
from core.store.sql_projection import SqlProjection
from sync_server.portal.chart import QuarterCash, cash_flow_svg, quarterly_cash
from sync_server.portal.investor_access import NotSeen, PortalViewer
from sync_server.portal.investor_positions import (
    PositionKey,
    PositionSummary,
    call_status,
    distribution_status,
    position_keys,
    statement_periods,
    summarize,
)
from sync_server.portal.rendering import page
from sync_server.portal.signed_in import investor_page, read_as_viewer
from sync_server.sessions import Caller

__all__ = ["ID", "routes"]

routes = web.RouteTableDef()
ID: Final = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True, slots=True)
class PositionView:
    summary: PositionSummary
    quarters: list[QuarterCash]
    chart: Markup
    href: str


def _href(key: PositionKey) -> str:
    return f"/portal/lp/{key.lp_id}/funds/{key.fund_id}"


def _view(summary: PositionSummary, n: int) -> PositionView:
    quarters = quarterly_cash(summary.ledger, summary.as_of)
    key = summary.key
    title = f"Cash flows of {key.investor_name} in {key.fund_name}"
    chart = cash_flow_svg(quarters, summary.currency, title, ident=f"chart{n}")
    return PositionView(summary, quarters, chart, _href(key))


def _overview(conn: Connection, viewer: PortalViewer, today: dt.date) -> list[PositionView]:
    keys = position_keys(conn, viewer)
    return [_view(summarize(conn, viewer, key, today), n) for n, key in enumerate(keys)]


@routes.get("/portal")
@investor_page
async def overview(request: web.Request, caller: Caller) -> web.StreamResponse:
    views = await read_as_viewer(request, caller, _overview)
    return page(
        request,
        "overview.html",
        signed_in=True,
        session_id=caller.session_id,
        active="overview",
        title="Your investments",
        positions=views,
        as_of=dt.date.today(),
    )


@dataclass(frozen=True, slots=True)
class FundPage:
    view: PositionView
    calls: list[tuple[CallEntry, str]]
    distributions: list[tuple[DistributionEntry, str]]
    periods: list[ReportPeriod]
    today: dt.date


def _fund_page(lp_id: str, fund_id: str) -> Any:
    def work(conn: Connection, viewer: PortalViewer, today: dt.date) -> FundPage:
        viewer.require_lp(lp_id)
        key = next(
            (k for k in position_keys(conn, viewer) if (k.lp_id, k.fund_id) == (lp_id, fund_id)),
            None,
        )
        if key is None:
            raise NotSeen("a fund position", fund_id)
        summary = summarize(conn, viewer, key, today)
        ledger = summary.ledger
        return FundPage(
            view=_view(summary, 0),
            calls=[(c, call_status(c, today)) for c in reversed(ledger.issued_calls())],
            distributions=[
                (d, distribution_status(d)) for d in reversed(ledger.issued_distributions())
            ],
            periods=statement_periods(ledger, today),
            today=today,
        )

    return work


@routes.get(f"/portal/lp/{{lp_id:{ID}}}/funds/{{fund_id:{ID}}}")
@investor_page
async def fund_page(request: web.Request, caller: Caller) -> web.StreamResponse:
    lp_id, fund_id = request.match_info["lp_id"], request.match_info["fund_id"]
    found: FundPage = await read_as_viewer(request, caller, _fund_page(lp_id, fund_id))
    key = found.view.summary.key
    return page(
        request,
        "fund.html",
        signed_in=True,
        session_id=caller.session_id,
        title=f"{key.fund_name}",
        found=found,
        base=found.view.href,
    )


@dataclass(frozen=True, slots=True)
class SharedDocument:
    document_id: str
    title: str
    about: str
    kind: str
    size: str


_KINDS: Final = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Spreadsheet",
    "application/vnd.ms-excel": "Spreadsheet",
    "text/csv": "Spreadsheet (CSV)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/msword": "Word document",
}


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def shared_documents(conn: Connection, viewer: PortalViewer) -> list[SharedDocument]:
    """Documents :mod:`core.visibility` lets the viewer see, among those of the funds they
    invest in and those funds' deals."""
    org = viewer.org_id
    store = SqlProjection(conn, org)
    seen_funds = sorted(viewer.scope.fund_ids(store) or ())
    if not seen_funds:
        return []
    rows = conn.execute(
        select(
            documents.c.document_id,
            documents.c.deal_id,
            documents.c.fund_id,
            documents.c.filename,
            documents.c.title,
            documents.c.media_type,
            documents.c.size_bytes,
            documents.c.audience,
            deals.c.name.label("deal_name"),
            funds.c.name.label("fund_name"),
        )
        .select_from(documents)
        .outerjoin(
            deals, (deals.c.org_id == documents.c.org_id) & (deals.c.deal_id == documents.c.deal_id)
        )
        .outerjoin(
            funds,
            (funds.c.org_id == documents.c.org_id) & (funds.c.fund_id == documents.c.fund_id),
        )
        .where(
            documents.c.org_id == org,
            documents.c.fund_id.in_(seen_funds) | deals.c.fund_id.in_(seen_funds),
        )
        .order_by(documents.c.title, documents.c.filename, documents.c.document_id)
    ).mappings()
    found = []
    for r in rows:
        if not viewer.scope.sees_document(store, r["deal_id"], r["fund_id"], r["audience"]):
            continue
        found.append(
            SharedDocument(
                document_id=r["document_id"],
                title=r["title"] or r["filename"],
                about=r["deal_name"] or r["fund_name"] or "",
                kind=_KINDS.get(r["media_type"], "File"),
                size=_size(int(r["size_bytes"])),
            )
        )
    return found


def _documents(conn: Connection, viewer: PortalViewer, _today: dt.date) -> list[SharedDocument]:
    return shared_documents(conn, viewer)


@routes.get("/portal/documents")
@investor_page
async def documents_page(request: web.Request, caller: Caller) -> web.StreamResponse:
    found = await read_as_viewer(request, caller, _documents)
    return page(
        request,
        "documents.html",
        signed_in=True,
        session_id=caller.session_id,
        active="documents",
        title="Documents",
        documents=found,
    )
