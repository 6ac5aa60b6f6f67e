"""Approving a desktop's sign-in as a person does it: the link read from the mail the server
sent (a local SMTP server, or the drop folder), the page opened, a button pressed."""

from __future__ import annotations

import email
import re
import time
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "APPROVAL",
    "approval_letter",
    "approval_links",
    "csrf_of",
    "press",
    "wait_for_approval_link",
]

APPROVAL = re.compile(r"https?://\S+/portal/approve-device\?request=[0-9a-f-]{36}#token=[\w-]+")
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def _bodies(source: Any, to: str) -> list[str]:
    """The text of every message to ``to``: from an aiosmtpd inbox, or a drop folder."""
    if isinstance(source, Path):
        messages = [
            email.message_from_bytes(p.read_bytes())
            for p in (sorted(source.glob("*.eml")) if source.exists() else [])
        ]
    else:
        messages = list(source.messages)
    found = []
    for msg in messages:
        body = msg.get_payload(decode=True)
        if msg["To"] == to and isinstance(body, bytes):
            found.append(body.decode())
    return found


def approval_links(source: Any, to: str) -> list[str]:
    return [link for body in _bodies(source, to) for link in APPROVAL.findall(body)]


def wait_for_approval_link(source: Any, to: str, count: int = 1) -> str:
    """The ``count``-th approval link mailed to ``to`` (waiting up to fifteen seconds)."""
    for _ in range(300):
        found = approval_links(source, to)
        if len(found) >= count:
            return found[count - 1]
        time.sleep(0.05)
    raise AssertionError(f"no approval link number {count} was mailed to {to}")


def approval_letter(source: Any, to: str) -> str:
    [body] = [b for b in _bodies(source, to) if APPROVAL.search(b)]
    return body


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


def press(
    http: httpx.Client, link: str, decision: str = "approve"
) -> tuple[httpx.Response, httpx.Response]:
    """Open the link (the fragment stays in the browser) and press a button: the page, and
    the answer to the button's POST."""
    address, _, fragment = link.partition("#")
    page = http.get(address)
    # A page that says the request is gone has no form: its token is the browser's anyway.
    csrf = csrf_of(page if page.status_code == 200 else http.get("/portal/sign-in"))
    request_id = address.split("request=")[1]
    token = fragment.removeprefix("token=")
    form = {"csrf": csrf, "request": request_id, "token": token, "decision": decision}
    return page, http.post("/portal/approve-device", data=form)
