"""Extract a document's deal terms into a draft, and drain the queue.

A draft is never the deal's: each proposal carries its page and quote, and the quote is
looked for on that page of the document's own text (core.documents.text_pages). A quote
not found there is unverified: shown as such, and never accepted as read
(core.extraction.acceptance accepts, edits and rejects a draft's fields).

A document too long for one request is read in runs of pages, each under the request's
token budget; pages past the document's budget are not read, and the draft says so. When
the endpoint cannot be reached, or its breaker is open, the document is queued; the next
``extract`` (or ``extract --pending``) asks again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.documents.blob_store import BlobStore
from core.documents.listing import DocumentLine, document_line
from core.documents.text_pages import DocumentText, PageText, text_of
from core.errors import DealOSError
from core.extraction.drafts import (
    Proposal,
    cached_draft,
    dequeue,
    enqueue,
    queued_documents,
    store_draft,
)
from core.extraction.endpoint import EndpointDown, ExtractionFailed, TermsEndpoint
from core.extraction.quotes import find_quote
from core.extraction.settings import AiSettings
from core.extraction.terms import (
    PROMPT_VERSION,
    DealTerms,
    TermName,
)

__all__ = [
    "Draft",
    "ExtractionOutcome",
    "cached_draft_of",
    "drain_pending",
    "extract_document",
    "read_in_runs",
]

_CHARS_PER_TOKEN: Final = 4  # a cautious estimate for English prose and numbers


@dataclass(frozen=True, slots=True)
class Draft:
    document: DocumentLine
    model: str
    proposals: tuple[Proposal, ...]
    notes: tuple[str, ...]
    from_cache: bool


@dataclass(frozen=True, slots=True)
class ExtractionOutcome:
    document_id: str
    draft: Draft | None
    queued_because: str | None = None
    problem: str | None = None  # a document that could not be extracted, in words


def _tokens(text: str) -> int:
    return len(text) // _CHARS_PER_TOKEN + 1


def _framed(page: PageText, limit_tokens: int) -> str:
    body = page.text[: limit_tokens * _CHARS_PER_TOKEN]
    return f"=== page {page.number} ===\n{body}\n"


def read_in_runs(text: DocumentText, settings: AiSettings) -> tuple[list[str], list[str]]:
    """The requests a document is read in (runs of whole pages within the request's
    budget) and what was left unread, in words."""
    runs: list[str] = []
    notes: list[str] = []
    current: list[str] = []
    used = spent = 0
    readable = [p for p in text.pages if p.has_text_layer]
    for index, page in enumerate(readable):
        framed = _framed(page, settings.tokens_per_request)
        cost = _tokens(framed)
        if spent + cost > settings.tokens_per_document:
            rest = readable[index:]
            notes.append(
                f"pages {rest[0].number}–{rest[-1].number} were not read: the document is "
                f"past its budget of {settings.tokens_per_document:,} tokens"
            )
            break
        if current and used + cost > settings.tokens_per_request:
            runs.append("".join(current))
            current, used = [], 0
        current.append(framed)
        used += cost
        spent += cost
    if current:
        runs.append("".join(current))
    return runs, notes


def _proposals(terms: Sequence[DealTerms], text: DocumentText) -> list[Proposal]:
    """Each term once: the first verified proposal of it, else its first."""
    chosen: dict[str, Proposal] = {}
    for answer in terms:
        for item in answer.terms:
            page = text.page(item.page)
            span = None if page is None else find_quote(page.text, item.quote)
            proposal = Proposal(item.term.value, item.value, item.page, item.quote, span)
            held = chosen.get(proposal.term)
            if held is None or (not held.verified and proposal.verified):
                chosen[proposal.term] = proposal
    order = {t.value: i for i, t in enumerate(TermName)}
    return sorted(chosen.values(), key=lambda p: order[p.term])


def cached_draft_of(ws: Workspace, line: DocumentLine, settings: AiSettings) -> Draft | None:
    """The kept draft of ``line``'s file by ``settings``' model, or None."""
    with reading(ws) as conn:
        found = cached_draft(conn, line.sha256, settings.model, PROMPT_VERSION)
    if found is None:
        return None
    return Draft(line, settings.model, found.proposals, found.notes, from_cache=True)


def extract_document(
    ws: Workspace, document_id: str, settings: AiSettings, *, fresh: bool = False
) -> ExtractionOutcome:
    """The draft of a document's terms: from the cache when this model has read this
    file with this prompt (unless ``fresh``), else from the endpoint; queued when the
    endpoint cannot be reached. :class:`ExtractionFailed` for a wrong answer."""
    line = document_line(ws, document_id)
    if not fresh:
        draft = cached_draft_of(ws, line, settings)
        if draft is not None:
            with reading(ws) as conn:
                waiting = document_id in queued_documents(conn)
            if waiting:
                with ws.store.transaction() as conn:
                    dequeue(conn, document_id)
            return ExtractionOutcome(document_id, draft)
    blobs = BlobStore.beside(ws.store.data_dir)
    if not blobs.has(line.sha256):
        raise ExtractionFailed(
            f"the file of {line.name} is not on this computer yet; sync, then extract again"
        )
    text = text_of(blobs.read_verified(line.sha256), line.media_type)
    notes = list(text.notes)
    runs, unread = read_in_runs(text, settings)
    notes.extend(unread)
    if not runs:
        raise ExtractionFailed(f"{line.name} has no text to read: " + "; ".join(notes))
    endpoint = TermsEndpoint(settings)
    answers: list[DealTerms] = []
    try:
        for run in runs:
            answers.append(endpoint.ask(run))
    except EndpointDown as exc:
        with ws.store.transaction() as conn:
            enqueue(conn, document_id, str(exc))
        return ExtractionOutcome(document_id, None, queued_because=str(exc))
    proposals = _proposals(answers, text)
    with ws.store.transaction() as conn:
        store_draft(conn, line.sha256, settings.model, PROMPT_VERSION, proposals, notes)
        dequeue(conn, document_id)
    return ExtractionOutcome(
        document_id, Draft(line, settings.model, tuple(proposals), tuple(notes), False)
    )


def drain_pending(ws: Workspace, settings: AiSettings) -> Iterator[ExtractionOutcome]:
    """Ask again for every queued document, oldest first, until the endpoint fails again
    (the rest stay queued). A document that cannot be extracted leaves the queue."""
    with reading(ws) as conn:
        waiting = queued_documents(conn)
    for document_id in waiting:
        try:
            outcome = extract_document(ws, document_id, settings)
        except DealOSError as exc:
            with ws.store.transaction() as conn:
                dequeue(conn, document_id)
            yield ExtractionOutcome(document_id, None, problem=str(exc))
            continue
        yield outcome
        if outcome.queued_because is not None:
            return
