"""A real organization on a real SQLite file with a deal and its offering memorandum, and
the local chat completions endpoint the real ``openai`` client talks to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chat_server import ChatServer
from harbor_deal import DealWithMemo
from sample_documents import offering_memorandum

from core.commands.workspace import Workspace
from core.documents import add_document
from core.keys import FileKeyring, KeyStore
from core.ops.payloads.deals import DealCreatePayload


@pytest.fixture
def deal(tmp_path: Path) -> Iterator[DealWithMemo]:
    keys = KeyStore(FileKeyring(tmp_path / "keyring.json"))
    ws = Workspace.init(
        tmp_path / "acme",
        org_name="Acme Capital",
        email="gail@acme.example",
        display_name="Gail Park",
        keys=keys,
    )
    deal_id = ws.submit(DealCreatePayload(name="Harbor Point", currency="USD")).entity_id
    memo = add_document(ws, offering_memorandum(tmp_path / "Harbor Point OM.pdf"), deal_id=deal_id)
    yield DealWithMemo(ws, deal_id, memo.document_id, memo.sha256)
    ws.close()


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server
