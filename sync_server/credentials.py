"""Passwords (argon2id) and the login lookup.

A login names an email, not an organization, so the accounts carrying that email are
found through the SECURITY DEFINER function ``dealos_accounts_for_email`` (server
migration 0007), which gives each one's organization and user id and nothing else; each
candidate organization's credential is then read under that organization's scope. An
unknown email still costs one argon2 verification, so the answer takes as long whether
or not the address exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from sync_server.database import tenant_tx
from sync_server.settings import PasswordCost

__all__ = ["MIN_PASSWORD", "Account", "Passwords", "find_accounts", "set_password", "stored_hash"]

MIN_PASSWORD = 12


@dataclass(frozen=True, slots=True)
class Account:
    org_id: str
    user_id: str


class Passwords:
    def __init__(self, cost: PasswordCost) -> None:
        self._hasher = PasswordHasher(
            time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism
        )
        self._dummy = self._hasher.hash("not a password anyone has")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def burn(self, password: str) -> None:
        """Spend one verification's time, for an address that has no credential."""
        self.verify(None, password)


def _cur(conn: Connection) -> Any:
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


def find_accounts(engine: Engine, email: str) -> list[Account]:
    """Active users with this email, in every organization."""
    with engine.begin() as conn:
        cur = _cur(conn)
        cur.execute("SELECT org_id, user_id FROM dealos_accounts_for_email(%s)", (email.lower(),))
        return [Account(r[0], r[1]) for r in cur.fetchall()]


def stored_hash(engine: Engine, account: Account) -> str | None:
    with tenant_tx(engine, account.org_id) as conn:
        cur = _cur(conn)
        cur.execute(
            "SELECT password_hash FROM credentials WHERE org_id = %s AND user_id = %s",
            (account.org_id, account.user_id),
        )
        row = cur.fetchone()
    return None if row is None else str(row[0])


def set_password(conn: Connection, org_id: str, user_id: str, password_hash: str) -> None:
    """Store a hash in the caller's transaction (scoped to ``org_id``)."""
    _cur(conn).execute(
        "INSERT INTO credentials (org_id, user_id, password_hash, updated_at) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (org_id, user_id) DO UPDATE "
        "SET password_hash = excluded.password_hash, updated_at = excluded.updated_at",
        (org_id, user_id, password_hash, dt.datetime.now(dt.UTC)),
    )
