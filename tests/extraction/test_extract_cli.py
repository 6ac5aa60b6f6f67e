"""``dealos document extract`` and ``dealos document accept`` as Gail runs them: a process
of its own over the real SQLite file, the real ``openai`` client talking to the local
endpoint named by ``OPENAI_BASE_URL``, its key in ``OPENAI_API_KEY``, the model in
``DEALOS_AI_MODEL``.

She extracts the Harbor Point memorandum: every proposed term is printed with its page,
its quote and whether the quote is on that page. The draft writes nothing into the deal.
Accepting a term whose quote was not found is refused; accepting the draft signs one
deal update whose values are confirmed, naming the document, page and quote. With the
endpoint down, her term sheet is queued; ``extract --pending`` reads it once it is back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from chat_server import ChatServer, free_port, terms_reply
from sample_documents import OM_TERMS, OM_UNVERIFIED_NOI, offering_memorandum, term_sheet

from core.commands.workspace import Workspace
from core.keys import KEYRING_FILE_ENV
from core.ops.payloads.deals import DealCreatePayload

DRAFT = terms_reply(
    ("deal_name", "Harbor Point Apartments", 1, "Harbor Point Apartments"),
    *OM_TERMS,
    OM_UNVERIFIED_NOI,
)


class Gail:
    def __init__(self, root: Path, endpoint: str) -> None:
        self.data = root / "acme"
        self.keyring = root / "keyring.json"
        self.endpoint = endpoint

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            KEYRING_FILE_ENV: str(self.keyring),
            "DEALOS_DATA_DIR": str(self.data),
            "OPENAI_BASE_URL": self.endpoint,
            "OPENAI_API_KEY": "sk-test",
            "DEALOS_AI_MODEL": "harbor-test-model",
        }
        return subprocess.run(
            [sys.executable, "-m", "core.cli.main", *map(str, args)],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def ok(self, *args: str | Path) -> list[str]:
        proc = self.run(*args)
        assert proc.returncode == 0, f"dealos {args} failed: {proc.stderr}"
        return proc.stdout.splitlines()

    def ops(self) -> list[tuple[str, bytes]]:
        con = sqlite3.connect(self.data / "dealos.db")
        try:
            return list(con.execute("SELECT kind, envelope FROM op_log ORDER BY local_seq"))
        finally:
            con.close()


@pytest.fixture
def harbor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Gail, str]:
    gail = Gail(tmp_path, "")
    gail.ok("init", "--org", "Acme Capital", "--user", "gail@acme.example", "--name", "Gail Park")
    monkeypatch.setenv(KEYRING_FILE_ENV, str(gail.keyring))
    ws = Workspace.open(gail.data)
    try:
        deal = ws.submit(DealCreatePayload(name="Harbor Point", currency="USD")).entity_id
    finally:
        ws.close()
    return gail, deal


def test_gail_extracts_reviews_and_accepts_the_memorandum(
    harbor: tuple[Gail, str], tmp_path: Path
) -> None:
    gail, deal = harbor
    today = dt.datetime.now(dt.UTC).date().isoformat()
    with ChatServer() as chat:
        gail.endpoint = chat.base_url
        chat.script(DRAFT)
        om = gail.ok("document", "add", offering_memorandum(tmp_path / "OM.pdf"), "--deal", deal)[0]
        before = len(gail.ops())
        lines = gail.ok("document", "extract", om)
        assert lines[0] == (
            "OM.pdf: 7 terms proposed by harbor-test-model (a draft: nothing is written into "
            "the deal)"
        )
        shown = "\n".join(lines)
        assert (
            "  Asking price           $48,500,000              page 2   "
            "“Asking price: $48,500,000”  verified"
        ) in lines
        assert (
            "  Net operating income   $2,910,000               page 1   "
            "“Net operating income: $2,910,000”  NOT VERIFIED: the quote is not on page 1"
        ) in lines
        assert "note: page 3 has no text layer (a scanned image); OCR is not available yet" in lines
        assert lines[-1] == (
            "an unverified term is not shown as fact and cannot be accepted; type it by hand"
        )
        assert "Deal name" in shown
        assert len(gail.ops()) == before  # a draft signs nothing

        refused = gail.run("document", "accept", om, "--field", "noi")
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            "dealos: Net operating income cannot be accepted: its quote is not on page 1 of "
            "the document, so it is not shown as fact; type the value by hand if it is right"
        )
        unknown = gail.run("document", "accept", om, "--field", "price")
        assert unknown.stderr.startswith("dealos: 'price' is not a deal term; the terms are ")
        assert len(gail.ops()) == before

        assert gail.ok("document", "reject", om, "--field", "cap_rate") == [
            "rejected: Cap rate % 6.00% (page 2)"
        ]
        accepted = gail.ok("document", "accept", om)
        assert accepted == [
            "accepted Deal name: Harbor Point Apartments (page 1)",
            "accepted Sponsor: Meridian Residential Partners (page 1)",
            "accepted Units: 312 (page 2)",
            "accepted Asking price: $48,500,000 (page 2)",
            "accepted Debt terms: $31,525,000 at 5.85% fixed (page 4)",
            "not accepted Net operating income: its quote is not on page 1 of the document, "
            "so it is not shown as fact; type the value by hand if it is right",
            "not accepted Cap rate %: you rejected it",
            "signed one deal update with 5 confirmed terms",
        ]
        # Typed by Gail over the unverified quote; then she changes her mind on the cap rate.
        assert gail.ok("document", "accept", om, "--set", "noi=$2,910,000") == [
            "accepted Net operating income: $2,910,000 (typed by you, its quote not found)",
            "signed one deal update with 1 confirmed terms",
        ]
        assert gail.ok("document", "accept", om, "--field", "Cap rate %")[0] == (
            "accepted Cap rate %: 6.00% (page 2)"
        )
        assert gail.ok("document", "source", "--deal", deal, "--field", "asking_price") == [
            "Harbor Point Apartments · Asking price: USD 48,500,000.00",
            "source: OM.pdf, page 2",
            "quote: “Asking price: $48,500,000”",
            f"Document: OM.pdf added by Gail Park ({today})",
            f"Extraction: harbor-test-model proposed “$48,500,000” from page 2 ({today})",
            "Confirmed: Gail Park signed asking price = USD 48,500,000.00 (as the model read "
            f"it) ({today})",
        ]
        review = gail.ok("document", "review", om)
        assert review[0] == "OM.pdf: 7 terms proposed by harbor-test-model"
        assert all(line.endswith("accepted") for line in review[1:]), review
        assert len(chat.requests) == 1  # accept read the kept draft
    kind, envelope = gail.ops()[-3]
    assert kind == "deal.update"
    payload = json.loads(envelope)["payload"]
    assert payload["name"] == "Harbor Point Apartments"
    price = payload["fields"]["asking_price"]
    assert price["value"] == "48500000"
    assert price["provenance"] == "confirmed"
    assert price["source_document_id"] == om
    assert price["source_page"] == 2
    quote = price["quote"]
    assert quote["method"] == "ai"
    assert quote["model_name"] == "harbor-test-model"
    assert len(quote["sha256"]) == 64
    assert quote["end"] - quote["start"] == len("Asking price: $48,500,000")
    assert "cap_rate" not in payload["fields"]  # rejected then
    typed = json.loads(gail.ops()[-2][1])["payload"]["fields"]["noi"]
    assert typed == {"value": "2910000", "provenance": "manual"}
    cap = json.loads(gail.ops()[-1][1])["payload"]["fields"]["cap_rate"]
    assert (cap["value"], cap["provenance"], cap["quote"]["method"]) == ("6", "confirmed", "ai")
    con = sqlite3.connect(gail.data / "dealos.db")
    try:
        rows = dict(
            ((f, (v, p, d, pg)) for f, v, p, d, pg in con.execute(
                "SELECT field, value, provenance, source_document_id, source_page "
                "FROM deal_fields WHERE deal_id = ?", (deal,),
            ))
        )  # fmt: skip
    finally:
        con.close()
    assert rows["units"] == ("312", "confirmed", om, 2)
    assert rows["sponsor"] == ("Meridian Residential Partners", "confirmed", om, 1)
    assert rows["noi"] == ("2910000.00", "manual", None, None)


def test_with_the_endpoint_down_the_term_sheet_waits_and_is_read_when_it_returns(
    harbor: tuple[Gail, str], tmp_path: Path
) -> None:
    gail, deal = harbor
    port = free_port()
    gail.endpoint = f"http://127.0.0.1:{port}/v1"
    sheet = gail.ok("document", "add", term_sheet(tmp_path / "Term sheet.docx"), "--deal", deal)[0]
    down = gail.run("document", "extract", sheet)
    assert down.returncode == 3
    assert down.stdout.splitlines() == [
        f"queued: http://127.0.0.1:{port}/v1: it cannot be reached, after 4 tries",
        "it is read when the endpoint answers: dealos document extract --pending",
    ]
    with ChatServer(port) as chat:
        chat.script(terms_reply(("asking_price", "$48,500,000", 1, "Purchase price: $48,500,000")))
        lines = gail.ok("document", "extract", "--pending")
        assert lines[0].startswith("Term sheet.docx: 1 terms proposed by harbor-test-model")
        assert lines[1].endswith("“Purchase price: $48,500,000”  verified")
        assert gail.ok("document", "extract", "--pending") == []  # the queue is empty
        assert len(chat.requests) == 1
