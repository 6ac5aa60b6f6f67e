"""LP sign-in by magic link: single use, 15 minutes, only the token's hash stored.

Links go to users who hold only external roles (LP, counsel, lender); staff sign in with a
password and an enrolled device. Requesting a link answers the same whatever the address,
and the mail leaves after the answer, so timing says nothing either. Redeeming is one
conditional UPDATE (``used_at IS NULL AND expires_at > now()``) inside the SECURITY
DEFINER function ``dealos_redeem_magic_link`` (server migration 0007; the token is all the
server knows until then): of any number of concurrent redemptions exactly one changes the
row. That one then checks, under the link's organization, that the user is still active
and still holds external roles only — a link is never a way in for staff, whatever put it
in the table — and only then gets a session; otherwise the link is spent and the answer
is the one a wrong token gets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from core.domain.roles import EXTERNAL_ROLES
from core.ids import new_id
from sync_server.credentials import find_accounts
from sync_server.database import set_org, tenant_tx
from sync_server.request_log import logger
from sync_server.sessions import IssuedSession, create_session, hash_token, new_token, roles_of

__all__ = ["IssuedLink", "Redeemed", "issue_links", "redeem", "signs_in_by_link"]

_EXTERNAL = frozenset(r.value for r in EXTERNAL_ROLES)


def signs_in_by_link(roles: list[str]) -> bool:
    """A user with ``roles`` may sign in by magic link: some role, none of them staff."""
    return bool(roles) and _EXTERNAL.issuperset(roles)


@dataclass(frozen=True, slots=True)
class IssuedLink:
    org_id: str
    org_name: str
    token: str


@dataclass(frozen=True, slots=True)
class Redeemed:
    org_id: str
    user_id: str
    session: IssuedSession
    roles: list[str]


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def issue_links(engine: Engine, email: str, ttl_seconds: int) -> list[IssuedLink]:
    """A fresh link for each organization where ``email`` is an external user."""
    links = []
    for account in find_accounts(engine, email):
        with tenant_tx(engine, account.org_id) as conn:
            if not signs_in_by_link(roles_of(conn, account.user_id)):
                continue
            token, digest = new_token()
            now = dt.datetime.now(dt.UTC)
            cur = _cur(conn)
            cur.execute(
                "INSERT INTO magic_links (org_id, link_id, token_hash, user_id, created_at, "
                "expires_at) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    account.org_id,
                    new_id(),
                    digest,
                    account.user_id,
                    now,
                    now + dt.timedelta(seconds=ttl_seconds),
                ),
            )
            cur.execute("SELECT name FROM organizations WHERE org_id = %s", (account.org_id,))
            row = cur.fetchone()
            links.append(IssuedLink(account.org_id, row[0] if row else "Deal OS", token))
    return links


def redeem(engine: Engine, token: str, session_ttl: int) -> Redeemed | None:
    """Spend the link and open an LP session; None for a wrong, used or expired token, and
    for a link whose user is inactive or holds a staff role."""
    if len(token) > 100:
        return None
    with engine.begin() as conn:
        cur = _cur(conn)
        cur.execute(
            "SELECT org_id, user_id FROM dealos_redeem_magic_link(%s)", (hash_token(token),)
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
        if user is None or not user[0] or not signs_in_by_link(roles):
            # Spent all the same (the transaction commits), and answered as a wrong token.
            logger().warning("magic_link.refused", org_id=org_id, user_id=user_id)
            return None
        session = create_session(
            conn, org_id, user_id, method="magic_link", ttl_seconds=session_ttl
        )
        return Redeemed(org_id, user_id, session, roles)
