"""The outbox's invitations (server migration 0014): a row names the invited user and no
LP; a code is spent only through ``dealos_redeem_sign_in_code``, once, for the address it
was sent to, and says whose it was and nothing else; the migration goes down to 0013 and
up again."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from pg_fixture import PgDatabase, with_database
from psycopg import sql

from core.ids import new_id
from sync_server import database
from sync_server.database import migrate, owner_engine
from sync_server.invitations import code_hash, new_code

INSERT = (
    "INSERT INTO notice_outbox (org_id, outbox_id, notice_kind, notice_id, op_id, lp_id, "
    "recipient, status, attempts, next_attempt_at, queued_at, code_hash, code_expires_at) "
    "VALUES (%s, %s, 'invitation', %s, %s, %s, %s, 'sent', 1, now(), now(), %s, "
    "now() + interval '1 day')"
)


def test_a_code_is_spent_once_for_its_address_through_the_function_alone(
    pg_database: PgDatabase,
) -> None:
    org, user = new_id(), new_id()
    code, digest = new_code()
    with psycopg.connect(pg_database.owner_url) as conn:
        conn.execute(INSERT, (org, new_id(), user, new_id(), None, "Alex@Acme.example", digest))
        conn.commit()
        # An invitation names no LP, and one per user.
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(INSERT, (org, new_id(), new_id(), new_id(), new_id(), "b@x.c", None))
        conn.rollback()
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(INSERT, (org, new_id(), user, new_id(), None, "a@x.c", None))
        conn.rollback()
    redeem = "SELECT * FROM dealos_redeem_sign_in_code(%s, %s)"
    with psycopg.connect(pg_database.app_url) as conn:
        assert conn.execute("SELECT count(*) FROM notice_outbox").fetchone() == (0,)
        assert conn.execute(redeem, (digest, "someone@else.example")).fetchall() == []
        spent = conn.execute(redeem, (code_hash(code.lower()), "alex@acme.example"))
        assert [c.name for c in spent.description or []] == ["org_id", "user_id"]
        assert spent.fetchall() == [(org, user)]
        assert conn.execute(redeem, (digest, "alex@acme.example")).fetchall() == []
    with psycopg.connect(pg_database.owner_url) as conn:
        conn.execute("DELETE FROM notice_outbox WHERE org_id = %s", (org,))


def _state(url: str) -> tuple[bool, bool]:
    """(the redeeming function exists, the outbox's lp_id may be null)."""
    with psycopg.connect(url) as conn:
        function = conn.execute(
            "SELECT count(*) = 1 FROM pg_proc WHERE proname = 'dealos_redeem_sign_in_code'"
        ).fetchone()
        nullable = conn.execute(
            "SELECT is_nullable = 'YES' FROM information_schema.columns "
            "WHERE table_name = 'notice_outbox' AND column_name = 'lp_id'"
        ).fetchone()
    assert function is not None
    assert nullable is not None
    return bool(function[0]), bool(nullable[0])


def test_migration_0014_goes_down_to_0013_and_up_again(pg_admin_url: str) -> None:
    name = f"dealos_down_{secrets.token_hex(4)}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )
    url = with_database(pg_admin_url, name)
    engine = owner_engine(url)
    try:
        migrate(url)
        assert _state(url) == (True, True)
        with psycopg.connect(url) as conn:  # an invitation waiting when the server goes back
            conn.execute(INSERT, (new_id(), new_id(), new_id(), new_id(), None, "a@x.c", None))
        config = Config()
        config.set_main_option(
            "script_location", str(Path(database.__file__).parent / "migrations")
        )
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0013")
        assert _state(url) == (False, False)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM notice_outbox").fetchone() == (0,)
        migrate(url)
        assert _state(url) == (True, True)
    finally:
        engine.dispose()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
