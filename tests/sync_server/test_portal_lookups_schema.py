"""The investor portal's lookups by key (server migration 0015): a payment op is found by
the payment it records, through its index, by the server's own role under row-level
security; the payment id is read from the envelope's bytes, so an op no JSON parser of
Postgres would take still has its id and never breaks an insert; and the migration goes
down to 0014 and up again."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from pg_fixture import PgDatabase, with_database
from psycopg import sql
from sqlalchemy import create_engine, select

from core.ids import new_id
from core.reports.op_trail import read_op_trail
from sync_server import database
from sync_server.database import migrate, owner_engine, psycopg_url, set_org
from sync_server.portal.investor_access import server_op_log
from sync_server.server_schema import op_log

INDEXES = {
    "ix_op_log_org_id_kind_entity_id",
    "ix_op_log_payment_id",
    "ix_payments_lp_id",
    "ix_commitments_lp_id",
}
INSERT = (
    "INSERT INTO op_log (org_id, server_seq, op_id, device_id, device_seq, actor_id, kind, "
    "entity_id, envelope, accepted_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, now())"
)


def _envelope(kind: str, call_id: str, payload: str) -> bytes:
    return (
        f'{{"entity_id":"{call_id}","kind":"{kind}","payload":{{{payload}}},"signature":"x"}}'
    ).encode()


def test_a_payment_op_is_found_by_its_payment_id_through_its_index(
    pg_database: PgDatabase,
) -> None:
    org, call, device = new_id(), new_id(), new_id()
    wanted, other, odd = new_id(), new_id(), new_id()
    ops = [
        (
            "capital_call.payment",
            _envelope("capital_call.payment", call, f'"payment_id":"{other}"'),
        ),
        (
            "capital_call.payment",
            _envelope("capital_call.payment", call, f'"payment_id":"{wanted}"'),
        ),
        # \u0000 is valid JSON that jsonb refuses: the id is still read from the bytes.
        (
            "capital_call.payment",
            _envelope("capital_call.payment", call, f'"note":"a\\u0000b","payment_id":"{odd}"'),
        ),
        ("deal.update", _envelope("deal.update", call, f'"payment_id":"{wanted}"')),
    ]
    op_ids = [new_id() for _ in ops]
    with psycopg.connect(pg_database.owner_url) as conn:
        for seq, ((kind, envelope), op_id) in enumerate(zip(ops, op_ids, strict=True), start=1):
            conn.execute(INSERT, (org, seq, op_id, device, seq, device, kind, call, envelope))
        found = conn.execute(
            "SELECT convert_from(dealos_op_payment_id(envelope), 'UTF8') FROM op_log "
            "WHERE org_id = %s ORDER BY server_seq",
            (org,),
        ).fetchall()
        assert [f[0] for f in found] == [other, wanted, odd, wanted]
        assert conn.execute(
            "SELECT dealos_op_payment_id(%s), dealos_op_payment_id(%s)",
            (b'{"payload":{}}', b'{"payload":{"payment_id":"unterminated'),
        ).fetchone() == (None, None)

    engine = create_engine(psycopg_url(pg_database.app_url))
    try:
        with engine.begin() as conn:
            set_org(conn, org)
            log = server_op_log(org)
            trail = read_op_trail(
                conn,
                entity_kinds=(),
                entity_ids=(),
                call_ids=[call],
                payment_ids=[wanted, odd],
                log=log,
            )
            assert trail.payment(wanted) == op_ids[1]
            assert trail.payment(odd) == op_ids[2]
            # What the portal asks, planned for the server's role under row-level security:
            # the payment ids are the index's keys, not a filter over every payment op.
            assert log.records_payment is not None
            query = select(op_log.c.op_id).where(log.kept, log.records_payment([wanted]))
            compiled = query.compile(engine, compile_kwargs={"render_postcompile": True})
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(
                r[0]
                for r in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).fetchall()
            )
        assert "ix_op_log_payment_id" in plan, plan
        assert "Index Cond: " in plan
        [keys] = [line for line in plan.splitlines() if "Index Cond: " in line]
        assert "dealos_op_payment_id(envelope) = " in keys, plan
    finally:
        engine.dispose()
        with psycopg.connect(pg_database.owner_url) as conn:
            conn.execute("DELETE FROM op_log WHERE org_id = %s", (org,))


def _state(url: str) -> tuple[bool, set[str]]:
    with psycopg.connect(url) as conn:
        function = conn.execute(
            "SELECT count(*) = 1 FROM pg_proc WHERE proname = 'dealos_op_payment_id'"
        ).fetchone()
        indexes = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", (sorted(INDEXES),)
        ).fetchall()
    assert function is not None
    return bool(function[0]), {i[0] for i in indexes}


def test_migration_0015_goes_down_to_0014_and_up_again(pg_admin_url: str) -> None:
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
        assert _state(url) == (True, INDEXES)
        config = Config()
        config.set_main_option(
            "script_location", str(Path(database.__file__).parent / "migrations")
        )
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0014")
        assert _state(url) == (False, set())
        migrate(url)
        assert _state(url) == (True, INDEXES)
    finally:
        engine.dispose()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
