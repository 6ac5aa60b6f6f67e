"""The replica's extraction tables: drafts cached by (document hash, model, prompt
version), and the documents queued while the endpoint cannot be reached."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from core.store.local_schema import extraction_queue, extraction_results

__all__ = [
    "CachedDraft",
    "Proposal",
    "cached_draft",
    "dequeue",
    "enqueue",
    "mark_rejected",
    "queued_documents",
    "store_draft",
]


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed term, with its page, its quote and where the quote is on the page
    (``span`` is None when it is not there: unverified)."""

    term: str
    value: str
    page: int
    quote: str
    span: tuple[int, int] | None
    rejected: bool = False  # the reviewer said no: kept, shown as rejected, never accepted

    @property
    def verified(self) -> bool:
        return self.span is not None

    def wire(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "value": self.value,
            "page": self.page,
            "quote": self.quote,
            "span": None if self.span is None else list(self.span),
            "rejected": self.rejected,
        }

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Proposal:
        span = raw["span"]
        return cls(
            str(raw["term"]),
            str(raw["value"]),
            int(raw["page"]),
            str(raw["quote"]),
            None if span is None else (int(span[0]), int(span[1])),
            bool(raw.get("rejected", False)),
        )


@dataclass(frozen=True, slots=True)
class CachedDraft:
    proposals: tuple[Proposal, ...]
    notes: tuple[str, ...]
    created_at: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def cached_draft(conn: Connection, sha256: str, model: str, version: str) -> CachedDraft | None:
    row = conn.execute(
        select(extraction_results.c.proposals, extraction_results.c.created_at).where(
            extraction_results.c.sha256 == sha256,
            extraction_results.c.model == model,
            extraction_results.c.prompt_version == version,
        )
    ).first()
    if row is None:
        return None
    body = json.loads(row[0])
    return CachedDraft(
        tuple(Proposal.of(p) for p in body["proposals"]), tuple(body["notes"]), str(row[1])
    )


def _body(proposals: Sequence[Proposal], notes: Sequence[str]) -> str:
    return json.dumps({"proposals": [p.wire() for p in proposals], "notes": list(notes)})


def store_draft(
    conn: Connection,
    sha256: str,
    model: str,
    version: str,
    proposals: list[Proposal],
    notes: list[str],
) -> None:
    keys = {"sha256": sha256, "model": model, "prompt_version": version}
    conn.execute(
        delete(extraction_results).where(
            *(getattr(extraction_results.c, k) == v for k, v in keys.items())
        )
    )
    conn.execute(
        insert(extraction_results).values(
            **keys, created_at=_now(), proposals=_body(proposals, notes)
        )
    )


def mark_rejected(
    conn: Connection, sha256: str, model: str, version: str, terms: Collection[str], rejected: bool
) -> CachedDraft | None:
    """Mark (or clear) the reviewer's "no" on ``terms`` of a kept draft; the draft as kept."""
    found = cached_draft(conn, sha256, model, version)
    if found is None:
        return None
    proposals = tuple(
        replace(p, rejected=rejected) if p.term in terms else p for p in found.proposals
    )
    conn.execute(
        update(extraction_results)
        .where(
            extraction_results.c.sha256 == sha256,
            extraction_results.c.model == model,
            extraction_results.c.prompt_version == version,
        )
        .values(proposals=_body(proposals, found.notes))
    )
    return CachedDraft(proposals, found.notes, found.created_at)


def enqueue(conn: Connection, document_id: str, problem: str) -> None:
    found = conn.execute(
        select(extraction_queue.c.attempts).where(extraction_queue.c.document_id == document_id)
    ).first()
    if found is None:
        conn.execute(
            insert(extraction_queue).values(
                document_id=document_id, queued_at=_now(), attempts=1, problem=problem
            )
        )
        return
    conn.execute(
        update(extraction_queue)
        .where(extraction_queue.c.document_id == document_id)
        .values(attempts=int(found[0]) + 1, problem=problem)
    )


def dequeue(conn: Connection, document_id: str) -> None:
    conn.execute(delete(extraction_queue).where(extraction_queue.c.document_id == document_id))


def queued_documents(conn: Connection) -> list[str]:
    rows = conn.execute(
        select(extraction_queue.c.document_id).order_by(
            extraction_queue.c.queued_at, extraction_queue.c.document_id
        )
    ).all()
    return [str(r[0]) for r in rows]
