"""AI extraction of deal terms from a deal's documents: a draft of proposed fields, each
with its page and exact quote, checked against the document's own text; accepted field by
field into signed ``deal.update`` ops (docs/DOCUMENTS.md)."""

from core.extraction.acceptance import (
    AcceptedFields,
    NothingToAccept,
    ReviewLine,
    ReviewState,
    accept_fields,
    reject_fields,
    review_lines,
)
from core.extraction.review import Draft, ExtractionOutcome, drain_pending, extract_document
from core.extraction.settings import AiSettings
from core.extraction.terms import PROMPT_VERSION, DealTerms, ProposedTerm, TermName

__all__ = [
    "PROMPT_VERSION",
    "AcceptedFields",
    "AiSettings",
    "DealTerms",
    "Draft",
    "ExtractionOutcome",
    "NothingToAccept",
    "ProposedTerm",
    "ReviewLine",
    "ReviewState",
    "TermName",
    "accept_fields",
    "drain_pending",
    "extract_document",
    "reject_fields",
    "review_lines",
]
