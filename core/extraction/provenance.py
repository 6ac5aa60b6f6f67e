"""Where a deal field's value came from, and where it went: the provenance view.

For one field of one deal: the document page with the exact quote (read again from the
file, checked against its hash, so the characters shown are the file's own), and the
chain — the document, added by whom and when; the extraction that proposed the value
(model, when, from which page); the signed op that confirmed it (who, when, as read or
typed beside the quote); and the financial ops of the deal that were drafted or issued
with the deal's terms in force (its capital calls and distributions).

The quote's characters are kept only in the confirming op (``DealFieldValue.quote``), so
the op log is read for the latest ``deal.create``/``deal.update`` that set the field; a
value set on another computer before this one synced says so rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.documents.blob_store import BlobStore
from core.documents.text_pages import text_of
from core.domain.deal_fields import DEAL_FIELDS
from core.domain.roles import Action
from core.errors import DealOSError
from core.extraction.drafts import cached_draft
from core.extraction.terms import PROMPT_VERSION
from core.store.local_schema import op_log
from core.store.schema import capital_calls, distributions, documents, users
from core.views.deal_view import FieldLine, deal_detail
from core.views.op_words import RecordNames, describe
from core.views.viewer import Viewer

__all__ = ["ChainLink", "FieldProvenance", "QuotedSource", "field_provenance"]

_SETTERS = ("deal.create", "deal.update")
_MONEY_KINDS = (
    "capital_call.create",
    "capital_call.revise",
    "capital_call.issue",
    "distribution.create",
    "distribution.revise",
    "distribution.issue",
)


# A value signed without a quote's span (before spans were kept, or typed): its words.
_UNQUOTED = {
    "confirmed": "confirmed from the document",
    "extracted": "extracted from the document, not yet confirmed",
}
_STEPS = {"confirmed": "Confirmed", "extracted": "Extracted"}


@dataclass(frozen=True, slots=True)
class QuotedSource:
    """The page a value was read on, and the quote's characters ``[start, end)`` on it."""

    document_id: str
    document_name: str
    media_type: str
    sha256: str
    page: int | None
    span: tuple[int, int] | None
    page_text: str | None  # None when the file is not on this computer yet
    method: str | None  # "ai" (taken as proposed) or "manual" (typed beside the quote)
    model_name: str | None

    @property
    def quote(self) -> str | None:
        if self.page_text is None or self.span is None:
            return None
        return self.page_text[self.span[0] : self.span[1]]


@dataclass(frozen=True, slots=True)
class ChainLink:
    step: str  # Document, Extraction, Confirmed, Used by
    text: str  # one sentence in the domain's words
    at: str | None = None
    op_id: str | None = None  # the signed op, for an auditor's cross-check


@dataclass(frozen=True, slots=True)
class FieldProvenance:
    deal_id: str
    deal_name: str
    field: FieldLine
    source: QuotedSource | None
    chain: tuple[ChainLink, ...]


def _setter(rows: Sequence[Any], field: str) -> tuple[Any, dict[str, Any]] | None:
    """The latest op that set ``field``, and the field's value in it."""
    for row in rows:
        payload = json.loads(row.envelope).get("payload", {})
        value = (payload.get("fields") or {}).get(field)
        if isinstance(value, dict):
            return row, value
    return None


def field_provenance(ws: Workspace, viewer: Viewer, deal_id: str, field: str) -> FieldProvenance:
    """The provenance of ``field`` of ``deal_id`` as ``viewer`` may see it."""
    if field not in DEAL_FIELDS:
        raise DealOSError(f"{field!r} is not a deal field")
    detail = deal_detail(ws, viewer, deal_id)
    line = next(f for f in detail.fields if f.name == field)
    with reading(ws) as conn:
        setters = conn.execute(
            select(op_log)
            .where(
                op_log.c.entity_id == deal_id,
                op_log.c.kind.in_(_SETTERS),
                op_log.c.status != "rejected",
            )
            .order_by(op_log.c.local_seq.desc())
        ).all()
        names = dict(
            conn.execute(
                select(users.c.user_id, users.c.display_name).where(users.c.org_id == ws.org_id)
            ).all()
        )
        found = _setter(setters, field)
        doc = None
        added = None
        draft = None
        if found is not None and found[1].get("source_document_id"):
            doc_id = found[1]["source_document_id"]
            doc = conn.execute(
                select(documents).where(
                    documents.c.org_id == ws.org_id, documents.c.document_id == doc_id
                )
            ).first()
            added = conn.execute(
                select(op_log.c.actor_id, op_log.c.issued_at, op_log.c.op_id).where(
                    op_log.c.entity_id == doc_id, op_log.c.kind == "document.add"
                )
            ).first()
            quote = found[1].get("quote") or {}
            if doc is not None and quote.get("model_name"):
                draft = cached_draft(conn, doc.sha256, quote["model_name"], PROMPT_VERSION)
        money_ops: list[Any] = []
        record_names = RecordNames()
        if viewer.can(Action.READ_ORG):
            ids = [
                *conn.execute(
                    select(capital_calls.c.call_id).where(
                        capital_calls.c.org_id == ws.org_id, capital_calls.c.deal_id == deal_id
                    )
                ).scalars(),
                *conn.execute(
                    select(distributions.c.distribution_id).where(
                        distributions.c.org_id == ws.org_id, distributions.c.deal_id == deal_id
                    )
                ).scalars(),
            ]
            if ids:
                money_ops = list(
                    conn.execute(
                        select(op_log)
                        .where(
                            op_log.c.entity_id.in_(ids),
                            op_log.c.kind.in_(_MONEY_KINDS),
                            op_log.c.status != "rejected",
                        )
                        .order_by(op_log.c.local_seq)
                    )
                )
                record_names = RecordNames.load(conn, ws.org_id)
    chain: list[ChainLink] = []
    source: QuotedSource | None = None
    if found is None:
        chain.append(
            ChainLink(
                "Value",
                "No signed change on this computer sets this field"
                + (" yet." if line.value is None else "; sync to read its history."),
            )
        )
        return FieldProvenance(deal_id, detail.name, line, None, tuple(chain))
    setter, value = found
    quote = value.get("quote") or {}
    if doc is not None:
        page_text = None
        blobs = BlobStore.beside(ws.store.data_dir)
        page = value.get("source_page")
        if blobs.has(doc.sha256) and page is not None:
            found_page = text_of(blobs.read_verified(doc.sha256), doc.media_type).page(int(page))
            page_text = None if found_page is None else found_page.text
        span = (int(quote["start"]), int(quote["end"])) if quote else None
        source = QuotedSource(
            doc.document_id,
            doc.filename,
            doc.media_type,
            doc.sha256,
            None if page is None else int(page),
            span,
            page_text,
            quote.get("method"),
            quote.get("model_name"),
        )
        who = names.get(added.actor_id, "someone") if added is not None else "someone"
        chain.append(
            ChainLink(
                "Document",
                f"{doc.filename} added by {who}",
                None if added is None else added.issued_at,
                None if added is None else added.op_id,
            )
        )
        if quote.get("model_name"):
            proposal = None
            if draft is not None:
                proposal = next((p for p in draft.proposals if p.term == field), None)
            read = (
                f"{quote['model_name']} proposed “{proposal.value}” from page {proposal.page}"
                if proposal is not None
                else f"{quote['model_name']} proposed it (read on another computer)"
            )
            chain.append(ChainLink("Extraction", read, None if draft is None else draft.created_at))
    kind = str(value.get("provenance") or "")
    how = {
        "ai": "as the model read it",
        "manual": "typed beside the quote",
    }.get(quote.get("method", ""), _UNQUOTED.get(kind, "typed by hand"))
    chain.append(
        ChainLink(
            _STEPS.get(kind, "Set"),
            f"{names.get(setter.actor_id, 'someone')} signed {line.label.lower()} = "
            f"{line.display} ({how})",
            setter.issued_at,
            setter.op_id,
        )
    )
    for op in money_ops:
        payload = json.loads(op.envelope).get("payload", {})
        chain.append(
            ChainLink(
                "Used by",
                describe(op.kind, op.entity_id, payload, record_names),
                op.issued_at,
                op.op_id,
            )
        )
    return FieldProvenance(deal_id, detail.name, line, source, tuple(chain))
