"""Where the key comes from (the keyring before the environment, never in a repr), the
refusal without any key, and how a proposed value is written as its deal field stores it;
a queued document whose answer is then malformed leaves the queue, said in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_server import ChatServer, Reply, free_port, settings_for
from harbor_deal import DealWithMemo

from core.extraction import AiSettings, drain_pending, extract_document
from core.extraction.endpoint import ExtractionFailed, TermsEndpoint
from core.extraction.settings import API_KEY_SECRET
from core.extraction.terms import TermName, field_value
from core.keys import FileKeyring, KeyStore


def test_the_key_is_read_from_the_keyring_first_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-environment")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("DEALOS_AI_MODEL", "local-llama")
    keys = KeyStore(FileKeyring(tmp_path / "keyring.json"))
    assert AiSettings.from_environment(keys).api_key == "sk-from-environment"
    keys.save_secret(API_KEY_SECRET, "sk-from-keyring")
    settings = AiSettings.from_environment(keys)
    assert settings.api_key == "sk-from-keyring"
    assert settings.model == "local-llama"
    assert settings.base_url == "http://127.0.0.1:9/v1"
    assert "sk-from" not in repr(settings)


def test_without_any_key_the_openai_api_is_not_asked() -> None:
    with pytest.raises(ExtractionFailed) as caught:
        TermsEndpoint(AiSettings(model="gpt-4o-mini"))
    assert str(caught.value) == (
        "no key for the OpenAI API: store one in the keyring (dealos document ai-key) or set "
        "OPENAI_API_KEY, or point OPENAI_BASE_URL at an endpoint that needs none"
    )
    # A local endpoint needs none.
    assert TermsEndpoint(AiSettings(base_url="http://127.0.0.1:9/v1")).client.api_key


@pytest.mark.parametrize(
    ("term", "said", "stored"),
    [
        (TermName.ASKING_PRICE, "$48,500,000", "48500000"),
        (TermName.ASKING_PRICE, "$48.5 million", "48500000"),
        (TermName.NOI, "USD 2,910,000.50", "2910000.5"),
        (TermName.CAP_RATE, "6.00%", "6"),
        (TermName.OCCUPANCY, "94.5% as of October 2026", "94.5"),
        (TermName.UNITS, "312 apartment homes", "312"),
        (TermName.UNITS, "312.5", None),
        (TermName.SQUARE_FEET, "about", None),
        (TermName.SPONSOR, " Meridian Residential Partners ", "Meridian Residential Partners"),
    ],
)
def test_a_proposed_value_is_written_as_its_field_stores_it(
    term: TermName, said: str, stored: str | None
) -> None:
    assert field_value(term, said) == stored


def test_a_queued_document_answered_wrongly_leaves_the_queue_in_words(
    deal: DealWithMemo,
) -> None:
    port = free_port()
    settings = settings_for(f"http://127.0.0.1:{port}/v1", attempts=1)
    assert extract_document(deal.ws, deal.memo_id, settings).queued_because is not None
    with ChatServer(port) as chat:
        chat.script(Reply(content=json.dumps({"terms": "none"})))
        (outcome,) = drain_pending(deal.ws, settings)
    assert outcome.draft is None
    assert outcome.problem is not None
    assert outcome.problem.startswith("the model's answer was not the deal terms asked for")
    assert list(drain_pending(deal.ws, settings)) == []
