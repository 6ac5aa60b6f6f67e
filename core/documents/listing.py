"""The documents of a deal or a fund as a viewer may see them, and a document's file
copied out for reading.

What a viewer sees is :mod:`core.visibility`'s one rule (``Scope.document_clause``), the
one the server's redaction applies to the pull feed. An external reader's replica holds
only what the server showed it; where that replica knows no roles of its user (a deal
reader's feed carries none), every row it holds is its own to see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.documents.blob_store import BlobStore
from core.documents.file_types import kind_in_words
from core.errors import DealOSError
from core.store.schema import deals, documents
from core.store.sql_projection import SqlProjection
from core.views.viewer import current_viewer
from core.visibility import LP_AUDIENCE, Scope

__all__ = [
    "DocumentLine",
    "DocumentNotFound",
    "document_line",
    "list_documents",
    "open_copy",
    "replica_scope",
]


class DocumentNotFound(DealOSError):
    """No such document, or not one the viewer may see (the same words for both)."""


@dataclass(frozen=True, slots=True)
class DocumentLine:
    document_id: str
    deal_id: str | None
    fund_id: str | None
    filename: str
    title: str | None
    media_type: str
    size_bytes: int
    sha256: str
    audience: str
    on_this_computer: bool

    @property
    def name(self) -> str:
        return self.title or self.filename

    @property
    def kind(self) -> str:
        return kind_in_words(self.media_type)

    @property
    def shared_with_lps(self) -> bool:
        return self.audience == LP_AUDIENCE


def replica_scope(ws: Workspace) -> Scope:
    """What this replica's own user may see of what it holds."""
    viewer = current_viewer(ws)
    if not viewer.roles and not viewer.scope.whole_org:
        return Scope(whole_org=True)  # a deal reader's replica: the server chose its rows
    return viewer.scope


def _lines(
    ws: Workspace,
    scope: Scope,
    *,
    deal_id: str | None = None,
    fund_id: str | None = None,
    document_id: str | None = None,
) -> list[DocumentLine]:
    blobs = BlobStore.beside(ws.store.data_dir)
    with reading(ws) as conn:
        store = SqlProjection(conn, ws.org_id)
        query = (
            select(documents)
            .select_from(documents)
            .outerjoin(
                deals,
                (deals.c.org_id == documents.c.org_id) & (deals.c.deal_id == documents.c.deal_id),
            )
            .where(documents.c.org_id == ws.org_id)
        )
        seen = scope.document_clause(
            store,
            deal_id=documents.c.deal_id,
            fund_id=documents.c.fund_id,
            audience=documents.c.audience,
            deal_fund_id=deals.c.fund_id,
        )
        if seen is not None:
            query = query.where(seen)
        if deal_id is not None:
            query = query.where(documents.c.deal_id == deal_id)
        if fund_id is not None:
            query = query.where(documents.c.fund_id == fund_id)
        if document_id is not None:
            query = query.where(documents.c.document_id == document_id)
        rows = conn.execute(
            query.order_by(documents.c.title, documents.c.filename, documents.c.document_id)
        ).mappings()
        return [
            DocumentLine(
                document_id=r["document_id"],
                deal_id=r["deal_id"],
                fund_id=r["fund_id"],
                filename=r["filename"],
                title=r["title"],
                media_type=r["media_type"],
                size_bytes=int(r["size_bytes"]),
                sha256=r["sha256"],
                audience=r["audience"],
                on_this_computer=blobs.has(r["sha256"]),
            )
            for r in rows
        ]


def list_documents(
    ws: Workspace,
    *,
    deal_id: str | None = None,
    fund_id: str | None = None,
    scope: Scope | None = None,
) -> list[DocumentLine]:
    """The documents of one deal or one fund (its own, not its deals'), by name."""
    return _lines(ws, scope or replica_scope(ws), deal_id=deal_id, fund_id=fund_id)


def document_line(ws: Workspace, document_id: str, *, scope: Scope | None = None) -> DocumentLine:
    found = _lines(ws, scope or replica_scope(ws), document_id=document_id)
    if not found:
        raise DocumentNotFound(f"no document {document_id} here")
    return found[0]


def open_copy(
    ws: Workspace, document_id: str, target: Path, *, scope: Scope | None = None
) -> DocumentLine:
    """Copy the document's file to ``target``, its bytes checked against the hash the
    signed op names."""
    line = document_line(ws, document_id, scope=scope)
    BlobStore.beside(ws.store.data_dir).copy_out(line.sha256, target)
    return line
