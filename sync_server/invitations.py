"""Invitations: a staff member's one-time sign-in code, and accepting it.

When the server accepts a ``user.invite`` (or attaches an organization whose offline log
invited people), the invited person is emailed through the notice outbox
(:mod:`sync_server.notifications.invitations`). Staff — GP, GP analyst, admin, auditor,
regulator — sign in with a password and an enrolled device, so their email carries a
sign-in code made here: 160 random bits, written as 8 groups of 4 base32 characters, only
its SHA-256 stored, valid for 7 days and once. ``POST /v1/auth/invitation/accept
{email, code, password}`` spends it, sets the password and answers as a login.

The code is looked up before the organization is known, so it is spent inside the
SECURITY DEFINER function ``dealos_redeem_sign_in_code`` (server migration 0014): one
conditional UPDATE, so of concurrent redemptions exactly one wins. The winner then
checks, under the invitation's organization, that the user is still active and holds a
staff role: a code is never a way in for an external reader (who signs in by emailed
link) or for someone removed since. Otherwise the code is spent all the same and the
answer is the one a wrong code gets — wrong, used, expired and refused look alike.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Engine

from sync_server.credentials import set_password
from sync_server.database import set_org
from sync_server.magic_links import signs_in_by_link
from sync_server.request_log import logger
from sync_server.sessions import (
    IssuedSession,
    create_session,
    revoke_user_sessions,
    roles_of,
)

__all__ = [
    "CODE_BITS",
    "Accepted",
    "accept_invitation",
    "code_hash",
    "new_code",
    "signs_in_by_code",
]

CODE_BITS: Final = 160
_GROUP: Final = 4


def new_code() -> tuple[str, str]:
    """A fresh sign-in code, as the email shows it (``ABCD-EFGH-…``), and its hash."""
    letters = base64.b32encode(secrets.token_bytes(CODE_BITS // 8)).decode("ascii")
    shown = "-".join(letters[i : i + _GROUP] for i in range(0, len(letters), _GROUP))
    return shown, code_hash(shown)


def code_hash(code: str) -> str:
    """The stored form of a code, whatever its dashes, spaces or capitals as typed."""
    typed = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(typed.encode("utf-8", "surrogatepass")).hexdigest()


def signs_in_by_code(roles: list[str]) -> bool:
    """A user with ``roles`` is invited with a code: some role, and a staff one."""
    return bool(roles) and not signs_in_by_link(roles)


@dataclass(frozen=True, slots=True)
class Accepted:
    org_id: str
    user_id: str
    session: IssuedSession
    roles: list[str]


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def accept_invitation(
    engine: Engine, email: str, code: str, password_hash: str, session_ttl: int
) -> Accepted | None:
    """Spend the code sent to ``email``, set the user's password (its argon2id hash) and
    open a session; None for a wrong, used or expired code, and for a user no longer
    active or no longer staff (the code is spent all the same)."""
    if len(code) > 200:
        return None
    with engine.begin() as conn:
        cur = _cur(conn)
        cur.execute(
            "SELECT org_id, user_id FROM dealos_redeem_sign_in_code(%s, %s)",
            (code_hash(code), email.strip()),
        )
        row = cur.fetchone()
        if row is None:
            return None
        org_id, user_id = row
        set_org(conn, org_id)
        cur.execute(
            "SELECT active FROM users WHERE org_id = %s AND user_id = %s", (org_id, user_id)
        )
        user = cur.fetchone()
        roles = roles_of(conn, user_id)
        if user is None or not user[0] or not signs_in_by_code(roles):
            logger().warning("invitation.refused", org_id=org_id, user_id=user_id)
            return None
        set_password(conn, org_id, user_id, password_hash)
        # As a password change does: whatever session the user had ends with the old one.
        revoke_user_sessions(conn, user_id)
        session = create_session(conn, org_id, user_id, method="password", ttl_seconds=session_ttl)
        return Accepted(org_id, user_id, session, roles)
