"""LP sign-in by magic link: single use, 15 minutes, only the token's hash stored.

Links go to users who hold only external roles (LP, counsel, lender); staff sign in with a
password. Requesting a link answers the same whatever the address, and the mail leaves
after the answer, so timing says nothing either. Redeeming is one conditional UPDATE
(``used_at IS NULL AND expires_at > now()``): of any number of concurrent redemptions
exactly one changes the row, and only that one gets a session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from core.domain.roles import EXTERNAL_ROLES
from core.ids import new_id
from sync_server.credentials import find_accounts
from sync_server.database import set_lookup, set_org, tenant_tx
from sync_server.sessions import IssuedSession, create_session, hash_token, new_token, roles_of

__all__ = ["IssuedLink", "Redeemed", "issue_links", "redeem"]

_EXTERNAL = {r.value for r in EXTERNAL_ROLES}


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
            roles = set(roles_of(conn, account.user_id))
            if not roles or not roles <= _EXTERNAL:
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
    """Spend the link and open an LP session; None for a wrong, used or expired token."""
    if len(token) > 100:
        return None
    digest = hash_token(token)
    with engine.begin() as conn:
        set_lookup(conn, "token_hash", digest)
        cur = _cur(conn)
        cur.execute(
            "UPDATE magic_links SET used_at = now() WHERE token_hash = %s "
            "AND used_at IS NULL AND expires_at > now() RETURNING org_id, user_id",
            (digest,),
        )
        row = cur.fetchone()
        if row is None:
            return None
        org_id, user_id = row
        set_org(conn, org_id)
        session = create_session(
            conn, org_id, user_id, method="magic_link", ttl_seconds=session_ttl
        )
        return Redeemed(org_id, user_id, session, roles_of(conn, user_id))
