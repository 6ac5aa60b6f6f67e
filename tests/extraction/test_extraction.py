"""Extraction of deal terms with the real ``openai`` client against a local endpoint that
speaks chat completions with structured output.

Gail's Harbor Point memorandum (4 pages, page 3 a scanned image) is read by the model;
each proposed term carries its page and quote, checked against the page's own text. An
answer of the wrong shape is refused in words; a 429 is waited out as Retry-After says;
a slow or absent endpoint queues the document, the breaker opens after repeated
failures, and the queue drains when the endpoint is back. Nothing here reaches the deal
until a person accepts it.
"""

from __future__ import annotations

import json
import time

import pytest
from chat_server import ChatServer, Reply, free_port, settings_for, terms_reply
from harbor_deal import DealWithMemo
from sample_documents import OM_TERMS

from core.commands.deal_editing import field_sources
from core.extraction import drain_pending, extract_document
from core.extraction.endpoint import ExtractionFailed
from core.store.local_schema import extraction_queue

GOOD = terms_reply(*OM_TERMS)


def _queued(deal: DealWithMemo) -> list[tuple[str, int]]:
    with deal.ws.store.engine.connect() as conn:
        rows = conn.execute(
            extraction_queue.select().order_by(extraction_queue.c.document_id)
        ).mappings()
        return [(r["document_id"], int(r["attempts"])) for r in rows]


def test_the_model_proposes_terms_with_verified_quotes_and_the_answer_is_kept(
    deal: DealWithMemo, chat: ChatServer
) -> None:
    chat.script(GOOD)
    settings = settings_for(chat.base_url)
    outcome = extract_document(deal.ws, deal.memo_id, settings)
    draft = outcome.draft
    assert draft is not None
    assert not draft.from_cache
    assert [(p.term, p.page, p.verified) for p in draft.proposals] == [
        ("sponsor", 1, True),
        ("units", 2, True),
        ("asking_price", 2, True),
        ("cap_rate", 2, True),
        ("debt_terms", 4, True),
    ]
    assert draft.notes == ("page 3 has no text layer (a scanned image); OCR is not available yet",)
    # The request: structured output of the deal terms schema, the pages framed by number.
    ((_, request),) = chat.requests
    assert request["model"] == "harbor-test-model"
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["strict"] is True
    user = request["messages"][1]["content"]
    assert "=== page 2 ===" in user
    assert "=== page 3 ===" not in user  # no text to send
    assert "Asking price: $48,500,000" in user

    # Asked again: the same file, model and prompt version answer from the store, without
    # a request (how quickly is bench/intake.py's figure, not a unit test's).
    again = extract_document(deal.ws, deal.memo_id, settings)
    assert again.draft is not None
    assert again.draft.from_cache
    assert again.draft.proposals == draft.proposals
    assert len(chat.requests) == 1
    # Nothing reached the deal.
    assert field_sources(deal.ws, deal.deal_id) == {}


def test_a_quote_not_on_its_page_is_flagged_unverified(
    deal: DealWithMemo, chat: ChatServer
) -> None:
    chat.script(
        terms_reply(
            ("asking_price", "$52,000,000", 2, "Asking price: $52,000,000"),
            ("occupancy", "94.5%", 1, "Occupancy: 94.5% as of October 2026"),  # page 2 has it
            ("noi", "$2,910,000", 9, "Net operating income: $2,910,000"),  # no page 9
        )
    )
    draft = extract_document(deal.ws, deal.memo_id, settings_for(chat.base_url)).draft
    assert draft is not None
    assert {p.term: p.verified for p in draft.proposals} == {
        "asking_price": False,
        "occupancy": False,
        "noi": False,
    }
    assert all(p.span is None for p in draft.proposals)


def test_a_malformed_answer_is_refused_in_words_and_not_kept(
    deal: DealWithMemo, chat: ChatServer
) -> None:
    chat.script(Reply(content=json.dumps({"terms": [{"term": "asking_price"}]})))
    settings = settings_for(chat.base_url)
    with pytest.raises(ExtractionFailed, match=r"^the model's answer was not the deal terms"):
        extract_document(deal.ws, deal.memo_id, settings)
    chat.script(Reply(content="Sure! The asking price is $48.5M."))
    with pytest.raises(ExtractionFailed, match=r"^the model's answer was not"):
        extract_document(deal.ws, deal.memo_id, settings)
    assert len(chat.requests) == 2  # a wrong answer is not retried
    assert _queued(deal) == []
    chat.script(GOOD)
    draft = extract_document(deal.ws, deal.memo_id, settings).draft
    assert draft is not None
    assert not draft.from_cache


def test_a_429_is_waited_out_as_retry_after_says(deal: DealWithMemo, chat: ChatServer) -> None:
    busy = Reply(status=429, headers={"Retry-After": "1"})
    chat.script(busy, GOOD)
    draft = extract_document(deal.ws, deal.memo_id, settings_for(chat.base_url)).draft
    assert draft is not None
    assert len(draft.proposals) == 5
    (first, _), (second, _) = chat.requests
    assert second - first >= 1.0


def test_a_refused_key_is_said_and_not_queued(deal: DealWithMemo, chat: ChatServer) -> None:
    chat.script(Reply(status=401, body={"error": {"message": "bad key"}}))
    with pytest.raises(ExtractionFailed, match=r" refused the key \(HTTP 401\)$"):
        extract_document(deal.ws, deal.memo_id, settings_for(chat.base_url))
    assert _queued(deal) == []


def test_a_slow_endpoint_times_out_and_the_document_waits(
    deal: DealWithMemo, chat: ChatServer
) -> None:
    chat.script(Reply(delay=1.5, content="{}"), Reply(delay=1.5, content="{}"))
    settings = settings_for(chat.base_url, timeout_seconds=0.3, attempts=2)
    outcome = extract_document(deal.ws, deal.memo_id, settings)
    assert outcome.draft is None
    assert outcome.queued_because == (
        f"{chat.base_url}: it did not answer within 0.3 seconds, after 2 tries"
    )
    assert _queued(deal) == [(deal.memo_id, 1)]


def test_endpoint_down_opens_the_breaker_queues_and_drains_when_back(
    deal: DealWithMemo,
) -> None:
    port = free_port()
    settings = settings_for(
        f"http://127.0.0.1:{port}/v1", attempts=2, breaker_failures=2, breaker_reset_seconds=1
    )
    first = extract_document(deal.ws, deal.memo_id, settings)
    assert (
        first.queued_because == f"http://127.0.0.1:{port}/v1: it cannot be reached, after 2 tries"
    )
    second = extract_document(deal.ws, deal.memo_id, settings)
    assert second.queued_because is not None
    assert second.queued_because.startswith(
        f"http://127.0.0.1:{port}/v1 failed 2 times in a row, so extraction waits; "
        "it is tried again after "
    )
    # Open: nothing is sent, the document stays queued, its attempts counted.
    third = extract_document(deal.ws, deal.memo_id, settings)
    assert third.queued_because == second.queued_because
    assert _queued(deal) == [(deal.memo_id, 3)]

    with ChatServer(port) as chat:
        chat.script(GOOD)
        time.sleep(1.1)  # the breaker's reset time: one request may try again
        drained = list(drain_pending(deal.ws, settings))
        assert len(drained) == 1
        assert drained[0].draft is not None
        assert len(drained[0].draft.proposals) == 5
        assert len(chat.requests) == 1
    assert _queued(deal) == []


def test_a_long_document_is_read_in_runs_within_the_token_budget(
    deal: DealWithMemo, chat: ChatServer
) -> None:
    chat.script(
        terms_reply(("sponsor", "Meridian", 1, "Sponsor: Meridian Residential Partners")),
        terms_reply(("debt_terms", "5.85% fixed", 4, "at 5.85% fixed, 5-year term")),
    )
    # Pages are about 40 tokens: one page per request, and page 4 past the document's budget
    settings = settings_for(chat.base_url, tokens_per_request=60, tokens_per_document=120)
    draft = extract_document(deal.ws, deal.memo_id, settings).draft
    assert draft is not None
    sent = [r["messages"][1]["content"] for _, r in chat.requests]
    assert len(sent) == 2
    assert sent[0].startswith("=== page 1 ===")
    assert sent[1].startswith("=== page 2 ===")
    assert "pages 4–4 were not read: the document is past its budget of 120 tokens" in draft.notes
    # The second answer's quote is on page 4, which was not read: its page's text still
    # verifies it (the whole document is checked), the first is verified on page 1.
    assert [(p.term, p.verified) for p in draft.proposals] == [
        ("sponsor", True),
        ("debt_terms", True),
    ]
