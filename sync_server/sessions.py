"""Sessions: opaque random bearer tokens, stored only as their SHA-256.

A session belongs to one user of one organization, expires, and ends early on logout,
logout-everywhere, a password change, a change of the user's roles, or the revocation of
the device it is bound to (a session is bound to the device it enrolled or pushed for).
A token is looked up before its organization is known through the SECURITY DEFINER
function ``dealos_session_for_token`` (server migration 0007), which returns the one live
session whose hash the caller presented; no policy opens the table by token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Engine

from core.ids import new_id

__all__ = [
    "Caller",
    "IssuedSession",
    "authenticate",
    "bind_device",
    "create_session",
    "hash_token",
    "looks_like_token",
    "new_token",
    "revoke_device_sessions",
    "revoke_session",
    "revoke_user_sessions",
    "roles_of",
]

_TOKEN: Final = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the session's user in its organization."""

    session_id: str
    org_id: str
    user_id: str
    device_id: str | None
    method: str


@dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str
    session_id: str
    expires_at: dt.datetime

    @property
    def expires_at_text(self) -> str:
        return self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_token() -> tuple[str, str]:
    """A fresh token (256 random bits, base64url) and its hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # Tokens are issued as base64url; anything else a client sends just matches nothing.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(token: str) -> bool:
    return bool(_TOKEN.match(token))


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def create_session(
    conn: Connection,
    org_id: str,
    user_id: str,
    *,
    method: str,
    ttl_seconds: int,
    device_id: str | None = None,
) -> IssuedSession:
    """Insert a session in the caller's transaction (already scoped to ``org_id``)."""
    token, digest = new_token()
    session_id = new_id()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    expires = now + dt.timedelta(seconds=ttl_seconds)
    _cur(conn).execute(
        "INSERT INTO sessions (org_id, session_id, token_hash, user_id, device_id, method, "
        "created_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (org_id, session_id, digest, user_id, device_id, method, now, expires),
    )
    return IssuedSession(token, session_id, expires)


def authenticate(engine: Engine, token: str) -> Caller | None:
    """The live session for ``token``, or None (unknown, expired and revoked alike)."""
    if not looks_like_token(token):
        return None
    with engine.begin() as conn:
        cur = _cur(conn)
        cur.execute(
            "SELECT session_id, org_id, user_id, device_id, method "
            "FROM dealos_session_for_token(%s)",
            (hash_token(token),),
        )
        row = cur.fetchone()
    return None if row is None else Caller(*row)


def roles_of(conn: Connection, user_id: str) -> list[str]:
    cur = _cur(conn)
    cur.execute(
        "SELECT role FROM memberships WHERE org_id = current_setting('dealos.org_id', true) "
        "AND user_id = %s ORDER BY role",
        (user_id,),
    )
    return [r[0] for r in cur.fetchall()]


def bind_device(conn: Connection, session_id: str, device_id: str) -> None:
    _cur(conn).execute(
        "UPDATE sessions SET device_id = %s WHERE session_id = %s AND device_id IS NULL "
        "AND org_id = current_setting('dealos.org_id', true)",
        (device_id, session_id),
    )


def _revoke(conn: Connection, where: str, value: str) -> int:
    cur = _cur(conn)
    cur.execute(
        f"UPDATE sessions SET revoked_at = now() WHERE {where} = %s "  # noqa: S608 (fixed names)
        "AND revoked_at IS NULL AND org_id = current_setting('dealos.org_id', true)",
        (value,),
    )
    return int(cur.rowcount)


def revoke_session(conn: Connection, session_id: str) -> int:
    return _revoke(conn, "session_id", session_id)


def revoke_user_sessions(conn: Connection, user_id: str) -> int:
    return _revoke(conn, "user_id", user_id)


def revoke_device_sessions(conn: Connection, device_id: str) -> int:
    return _revoke(conn, "device_id", device_id)
