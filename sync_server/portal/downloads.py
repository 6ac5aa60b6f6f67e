"""The investor's files: call and distribution notices, quarterly statements (PDF), the
ledger (XLSX), and the documents shared with them.

Every file is built on request by the reports' own code from the LP's ledger, exactly as
``dealos report notice`` and ``dealos report statement`` build it for the GP: the same
value, the same PDF. Only issued calls and distributions have notices; a draft, another
LP's call or a period outside the LP's history is the portal's one 404, audited.

Documents: a fund's document the GP shared with the fund's LPs (:mod:`core.visibility`,
the rule the pull feed is redacted with) is sent from the server's blob store (PROTOCOL
"Document blobs") as an attachment under its file name and media type; each download
attempt by an investor who may see the document is written to the audit log with its
outcome. A document whose file has not reached the server yet (the GP's computer has not
synced since adding it) is a page saying so (503), never someone else's file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import Connection, select

from core.reports import fund_records
from core.reports.capital_account import build_statement
from core.reports.errors import PeriodError
from core.reports.notices import build_call_notice, build_distribution_notice
from core.reports.pdf_notices import call_notice_pdf, distribution_notice_pdf
from core.reports.pdf_statement import statement_pdf
from core.reports.periods import parse_period
from core.store.schema import documents
from core.store.sql_projection import SqlProjection
from sync_server.app_context import DB, KEYS, SETTINGS
from sync_server.blobs import BlobFolder
from sync_server.portal.investor_access import NotSeen, PortalViewer, audit_download
from sync_server.portal.investor_positions import nav_lookup, read_ledger, statement_periods
from sync_server.portal.ledger_sheet import ledger_xlsx
from sync_server.portal.pages import ID
from sync_server.portal.rendering import page, with_page_headers
from sync_server.portal.signed_in import investor_page, read_as_viewer
from sync_server.server_schema import blobs
from sync_server.sessions import Caller

__all__ = ["routes"]

routes = web.RouteTableDef()
_POSITION = f"/portal/lp/{{lp_id:{ID}}}/funds/{{fund_id:{ID}}}"
_PDF = "application/pdf"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(name: str) -> str:
    """``Content-Disposition`` for a download named ``name``: a plain ASCII name, and the
    name itself (RFC 6266 ``filename*``) when it has other characters."""
    safe = re.sub(r"[^A-Za-z0-9 ._-]+", "", name).strip() or "document"
    if safe == name:
        return f'attachment; filename="{safe}"'
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(name, safe='')}"


def _file(body: bytes, media_type: str, name: str) -> web.Response:
    response = web.Response(
        body=body,
        content_type=media_type,
        headers={"Content-Disposition": _attachment(name)},
    )
    with_page_headers(response)
    return response


def _ids(request: web.Request) -> tuple[str, str]:
    return request.match_info["lp_id"], request.match_info["fund_id"]


def _call_notice(lp_id: str, fund_id: str, call_id: str) -> Any:
    def work(conn: Connection, viewer: PortalViewer, _today: dt.date) -> tuple[bytes, str]:
        ledger = read_ledger(conn, viewer, lp_id, fund_id)
        call = ledger.call(call_id)
        if call is None or not call.is_issued:
            raise NotSeen("a capital call notice", call_id)
        instructions = fund_records.fund_payment_instructions(conn, viewer.org_id, fund_id)
        notice = build_call_notice(ledger, call_id, instructions=instructions)
        return call_notice_pdf(notice), f"{call.title} - {ledger.fund.name}.pdf"

    return work


@routes.get(f"{_POSITION}/calls/{{call_id:{ID}}}/notice.pdf")
@investor_page
async def call_notice(request: web.Request, caller: Caller) -> web.StreamResponse:
    lp_id, fund_id = _ids(request)
    work = _call_notice(lp_id, fund_id, request.match_info["call_id"])
    body, name = await read_as_viewer(request, caller, work)
    return _file(body, _PDF, name)


def _distribution_notice(lp_id: str, fund_id: str, distribution_id: str) -> Any:
    def work(conn: Connection, viewer: PortalViewer, _today: dt.date) -> tuple[bytes, str]:
        ledger = read_ledger(conn, viewer, lp_id, fund_id)
        entry = ledger.distribution(distribution_id)
        if entry is None or not entry.is_issued:
            raise NotSeen("a distribution notice", distribution_id)
        notice = build_distribution_notice(ledger, distribution_id)
        name = f"Distribution No. {entry.number} - {ledger.fund.name}.pdf"
        return distribution_notice_pdf(notice), name

    return work


@routes.get(f"{_POSITION}/distributions/{{distribution_id:{ID}}}/notice.pdf")
@investor_page
async def distribution_notice(request: web.Request, caller: Caller) -> web.StreamResponse:
    lp_id, fund_id = _ids(request)
    work = _distribution_notice(lp_id, fund_id, request.match_info["distribution_id"])
    body, name = await read_as_viewer(request, caller, work)
    return _file(body, _PDF, name)


def _statement(lp_id: str, fund_id: str, label: str) -> Any:
    def work(conn: Connection, viewer: PortalViewer, today: dt.date) -> tuple[bytes, str]:
        ledger = read_ledger(conn, viewer, lp_id, fund_id)
        try:
            period = parse_period(label)
        except PeriodError:
            raise NotSeen("a capital account statement") from None
        if period not in statement_periods(ledger, today):
            raise NotSeen("a capital account statement")
        nav = nav_lookup(conn, viewer, ledger)
        statement = build_statement(ledger, period, nav=nav, today=today)
        name = f"Capital account {period.label} - {ledger.fund.name}.pdf"
        return statement_pdf(statement), name

    return work


@routes.get(f"{_POSITION}/statements/{{period:[0-9]{{4}}Q[1-4]}}.pdf")
@investor_page
async def statement(request: web.Request, caller: Caller) -> web.StreamResponse:
    lp_id, fund_id = _ids(request)
    work = _statement(lp_id, fund_id, request.match_info["period"])
    body, name = await read_as_viewer(request, caller, work)
    return _file(body, _PDF, name)


def _ledger(lp_id: str, fund_id: str) -> Any:
    def work(conn: Connection, viewer: PortalViewer, today: dt.date) -> tuple[bytes, str]:
        ledger = read_ledger(conn, viewer, lp_id, fund_id)
        return ledger_xlsx(ledger, today), f"Ledger - {ledger.fund.name}.xlsx"

    return work


@routes.get(f"{_POSITION}/ledger.xlsx")
@investor_page
async def ledger_file(request: web.Request, caller: Caller) -> web.StreamResponse:
    body, name = await read_as_viewer(request, caller, _ledger(*_ids(request)))
    return _file(body, _XLSX, name)


@dataclass(frozen=True, slots=True)
class _SharedFile:
    title: str
    filename: str
    media_type: str
    sha256: str
    uploaded: bool  # the GP's computer has sent the file to this server


def _document(document_id: str) -> Any:
    def work(conn: Connection, viewer: PortalViewer, _today: dt.date) -> _SharedFile:
        row = conn.execute(
            select(
                documents.c.deal_id,
                documents.c.fund_id,
                documents.c.audience,
                documents.c.title,
                documents.c.filename,
                documents.c.media_type,
                documents.c.sha256,
            ).where(documents.c.org_id == viewer.org_id, documents.c.document_id == document_id)
        ).first()
        store = SqlProjection(conn, viewer.org_id)
        if row is None or not viewer.scope.sees_document(
            store, row.deal_id, row.fund_id, row.audience
        ):
            raise NotSeen("a document", document_id)
        uploaded = conn.execute(
            select(blobs.c.sha256).where(
                blobs.c.org_id == viewer.org_id, blobs.c.sha256 == row.sha256
            )
        ).first()
        return _SharedFile(
            title=str(row.title or row.filename),
            filename=str(row.filename),
            media_type=str(row.media_type),
            sha256=str(row.sha256),
            uploaded=uploaded is not None,
        )

    return work


@routes.get(f"/portal/documents/{{document_id:{ID}}}")
@investor_page
async def document_file(request: web.Request, caller: Caller) -> web.StreamResponse:
    document_id = request.match_info["document_id"]
    shared: _SharedFile = await read_as_viewer(request, caller, _document(document_id))
    path = BlobFolder(request.app[SETTINGS].blob_root).path(caller.org_id, shared.sha256)
    sent = shared.uploaded and path.is_file()
    outcome = "sent" if sent else "not yet available: the file has not reached the server"
    db = request.app[DB]
    await db.run(audit_download, db.engine, request.app[KEYS], caller, document_id, outcome)
    if not sent:
        return page(
            request,
            "message.html",
            status=503,
            signed_in=True,
            session_id=caller.session_id,
            title="Not yet available",
            message=f"“{shared.title}” has not reached the portal yet. Try again later, or "
            "ask your fund manager for a copy.",
            link=("/portal/documents", "Back to documents"),
        )
    response = web.FileResponse(
        path,
        headers={
            "Content-Type": shared.media_type,
            "Content-Disposition": _attachment(shared.filename),
        },
    )
    with_page_headers(response)
    return response
