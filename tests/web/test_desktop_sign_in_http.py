"""An LP's desktop signs in by an emailed approval, over HTTP with every answer in view.

Harbor Point (Maria, GP) has one LP, Pension Fund, whose officer is an LP user. The
officer's laptop, "Officer's laptop", asks to sign in: the server answers 202 with a
request id, a poll secret, a check code and an expiry, and mails the officer (through a
local SMTP server) a link to the approval page. Until someone presses Approve the poll says
pending; a GET of the page, a form without its CSRF token and a wrong token approve
nothing; the approval hands the poller one session and then refuses it. An unknown
address and a staff address get the same 202 and the same pending poll, and no mail. A web
magic link and a desktop request for the same LP at the same time both work; "This wasn't
me" ends the request; a request nobody approves expires.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from desktop_approval import (
    APPROVAL,
    approval_letter,
    approval_links,
    csrf_of,
    press,
    wait_for_approval_link,
)
from jsonschema import Draft202012Validator
from live_server import LiveServer, create_org, free_port, settings_for
from portal_mailbox import Inbox, portal_server

from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.sync.client import SyncClient
from core.sync.engine import SyncEngine

__all__ = ["portal_server"]

PASSWORD = "correct horse battery staple"
POLL = "/v1/auth/desktop-link/poll"


@dataclass
class Harbor:
    server: LiveServer
    inbox: Inbox
    gp_email: str
    officer: str
    lp_id: str


def _harbor(server: LiveServer, inbox: Inbox, tmp_path: Path) -> Harbor:
    gp_email = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(server.settings, name="Harbor Point", email=gp_email, password=PASSWORD)
    gp, _ = enroll_device(
        tmp_path / "gp", server=server.url, email=gp_email, password=PASSWORD, device_name="gp"
    )
    lp_id, officer, user = new_id(), f"officer+{new_id()[-12:]}@pension.example", new_id()
    gp.submit_wire(
        "lp.create", entity_id=lp_id, payload={"name": "Pension Fund", "lp_type": "institution"}
    )
    gp.submit_wire(
        "user.invite",
        entity_id=user,
        payload={"email": officer, "display_name": "Officer", "roles": ["lp"]},
    )
    gp.submit_wire(
        "entitlement.grant",
        entity_id=new_id(),
        payload={"user_id": user, "scope_type": "lp", "scope_id": lp_id},
    )
    client = SyncClient(server.url, token=gp.keys.secret(f"session:{gp.device_id}"))
    try:
        SyncEngine(gp, client).run_once()
    finally:
        client.close()
    gp.close()
    return Harbor(server, inbox, gp_email, officer, lp_id)


@pytest.fixture
def harbor(
    portal_server: tuple[LiveServer, Inbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Harbor:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    server, inbox = portal_server
    return _harbor(server, inbox, tmp_path)


def _ask(http: httpx.Client, email: str, device: str = "Officer's laptop") -> dict[str, Any]:
    answer = http.post("/v1/auth/desktop-link", json={"email": email, "device_name": device})
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def _poll(http: httpx.Client, asked: dict[str, Any], secret: str | None = None) -> httpx.Response:
    body = {"request_id": asked["request_id"], "poll_secret": secret or asked["poll_secret"]}
    return http.post(POLL, json=body)


def _refused(answer: httpx.Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "invalid_or_expired_token"


def _pending(answer: httpx.Response) -> None:
    assert (answer.status_code, answer.json()) == (202, {"status": "pending"}), answer.text


def _schema_of(http: httpx.Client, path: str, status: str) -> Draft202012Validator:
    doc = http.get("/v1/openapi.json").json()
    schema = doc["paths"][path]["post"]["responses"][status]["content"]["application/json"]
    root = {**schema["schema"], "components": doc["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_pending_until_approved_then_one_session_then_refused(harbor: Harbor) -> None:
    with httpx.Client(base_url=harbor.server.url, follow_redirects=False) as http:
        asked = _ask(http, harbor.officer)
        assert set(asked) == {"request_id", "poll_secret", "check_code", "expires_at", "interval"}
        assert re.fullmatch(r"\d{3} \d{3}", asked["check_code"])
        assert asked["interval"] == 3
        _schema_of(http, "/v1/auth/desktop-link", "202").validate(asked)
        _pending(_poll(http, asked))
        _refused(_poll(http, asked, secret="A" * 43))  # a wrong secret, whatever the address

        link = wait_for_approval_link(harbor.inbox, harbor.officer)
        letter = approval_letter(harbor.inbox, harbor.officer)
        assert "Computer: Officer's laptop" in letter
        assert f"Check code: {asked['check_code']}" in letter
        assert "press Approve" in letter
        assert asked["poll_secret"] not in letter

        # Opening the page (a person, a mail scanner) approves nothing, however often.
        address = link.partition("#")[0]
        for _ in range(2):
            page = http.get(address)
            assert page.status_code == 200
            assert "Sign in to Deal OS on your computer?" in page.text
            assert "Officer&#39;s laptop" in page.text
            assert asked["check_code"] in page.text
            assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
            assert page.headers["X-Frame-Options"] == "DENY"
        _pending(_poll(http, asked))

        # The form needs its CSRF token, and the emailed token: nothing changes without.
        token = link.partition("#token=")[2]
        form = {"request": asked["request_id"], "token": token, "decision": "approve"}
        forged = http.post("/portal/approve-device", data=form)
        assert forged.status_code == 403
        assert "Nothing was changed" in forged.text
        forged = http.post("/portal/approve-device", data={**form, "csrf": "0" * 64})
        assert forged.status_code == 403
        wrong = http.post(
            "/portal/approve-device", data={**form, "token": "x" * 43, "csrf": csrf_of(page)}
        )
        assert wrong.status_code == 410
        assert "This sign-in request has expired" in wrong.text
        _pending(_poll(http, asked))

        _, approved = press(http, link)
        assert approved.status_code == 200
        assert "Your computer is signing in" in approved.text

        granted = _poll(http, asked)
        assert granted.status_code == 200, granted.text
        _schema_of(http, POLL, "200").validate(granted.json())
        session = granted.json()
        assert session["roles"] == ["lp"]
        bearer = {"Authorization": f"Bearer {session['session_token']}"}
        assert http.get("/v1/sync/pull?after=0", headers=bearer).status_code == 200
        # Exactly once: the next poll, another approval, the page — all refused.
        _refused(_poll(http, asked))
        _, again = press(http, link)
        assert again.status_code == 410
        assert http.get(address).status_code == 410


def test_unknown_and_staff_addresses_get_the_same_answers_and_no_mail(harbor: Harbor) -> None:
    with httpx.Client(base_url=harbor.server.url, follow_redirects=False) as http:
        known = _ask(http, harbor.officer)
        strangers = [_ask(http, "nobody@nowhere.example"), _ask(http, harbor.gp_email)]
        for asked in (known, *strangers):
            assert set(asked) == set(known)
            _pending(_poll(http, asked))
        wait_for_approval_link(harbor.inbox, harbor.officer)
        time.sleep(0.5)
        assert approval_links(harbor.inbox, "nobody@nowhere.example") == []
        assert approval_links(harbor.inbox, harbor.gp_email) == []
        for asked in strangers:
            _pending(_poll(http, asked))
            _refused(_poll(http, asked, secret=known["poll_secret"]))
        # Bad input is a clear 422, never a 500; a device name cannot carry a web address.
        bad = http.post(
            "/v1/auth/desktop-link",
            json={"email": harbor.officer, "device_name": "see https://evil.example"},
        )
        assert bad.status_code == 422
        assert bad.json()["error"]["field"] == "device_name"
        assert http.post(POLL, json={"request_id": "nope", "poll_secret": "x"}).status_code == 422


def test_a_web_link_and_a_desktop_request_for_the_same_lp_both_work(harbor: Harbor) -> None:
    inbox = harbor.inbox
    with httpx.Client(base_url=harbor.server.url, follow_redirects=False) as http:
        asked = _ask(http, harbor.officer)
        form = http.get("/portal/sign-in")
        sent = http.post("/portal/sign-in", data={"email": harbor.officer, "csrf": csrf_of(form)})
        assert sent.status_code == 303
        web_link = inbox.wait_for_link(harbor.officer)
        desktop_link = wait_for_approval_link(inbox, harbor.officer)
        # The web signs in first; the desktop's request is untouched by it.
        confirm = http.get("/portal/confirm")
        signed = http.post(
            "/portal/confirm",
            data={"token": web_link.split("#token=")[1], "csrf": csrf_of(confirm)},
        )
        assert signed.status_code == 303
        assert signed.headers["Location"] == "/portal"
        _pending(_poll(http, asked))
        # The desktop's token is not a web link, nor the reverse.
        desktop_token = desktop_link.split("#token=")[1]
        assert (
            http.post("/v1/auth/magic-link/consume", json={"token": desktop_token}).status_code
            == 401
        )
    with httpx.Client(base_url=harbor.server.url, follow_redirects=False) as browser:
        _, approved = press(browser, desktop_link)
        assert approved.status_code == 200
        assert _poll(browser, asked).status_code == 200
        # A second web link after the desktop signed in works as well.
        form = browser.get("/portal/sign-in")
        browser.post("/portal/sign-in", data={"email": harbor.officer, "csrf": csrf_of(form)})
        second = inbox.wait_for_link(harbor.officer, 2)
        confirm = browser.get("/portal/confirm")
        again = browser.post(
            "/portal/confirm", data={"token": second.split("#token=")[1], "csrf": csrf_of(confirm)}
        )
        assert again.status_code == 303


def test_this_was_not_me_ends_the_request(harbor: Harbor) -> None:
    with httpx.Client(base_url=harbor.server.url, follow_redirects=False) as http:
        asked = _ask(http, harbor.officer, device="Unknown PC")
        link = wait_for_approval_link(harbor.inbox, harbor.officer)
        _, denied = press(http, link, "deny")
        assert denied.status_code == 200
        assert "Nothing was signed in" in denied.text
        _refused(_poll(http, asked))
        _, late = press(http, link)
        assert late.status_code == 410
        _refused(_poll(http, asked))
        choose = http.post(
            "/portal/approve-device",
            data={"csrf": csrf_of(http.get("/portal/sign-in")), "decision": "maybe"},
        )
        assert choose.status_code == 422


@pytest.fixture
def brief_server(
    pg_database: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harbor]:
    """Requests that last two seconds instead of fifteen minutes; mail in the drop folder."""
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    port = free_port()
    settings = settings_for(pg_database, tmp_path / "server", port).with_(magic_link_ttl_seconds=2)
    live = LiveServer(settings, port)
    live.start()
    try:
        yield _harbor(live, Inbox(), tmp_path)
    finally:
        live.close()


def test_a_request_nobody_approves_expires_alike_for_every_address(brief_server: Harbor) -> None:
    drop = brief_server.server.settings.mail_drop_dir
    with httpx.Client(base_url=brief_server.server.url, follow_redirects=False) as http:
        known = _ask(http, brief_server.officer)
        unknown = _ask(http, "nobody@nowhere.example")
        for asked in (known, unknown):
            _pending(_poll(http, asked))
        link = wait_for_approval_link(drop, brief_server.officer)
        assert APPROVAL.fullmatch(link)
        # Past both requests' own expiry, by the server's word, whatever the machine's load.
        deadline = max(
            dt.datetime.fromisoformat(str(a["expires_at"]).replace("Z", "+00:00"))
            for a in (known, unknown)
        )
        time.sleep(max(0.0, (deadline - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
        for asked in (known, unknown):
            _refused(_poll(http, asked))
        page = http.get(link.partition("#")[0])
        assert page.status_code == 410
        assert "ask again on your computer" in page.text
        _, late = press(http, link)
        assert late.status_code == 410


def test_of_polls_racing_after_the_approval_exactly_one_gets_the_session(harbor: Harbor) -> None:
    with httpx.Client(base_url=harbor.server.url, follow_redirects=False) as http:
        asked = _ask(http, harbor.officer)
        _, approved = press(http, wait_for_approval_link(harbor.inbox, harbor.officer))
        assert approved.status_code == 200

    def poll() -> int:
        with httpx.Client(base_url=harbor.server.url) as own:
            return _poll(own, asked).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(lambda _: poll(), range(6)))
    assert statuses == [200, 401, 401, 401, 401, 401]
