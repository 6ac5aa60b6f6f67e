"""The browser's side of a portal session: two cookies and the CSRF token of every form.

* ``dealos_portal`` holds the session token (a row of ``sessions``, stored hashed, as any
  session; :mod:`sync_server.sessions`). HttpOnly, so no script reads it; SameSite=Strict,
  so no other site's page sends it; Secure when the request came over TLS (directly or
  as a proxy's ``X-Forwarded-Proto: https`` says).
* ``dealos_portal_csrf`` holds a random browser secret, with the same flags. Every form
  carries ``HMAC(key, secret | session id)``: a page of another site can neither read the
  secret nor compute the token, and a token minted before sign-in is worthless after it
  (signed double submit, bound to the session). A POST without the cookie or with a token
  that does not match is refused before anything is read or written.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from aiohttp import web

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "BrowserKeys",
    "browser_secret",
    "clear_session_cookie",
    "csrf_matches",
    "is_tls",
    "session_token",
    "set_browser_secret",
    "set_session_cookie",
]

SESSION_COOKIE: Final = "dealos_portal"
CSRF_COOKIE: Final = "dealos_portal_csrf"
_PATH: Final = "/portal"
_SECRET_AGE: Final = 24 * 3600


class BrowserKeys:
    """The key CSRF tokens are made with, derived once from the server's secret material."""

    def __init__(self, root: bytes) -> None:
        self._key = hmac.new(root, b"dealos/portal-csrf/v1", hashlib.sha256).digest()

    def token(self, secret: str, session_id: str | None) -> str:
        message = f"{secret}|{session_id or ''}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def is_tls(request: web.Request) -> bool:
    """The browser talks to us over TLS: directly, or through a proxy that says so."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def _cookie(
    response: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=_PATH,
        httponly=True,
        samesite="Strict",
        secure=is_tls(request),
    )


def session_token(request: web.Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def set_session_cookie(
    response: web.StreamResponse, request: web.Request, token: str, max_age: int
) -> None:
    _cookie(response, request, SESSION_COOKIE, token, max_age)


def clear_session_cookie(response: web.StreamResponse, request: web.Request) -> None:
    _cookie(response, request, SESSION_COOKIE, "", 0)


def browser_secret(request: web.Request) -> tuple[str, bool]:
    """The browser's CSRF secret, and whether it is new (then it must be set)."""
    given = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(given) <= 64 and given.replace("-", "").replace("_", "").isalnum():
        return given, False
    return secrets.token_urlsafe(32), True


def set_browser_secret(response: web.StreamResponse, request: web.Request, secret: str) -> None:
    _cookie(response, request, CSRF_COOKIE, secret, _SECRET_AGE)


def csrf_matches(
    keys: BrowserKeys, request: web.Request, posted: str, session_id: str | None
) -> bool:
    """The posted token is the one this browser's secret and this session make."""
    secret = request.cookies.get(CSRF_COOKIE, "")
    if not secret or not posted:
        return False
    return hmac.compare_digest(keys.token(secret, session_id), posted)
