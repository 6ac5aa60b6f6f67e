"""An LP's desktop signs in by an emailed approval: no token is ever copied by hand.

Like OAuth's device grant. The desktop asks for a sign-in for an email address and gets a
request id, a poll secret, a short check code and an expiry; it polls with the secret. The
server mails the address — only if it is an external user's, after the answer, so neither
the words nor the timing say whether it is known — a link to a portal page that shows the
computer's name, when it asked and the check code, with a button that approves (a POST:
opening the link spends nothing). The next poll collects a session, exactly once.

Who holds what:

* the request id is the request's name, in the desktop and in the email's link; the page
  shows what the request says about the computer, nothing about the person;
* the poll secret is ``HMAC(key, request id)``: the server can tell a right one from a
  wrong one without a row, so a request for an unknown address polls exactly like one for
  a known address (pending until it expires at the same moment, then refused), and a
  wrong secret is refused at once whatever the address;
* the approval token (256 random bits) is in the email only; approving needs it and the
  page's CSRF token;
* only SHA-256 hashes of the secret and of the token are stored.

A request lives as long as a magic link (15 minutes), counts against the magic links'
rate limits, and has its own tokens: it never spends a web link, nor a web link it.
Whatever the approval, a session goes only to a user who, when the desktop collects it,
is active and holds external roles only — a link is never a way in for staff.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy import Connection, Engine

from core.ids import is_uuid, new_id
from sync_server.credentials import find_accounts
from sync_server.database import set_org, tenant_tx
from sync_server.magic_links import signs_in_by_link
from sync_server.request_log import logger
from sync_server.sessions import IssuedSession, create_session, hash_token, roles_of

__all__ = [
    "POLL_INTERVAL_SECONDS",
    "ApprovalLink",
    "Collected",
    "DesktopRequest",
    "RequestShown",
    "SignInKey",
    "collect",
    "decide",
    "record_request",
    "shown",
]

POLL_INTERVAL_SECONDS: Final = 3
SESSION_METHOD: Final = "desktop_link"


class SignInKey:
    """The key poll secrets and check codes are made with, derived from the server's
    secret material: every process behind a load balancer agrees on them."""

    def __init__(self, root: bytes) -> None:
        self._key = hmac.new(root, b"dealos/desktop-sign-in/v1", hashlib.sha256).digest()

    def _mac(self, purpose: str, request_id: str) -> bytes:
        return hmac.new(self._key, f"{purpose}|{request_id}".encode(), hashlib.sha256).digest()

    def poll_secret(self, request_id: str) -> str:
        return base64.urlsafe_b64encode(self._mac("poll", request_id)).rstrip(b"=").decode()

    def check_code(self, request_id: str) -> str:
        """Six digits the desktop and the approval page both show, grouped 3 and 3."""
        number = int.from_bytes(self._mac("check", request_id)[:8], "big") % 1_000_000
        return f"{number // 1000:03d} {number % 1000:03d}"

    def secret_matches(self, request_id: str, poll_secret: str) -> bool:
        return hmac.compare_digest(self.poll_secret(request_id), poll_secret)


def _asked_at(request_id: str) -> dt.datetime | None:
    """When the request was made: the time its UUIDv7 id carries."""
    if not is_uuid(request_id, version=7):
        return None
    millis = int(request_id[:8] + request_id[9:13], 16)
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC)


def _expiry(asked: dt.datetime, ttl_seconds: int) -> dt.datetime:
    """The request's end, on a whole second: the moment the answer states is the one kept.

    The answer gives ``expires_at`` to the second; an expiry kept to the millisecond would
    leave a request pending for up to a second after the time the client was told.
    """
    end = asked + dt.timedelta(seconds=ttl_seconds)
    whole = end.replace(microsecond=0)
    return whole if whole == end else whole + dt.timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class DesktopRequest:
    request_id: str
    poll_secret: str
    check_code: str
    asked_at: dt.datetime
    expires_at: dt.datetime

    @classmethod
    def new(cls, key: SignInKey, ttl_seconds: int) -> DesktopRequest:
        request_id = new_id()
        asked = _asked_at(request_id)
        assert asked is not None  # new_id() is a UUIDv7
        return cls(
            request_id,
            key.poll_secret(request_id),
            key.check_code(request_id),
            asked,
            _expiry(asked, ttl_seconds),
        )

    @classmethod
    def expiry(cls, request_id: str, ttl_seconds: int) -> dt.datetime | None:
        asked = _asked_at(request_id)
        return None if asked is None else _expiry(asked, ttl_seconds)


@dataclass(frozen=True, slots=True)
class ApprovalLink:
    """What the email to one organization's user carries."""

    org_id: str
    org_name: str
    token: str


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def record_request(
    engine: Engine, email: str, request: DesktopRequest, device_name: str
) -> list[ApprovalLink]:
    """A row, and an approval token to mail, for each organization where ``email`` is an
    external user; nothing for any other address."""
    links = []
    poll_hash = hash_token(request.poll_secret)
    for account in find_accounts(engine, email):
        with tenant_tx(engine, account.org_id) as conn:
            if not signs_in_by_link(roles_of(conn, account.user_id)):
                continue
            token = secrets.token_urlsafe(32)
            cur = _cur(conn)
            cur.execute(
                "INSERT INTO desktop_sign_ins (org_id, request_id, user_id, poll_hash, "
                "approve_hash, device_name, created_at, expires_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    account.org_id,
                    request.request_id,
                    account.user_id,
                    poll_hash,
                    hash_token(token),
                    device_name,
                    request.asked_at,
                    request.expires_at,
                ),
            )
            cur.execute("SELECT name FROM organizations WHERE org_id = %s", (account.org_id,))
            row = cur.fetchone()
            links.append(ApprovalLink(account.org_id, row[0] if row else "Deal OS", token))
    return links


@dataclass(frozen=True, slots=True)
class RequestShown:
    """What the approval page says about a request."""

    device_name: str
    asked_at: dt.datetime
    expires_at: dt.datetime
    open: bool


def shown(engine: Engine, request_id: str) -> RequestShown | None:
    """The request as the approval page shows it; None for an id that names none."""
    if not is_uuid(request_id):
        return None
    with engine.begin() as conn:
        cur = _cur(conn)
        cur.execute(
            "SELECT device_name, created_at, expires_at, open FROM dealos_desktop_sign_in(%s)",
            (request_id,),
        )
        row = cur.fetchone()
    return None if row is None else RequestShown(row[0], row[1], row[2], bool(row[3]))


def decide(engine: Engine, request_id: str, token: str, *, approve: bool) -> bool:
    """Approve (or deny) an open request with the emailed token; False when the token is
    wrong or the request is no longer open."""
    if not is_uuid(request_id) or not 0 < len(token) <= 100:
        return False
    with engine.begin() as conn:
        cur = _cur(conn)
        cur.execute(
            "SELECT org_id, user_id FROM dealos_decide_desktop_sign_in(%s, %s, %s)",
            (request_id, hash_token(token), approve),
        )
        row = cur.fetchone()
    if row is not None:
        event = "desktop_sign_in.approved" if approve else "desktop_sign_in.denied"
        logger().info(event, org_id=row[0], user_id=row[1])
    return row is not None


@dataclass(frozen=True, slots=True)
class Collected:
    """What a poll gets: still pending, refused (expired, denied, already collected, wrong
    secret), or a session."""

    status: Literal["pending", "refused", "granted"]
    org_id: str = ""
    user_id: str = ""
    roles: tuple[str, ...] = ()
    session: IssuedSession | None = None


def collect(
    engine: Engine,
    key: SignInKey,
    request_id: str,
    poll_secret: str,
    *,
    ttl_seconds: int,
    session_ttl: int,
) -> Collected:
    """The poll: a session once the request is approved, exactly once."""
    expires = DesktopRequest.expiry(request_id, ttl_seconds)
    if expires is None or not key.secret_matches(request_id, poll_secret):
        return Collected("refused")
    with engine.begin() as conn:
        cur = _cur(conn)
        cur.execute(
            "SELECT state, org_id, user_id FROM dealos_collect_desktop_sign_in(%s, %s)",
            (request_id, hash_token(poll_secret)),
        )
        row = cur.fetchone()
        if row is None:
            # No row: the address is no external user's (or its mail is still being
            # prepared). Answered as a known address's request would be.
            return Collected("pending" if dt.datetime.now(dt.UTC) < expires else "refused")
        state, org_id, user_id = row
        if state != "approved":
            return Collected("pending" if state == "pending" else "refused")
        set_org(conn, org_id)
        cur.execute(
            "SELECT active FROM users WHERE org_id = %s AND user_id = %s", (org_id, user_id)
        )
        user = cur.fetchone()
        roles = roles_of(conn, user_id)
        if user is None or not user[0] or not signs_in_by_link(roles):
            # Spent all the same (the transaction commits), and refused like a used one.
            logger().warning("desktop_sign_in.refused", org_id=org_id, user_id=user_id)
            return Collected("refused")
        session = create_session(
            conn, org_id, user_id, method=SESSION_METHOD, ttl_seconds=session_ttl
        )
    logger().info("desktop_sign_in.collected", org_id=org_id, user_id=user_id)
    return Collected("granted", org_id, user_id, tuple(roles), session)
