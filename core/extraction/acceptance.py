"""Review a draft field by field: accept as read, accept with an edit, or reject.

Accepting signs one ``deal.update``. Each value is ``confirmed`` and names the document,
the page, the quote's characters on that page, how the value was read (``ai`` when taken
as proposed, ``manual`` when the reviewer typed it beside the quote) and the model that
proposed it; who confirmed is the op's signer. A proposal whose quote is not on its page
is never accepted as read: the reviewer may type the value instead, which is then the
reviewer's own (``manual`` provenance, no document named: its quote was not found).

Rejecting marks the proposal in the kept draft: the review shows it rejected and
"accept all" passes it by; accepting it by name later is the reviewer's explicit change
of mind. A draft's fields are never the deal's until accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlalchemy import select

from core.commands.reading import reading
from core.commands.workspace import OpResult, Workspace
from core.documents.listing import DocumentLine, document_line
from core.domain.deal_fields import DEAL_FIELDS, Provenance, check_field_value
from core.errors import DealOSError
from core.extraction.drafts import Proposal, mark_rejected
from core.extraction.review import Draft, cached_draft_of
from core.extraction.settings import AiSettings
from core.extraction.terms import PROMPT_VERSION, TERM_FIELDS, TERM_WORDS, TermName, field_value
from core.ops.payloads.deals import DealFieldValue, DealUpdatePayload, QuoteSource
from core.store.schema import deal_fields, deals
from core.views.fund_admin import entity_version

__all__ = [
    "AcceptedFields",
    "NothingToAccept",
    "ReviewLine",
    "ReviewState",
    "accept_fields",
    "reject_fields",
    "review_lines",
]


class NothingToAccept(DealOSError):
    """An accept or reject that cannot be done as asked (said in words); nothing is written."""


class ReviewState(StrEnum):
    TO_REVIEW = "to review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNVERIFIED = "unverified"  # the quote is not on its page: type the value to accept


@dataclass(frozen=True, slots=True)
class AcceptedFields:
    accepted: tuple[Proposal, ...]
    skipped: tuple[tuple[Proposal, str], ...]  # and why, in words
    result: OpResult | None


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """One proposed term as the reviewer sees it."""

    proposal: Proposal
    label: str  # "Asking price"
    state: ReviewState
    why_not: str | None  # why it cannot be accepted as read, in words


def _why_not(proposal: Proposal) -> str | None:
    if not proposal.verified:
        return (
            f"its quote is not on page {proposal.page} of the document, so it is not "
            "shown as fact; type the value by hand if it is right"
        )
    return None


def _same(held: str, proposed: str | None) -> bool:
    """The deal holds the proposed value: equal as numbers ("2910000.00" and "2910000")
    or, for text, as written."""
    if proposed is None:
        return False
    try:
        return Decimal(held) == Decimal(proposed)
    except InvalidOperation:
        return held.strip() == proposed.strip()


def _term_named(word: str) -> TermName:
    wanted = word.strip().casefold()
    for term in TermName:
        if wanted in (term.value, TERM_WORDS[term].casefold()):
            return term
    known = ", ".join(t.value for t in TermName)
    raise NothingToAccept(f"{word!r} is not a deal term; the terms are {known}")


def _draft(ws: Workspace, line: DocumentLine, settings: AiSettings) -> Draft:
    draft = cached_draft_of(ws, line, settings)
    if draft is None:
        raise NothingToAccept(
            f"{line.name} has no extraction by {settings.model} yet: extract it first"
        )
    return draft


def _deal_document(ws: Workspace, document_id: str) -> tuple[DocumentLine, str]:
    line = document_line(ws, document_id)
    if line.deal_id is None:
        raise NothingToAccept(f"{line.name} is a fund's document: its terms fill no deal")
    return line, line.deal_id


def review_lines(
    ws: Workspace, document_id: str, settings: AiSettings
) -> tuple[Draft, tuple[ReviewLine, ...]]:
    """The kept draft and each of its proposals' state against the deal as it stands."""
    line, deal_id = _deal_document(ws, document_id)
    draft = _draft(ws, line, settings)
    with reading(ws) as conn:
        held = {
            r.field: (r.source_document_id, r.source_page, r.value)
            for r in conn.execute(
                select(
                    deal_fields.c.field,
                    deal_fields.c.source_document_id,
                    deal_fields.c.source_page,
                    deal_fields.c.value,
                ).where(deal_fields.c.org_id == ws.org_id, deal_fields.c.deal_id == deal_id)
            )
        }
        name = conn.execute(
            select(deals.c.name).where(deals.c.org_id == ws.org_id, deals.c.deal_id == deal_id)
        ).scalar()
    lines = []
    for proposal in draft.proposals:
        term = TermName(proposal.term)
        if term is TermName.DEAL_NAME:
            accepted = name == proposal.value.strip()[:200]
        else:
            # In the deal from this page, or the deal holds the value proposed (typed in).
            now = held.get(TERM_FIELDS[term])
            accepted = now is not None and (
                now[:2] == (line.document_id, proposal.page)
                or _same(now[2], field_value(term, proposal.value))
            )
        why = _why_not(proposal)
        if accepted:
            state = ReviewState.ACCEPTED
        elif proposal.rejected:
            state = ReviewState.REJECTED
        elif why is not None:
            state = ReviewState.UNVERIFIED
        else:
            state = ReviewState.TO_REVIEW
        lines.append(ReviewLine(proposal, TERM_WORDS[term], state, why))
    return draft, tuple(lines)


def _value(
    term: TermName, proposal: Proposal, typed: str | None, line: DocumentLine, model: str
) -> DealFieldValue | str:
    """The field's value as accepted, or why it cannot be, in words."""
    raw = proposal.value if typed is None else typed
    spec = DEAL_FIELDS[TERM_FIELDS[term]]
    value = field_value(term, raw)
    if value is None:
        return f"{raw!r} has no number in it"
    problem = check_field_value(spec, value)
    if problem is not None:
        return f"{raw!r} {problem}"
    if proposal.span is None:
        # Typed by the reviewer over an unverified quote: the reviewer's own value, as if
        # typed on the deal; the model's page and quote were not found, so none is named.
        return DealFieldValue(value=value, provenance=Provenance.MANUAL)
    return DealFieldValue(
        value=value,
        provenance=Provenance.CONFIRMED,
        source_document_id=line.document_id,
        source_page=proposal.page,
        quote=QuoteSource(
            sha256=line.sha256,
            start=proposal.span[0],
            end=proposal.span[1],
            method="ai" if typed is None else "manual",
            model_name=model,
        ),
    )


def accept_fields(
    ws: Workspace,
    document_id: str,
    settings: AiSettings,
    fields: Sequence[str] = (),
    *,
    edits: Mapping[str, str] | None = None,
) -> AcceptedFields:
    """Sign one ``deal.update`` with the draft's verified, unrejected proposals — or only
    ``fields`` and the terms in ``edits`` (term → the value the reviewer typed)."""
    line, deal_id = _deal_document(ws, document_id)
    draft = _draft(ws, line, settings)
    by_term = {p.term: p for p in draft.proposals}
    typed = {_term_named(k): v.strip() for k, v in (edits or {}).items()}
    named = list(dict.fromkeys([*(_term_named(f) for f in fields), *typed]))
    chosen: list[Proposal] = []
    skipped: list[tuple[Proposal, str]] = []
    for term in named:
        proposal = by_term.get(term.value)
        if proposal is None:
            raise NothingToAccept(
                f"the draft proposes no {TERM_WORDS[term].lower()}; type it on the deal instead"
            )
        why = None if term in typed else _why_not(proposal)
        if why is not None:
            raise NothingToAccept(f"{TERM_WORDS[term]} cannot be accepted: {why}")
        if term in typed and not typed[term]:
            raise NothingToAccept(f"{TERM_WORDS[term]}: the typed value is empty")
        chosen.append(proposal)
    if not named:
        for proposal in draft.proposals:
            why = "you rejected it" if proposal.rejected else _why_not(proposal)
            if why is None:
                chosen.append(proposal)
            else:
                skipped.append((proposal, why))
    name: str | None = None
    values: dict[str, DealFieldValue] = {}
    accepted: list[Proposal] = []
    for proposal in chosen:
        term = TermName(proposal.term)
        if term is TermName.DEAL_NAME:
            name = typed.get(term, proposal.value).strip()[:200]
            accepted.append(proposal)
            continue
        value = _value(term, proposal, typed.get(term), line, settings.model)
        if isinstance(value, str):
            if named:
                raise NothingToAccept(f"{TERM_WORDS[term]} cannot be accepted: {value}")
            skipped.append((proposal, value))
            continue
        values[TERM_FIELDS[term]] = value
        accepted.append(proposal)
    if name is None and not values:
        return AcceptedFields((), tuple(skipped), None)
    command = (
        DealUpdatePayload(name=name, fields=values) if name else DealUpdatePayload(fields=values)
    )
    version = entity_version(ws, deal_id)
    result = ws.submit(command, entity_id=deal_id, base_version=version)
    taken = {p.term for p in accepted}
    if any(p.rejected for p in accepted):
        with ws.store.transaction() as conn:
            mark_rejected(conn, line.sha256, settings.model, PROMPT_VERSION, taken, False)
    return AcceptedFields(tuple(accepted), tuple(skipped), result)


def reject_fields(
    ws: Workspace,
    document_id: str,
    settings: AiSettings,
    fields: Sequence[str],
    *,
    undo: bool = False,
) -> tuple[Proposal, ...]:
    """Mark ``fields`` of the draft rejected (or, with ``undo``, to review again); the
    proposals marked. Nothing is signed: a draft is this computer's own."""
    line, _ = _deal_document(ws, document_id)
    draft = _draft(ws, line, settings)
    if not fields:
        raise NothingToAccept("name the terms to reject, e.g. --field noi")
    by_term = {p.term: p for p in draft.proposals}
    terms = [_term_named(f) for f in fields]
    for term in terms:
        if term.value not in by_term:
            raise NothingToAccept(f"the draft proposes no {TERM_WORDS[term].lower()}")
    wanted = {t.value for t in terms}
    with ws.store.transaction() as conn:
        mark_rejected(conn, line.sha256, settings.model, PROMPT_VERSION, wanted, not undo)
    return tuple(p for p in draft.proposals if p.term in wanted)
