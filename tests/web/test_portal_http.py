"""The portal over HTTP, as a browser would speak it but with every header in view.

Pension Fund's officer (tests/web/portal_world.py) asks for a link, confirms it by a form
POST and holds an HttpOnly, SameSite=Strict session cookie. A POST without the form's
CSRF token changes nothing; a used link answers the expired page; another LP's call, a
random id and an address that does not exist answer the same 404 page and each is in the
audit log; signing out ends the session on the server.
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

from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
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


def _audit(world: PortalWorld) -> list[tuple[str, str | None, str | None]]:
    engine = create_engine(psycopg_url(world.server.settings.database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT event, entity_id, actor_id FROM server_audit WHERE org_id = :o "
                    "AND event LIKE 'portal.%' ORDER BY seq"
                ),
                {"o": world.org_id},
            )
            return [tuple(r) for r in rows]
    finally:
        engine.dispose()


def _sign_in(http: httpx.Client, world: PortalWorld, inbox: Inbox, n: int = 1) -> str:
    form = http.get("/portal/sign-in")
    sent = http.post("/portal/sign-in", data={"email": world.investor, "csrf": _csrf(form)})
    assert sent.status_code == 303
    assert sent.headers["Location"] == "/portal/sign-in/sent"
    return inbox.wait_for_link(world.investor, n).split("#token=")[1]


def test_sign_in_cookie_csrf_replay_tampered_ids_and_sign_out(
    world: tuple[PortalWorld, Inbox],
) -> None:
    w, inbox = world
    with httpx.Client(base_url=w.server.url, follow_redirects=False) as http:
        assert http.get("/portal").headers["Location"] == "/portal/sign-in"
        form = http.get("/portal/sign-in")
        headers = form.headers
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        # No token, no link: the form is refused and nothing is mailed.
        refused = http.post("/portal/sign-in", data={"email": w.investor})
        assert refused.status_code == 403
        assert "Nothing was changed" in refused.text
        forged = http.post("/portal/sign-in", data={"email": w.investor, "csrf": "0" * 64})
        assert forged.status_code == 403
        token = _sign_in(http, w, inbox)
        assert inbox.links(w.investor) == [f"{w.server.url}/portal/confirm#token={token}"]
        # Opening the confirm page spends nothing; its POST needs the form's token too.
        confirm = http.get("/portal/confirm")
        assert confirm.status_code == 200
        assert http.post("/portal/confirm", data={"token": token}).status_code == 403
        signed = http.post("/portal/confirm", data={"token": token, "csrf": _csrf(confirm)})
        assert signed.status_code == 303
        assert signed.headers["Location"] == "/portal"
        cookie = signed.headers["Set-Cookie"]
        assert cookie.startswith("dealos_portal=")
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Path=/portal" in cookie
        assert "Secure" not in cookie  # plain HTTP here; see the TLS case below
        overview = http.get("/portal")
        assert overview.status_code == 200
        assert "Harbor Point Fund I" in overview.text
        assert "Granite" not in overview.text
        # The same link again: the expired page, which offers a new one.
        again = http.post("/portal/confirm", data={"token": token, "csrf": _csrf(confirm)})
        assert again.status_code == 410
        assert "This link has expired" in again.text
        assert "Send me a new link" in again.text

        base = f"/portal/lp/{w.pension}/funds/{w.fund}"
        assert http.get(f"{base}/calls/{w.calls[0]}/notice.pdf").status_code == 200
        not_found = http.get("/portal/no-such-page").text
        before = len(_audit(w))
        for path in (
            f"{base}/calls/{w.granite_call}/notice.pdf",  # another LP's call
            f"{base}/calls/{new_id()}/notice.pdf",  # a random id
            f"/portal/lp/{w.granite}/funds/{w.fund}",  # another LP's position
            f"/portal/lp/{w.pension}/funds/{new_id()}",  # no such fund
            f"{base}/statements/1999Q1.pdf",  # before the LP's first commitment
            f"/portal/documents/{new_id()}",
        ):
            answer = http.get(path)
            assert answer.status_code == 404, path
            assert answer.text == not_found, path
        entries = _audit(w)[before:]
        assert [e[0] for e in entries] == ["portal.not_found"] * 6
        assert entries[0][1] == w.granite_call
        assert entries[2][1] == w.granite
        assert all(e[2] is not None for e in entries)

        # Signing out needs the token too, then ends the session on the server.
        assert http.post("/portal/sign-out").status_code == 403
        assert http.get("/portal").status_code == 200
        out = http.post("/portal/sign-out", data={"csrf": _csrf(overview)})
        assert out.status_code == 303
        assert (
            'dealos_portal=""' in out.headers["Set-Cookie"]
            or "Max-Age=0" in out.headers["Set-Cookie"]
        )
        stale = httpx.get(
            f"{w.server.url}/portal",
            cookies={"dealos_portal": signed.cookies["dealos_portal"]},
            follow_redirects=False,
        )
        assert stale.status_code == 303


def test_the_cookie_is_secure_behind_tls_and_each_link_is_its_own(
    world: tuple[PortalWorld, Inbox],
) -> None:
    w, inbox = world
    tls = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=w.server.url, follow_redirects=False) as http:
        first = _sign_in(http, w, inbox, 1)
        # The desktop's own request (the JSON API) issues another, independent token.
        assert http.post("/v1/auth/magic-link", json={"email": w.investor}).status_code == 202
        second = _sign_in(http, w, inbox, 2)
        assert first != second
    with httpx.Client(base_url=w.server.url, follow_redirects=False, headers=tls) as https:
        confirm = https.get("/portal/confirm")
        assert "Secure" in confirm.headers["Set-Cookie"]  # the CSRF cookie
        # A Secure cookie travels over TLS only: this client speaks plain HTTP to the
        # server behind the "proxy", so it hands the cookie back itself.
        secret = confirm.cookies["dealos_portal_csrf"]
        signed = https.post(
            "/portal/confirm",
            data={"token": second, "csrf": _csrf(confirm)},
            headers={"Cookie": f"dealos_portal_csrf={secret}"},
        )
        assert signed.status_code == 303
        assert "Secure" in signed.headers["Set-Cookie"]
        # The other links still work: spending one never spent another.
        [desktop] = inbox.links(w.investor, "/lp/sign-in")
        consumed = httpx.post(
            f"{w.server.url}/v1/auth/magic-link/consume", json={"token": desktop.split("=")[1]}
        )
        assert consumed.status_code == 200
        with httpx.Client(base_url=w.server.url, follow_redirects=False) as other:
            page = other.get("/portal/confirm")
            assert (
                other.post(
                    "/portal/confirm", data={"token": first, "csrf": _csrf(page)}
                ).status_code
                == 303
            )
