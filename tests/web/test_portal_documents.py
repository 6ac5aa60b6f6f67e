"""Documents the GP shared with Fund I's LPs, downloaded from the portal.

In Harbor Point Fund I (tests/web/portal_world.py), Maria adds from her desktop's command
line the Q4 letter to the LPs, shared with them (a PDF), and the fund's internal
investment memo (kept internal), and syncs: her computer sends both files to the server.
Pension Fund's officer signs in to the portal: the documents page lists the letter and
not the memo; the letter downloads as an attachment under its file name and media type,
the exact bytes Maria added, and the download is in the audit log; the memo's address
answers the portal's 404, audited like any id the officer may not open. A document whose
file has not reached the server yet says so instead of sending anything.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_mailbox import Inbox, portal_server
from portal_world import PortalWorld, build_world
from sqlalchemy import create_engine, text

from core.keys import KEYRING_FILE_ENV
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine
from sync_server.database import psycopg_url

__all__ = ["portal_server"]

CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


@pytest.fixture
def world(
    portal_server: tuple[Any, Inbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[PortalWorld, Inbox]:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    server, inbox = portal_server
    return build_world(server, tmp_path), inbox


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def _signed_in(http: httpx.Client, world: PortalWorld, inbox: Inbox) -> None:
    form = http.get("/portal/sign-in")
    http.post("/portal/sign-in", data={"email": world.investor, "csrf": _csrf(form)})
    token = inbox.wait_for_link(world.investor, 1).split("#token=")[1]
    confirm = http.get("/portal/confirm")
    signed = http.post("/portal/confirm", data={"token": token, "csrf": _csrf(confirm)})
    assert signed.status_code == 303


def _audit(world: PortalWorld) -> list[tuple[str, str | None, str]]:
    engine = create_engine(psycopg_url(world.server.settings.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT event, entity_id, detail FROM server_audit WHERE org_id = :o "
                    "AND event LIKE 'portal.%' ORDER BY seq"
                ),
                {"o": world.org_id},
            )
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        engine.dispose()


def test_an_lp_downloads_the_documents_shared_with_it_and_nothing_else(
    world: tuple[PortalWorld, Inbox], tmp_path: Path
) -> None:
    w, inbox = world
    letter = b"%PDF-1.7\nQ4 2025 letter to the partners of Harbor Point Fund I\n" * 500
    memo = b"%PDF-1.7\ninternal: IC memo on the Fund I pipeline\n" * 50
    (tmp_path / "Q4 letter.pdf").write_bytes(letter)
    (tmp_path / "IC memo.pdf").write_bytes(memo)
    (tmp_path / "Annual meeting.txt").write_text("Agenda: the fund's year.\n")
    shared = w.dealos(
        "document", "add", str(tmp_path / "Q4 letter.pdf"), "--fund", w.fund,
        "--title", "Q4 2025 letter", "--share-with-lps",
    ).splitlines()[0]  # fmt: skip
    internal = w.dealos(
        "document", "add", str(tmp_path / "IC memo.pdf"), "--fund", w.fund
    ).splitlines()[0]
    w.sync()  # the ops, then both files, reach the server
    # Another letter whose op reaches the server before its file does.
    unsent = w.dealos(
        "document", "add", str(tmp_path / "Annual meeting.txt"), "--fund", w.fund,
        "--share-with-lps",
    ).splitlines()[0]  # fmt: skip
    client = SyncClient(w.server.url, token=w.gp.keys.secret(f"session:{w.gp.device_id}"))
    try:
        SyncEngine(w.gp, client, files=False).run_once()
    finally:
        client.close()

    with httpx.Client(base_url=w.server.url, follow_redirects=False) as http:
        _signed_in(http, w, inbox)
        page = http.get("/portal/documents")
        assert page.status_code == 200
        assert "Q4 2025 letter" in page.text
        assert "IC memo" not in page.text
        assert f"/portal/documents/{shared}" in page.text
        assert f"/portal/documents/{internal}" not in page.text

        got = http.get(f"/portal/documents/{shared}")
        assert got.status_code == 200
        assert got.content == letter
        assert got.headers["Content-Type"] == "application/pdf"
        assert got.headers["Content-Disposition"] == 'attachment; filename="Q4 letter.pdf"'
        assert "unsafe-inline" not in got.headers["Content-Security-Policy"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"

        hidden = http.get(f"/portal/documents/{internal}")
        assert hidden.status_code == 404
        assert "There is nothing at this address for you" in hidden.text
        assert memo[:40] not in hidden.content
        waiting = http.get(f"/portal/documents/{unsent}")
        assert waiting.status_code == 503
        assert "“Annual meeting.txt” has not reached the portal yet" in waiting.text
    events = _audit(w)
    sent = "document download from the investor portal: sent"
    assert ("portal.document", shared, sent) in events
    assert ("portal.not_found", internal) in [(e, i) for e, i, _ in events]
    assert (
        "portal.document",
        unsent,
        "document download from the investor portal: not yet available: the file has not "
        "reached the server",
    ) in events
