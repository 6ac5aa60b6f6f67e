"""The notice outbox's table (server migration 0013): a tenant table like the others —
row-level security forced, one policy by organization — that the server's role reaches
across organizations only through ``dealos_notice_orgs_due()``, which names organizations
with mail due and nothing else; and the migration goes down to 0012 and up again."""

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

INSERT = (
    "INSERT INTO notice_outbox (org_id, outbox_id, notice_kind, notice_id, op_id, lp_id, "
    "recipient, status, attempts, next_attempt_at, queued_at) VALUES "
    "(%s, %s, 'capital_call', %s, %s, %s, %s, %s, 0, now(), now())"
)


def test_the_server_role_sees_one_organization_and_only_ids_of_the_others(
    pg_database: PgDatabase,
) -> None:
    harbor, acme = new_id(), new_id()
    with psycopg.connect(pg_database.owner_url) as conn:
        for org, status in ((harbor, "queued"), (acme, "queued"), (acme, "sent")):
            conn.execute(
                INSERT,
                (org, new_id(), new_id(), new_id(), new_id(), f"lp+{new_id()}@x.example", status),
            )
    with psycopg.connect(pg_database.app_url) as conn:
        assert conn.execute("SELECT count(*) FROM notice_outbox").fetchone() == (0,)
        conn.execute("SELECT set_config('dealos.org_id', %s, true)", (harbor,))
        rows = conn.execute("SELECT org_id FROM notice_outbox").fetchall()
        assert rows == [(harbor,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(INSERT, (acme, new_id(), new_id(), new_id(), new_id(), "a@b.c", "queued"))
        conn.rollback()
        due = {r[0] for r in conn.execute("SELECT * FROM dealos_notice_orgs_due()").fetchall()}
        assert {harbor, acme} <= due
        columns = conn.execute("SELECT * FROM dealos_notice_orgs_due() LIMIT 0").description
        assert [c.name for c in columns or []] == ["org_id"]
    with psycopg.connect(pg_database.owner_url) as conn:
        conn.execute("DELETE FROM notice_outbox WHERE org_id IN (%s, %s)", (harbor, acme))


def _state(url: str) -> tuple[bool, bool]:
    with psycopg.connect(url) as conn:
        table = conn.execute("SELECT to_regclass('public.notice_outbox') IS NOT NULL").fetchone()
        function = conn.execute(
            "SELECT count(*) = 1 FROM pg_proc WHERE proname = 'dealos_notice_orgs_due'"
        ).fetchone()
    assert table is not None
    assert function is not None
    return bool(table[0]), bool(function[0])


def test_migration_0013_goes_down_to_0012_and_up_again(pg_admin_url: str) -> None:
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
        config = Config()
        config.set_main_option(
            "script_location", str(Path(database.__file__).parent / "migrations")
        )
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0012")
        assert _state(url) == (False, False)
        migrate(url)
        assert _state(url) == (True, True)
    finally:
        engine.dispose()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
