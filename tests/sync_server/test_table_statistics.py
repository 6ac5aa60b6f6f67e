"""The server keeps the statistics of the tables pushes grow fresh (migration 0006), so a
push finds its rows by probing keys, not by reading the organization.

Autovacuum is switched off on ``deals`` while these tests run, so that only the server
can be the one who analyzed it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pg_fixture import with_user
from scenario import Org
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from core.ids import new_id
from sync_server.database import app_engine, set_org
from sync_server.key_probe import key_probe_sql
from sync_server.metrics import Metrics
from sync_server.request_log import configure_logging
from sync_server.settings import Settings
from sync_server.table_statistics import TableStatistics

EVERY = 100


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.with_(statistics_every_ops=EVERY)


@pytest.fixture
def deals_without_autovacuum(owner: Engine) -> Iterator[None]:
    with owner.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE deals SET (autovacuum_enabled = false)")
    yield
    with owner.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE deals RESET (autovacuum_enabled)")


@pytest.fixture
def app(settings: Settings) -> Iterator[Engine]:
    assert settings.app_database_url is not None
    engine = app_engine(settings.app_database_url, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def unreachable() -> Iterator[Engine]:
    engine = app_engine("postgresql://nobody@127.0.0.1:1/none", pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def stranger(settings: Settings, owner: Engine) -> Iterator[tuple[str, Engine]]:
    """The server's engine as a role that was never granted the refresh, as when
    ``DEALOS_APP_DATABASE_URL`` connects as a role whose grant was taken away."""
    role, password = f"dealos_stranger_{secrets.token_hex(6)}", secrets.token_hex(16)
    with owner.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'")
    engine = app_engine(with_user(settings.database_url, role, password), pool_size=1)
    yield role, engine
    engine.dispose()
    with owner.begin() as conn:
        conn.exec_driver_sql(f'REVOKE ALL ON FUNCTION dealos_refresh_statistics() FROM "{role}"')
        conn.exec_driver_sql(f'DROP ROLE "{role}"')


def _deals_stats(owner: Engine) -> tuple[Any, int, int, float]:
    """``deals``' last ANALYZE, modified and live row counts, and the rows that ANALYZE
    saw (``reltuples``: -1 before any, 0 if it ran while the rows were uncommitted)."""
    with owner.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            text(
                "SELECT s.last_analyze, s.n_mod_since_analyze, s.n_live_tup, c.reltuples "
                "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                "WHERE s.relname = 'deals'"
            )
        ).one()
    return row[0], int(row[1]), int(row[2]), float(row[3])


async def _push_deals(org: Org, n: int) -> None:
    for start in range(0, n, 500):
        ops = [
            org.op("deal.create", {"name": f"Deal {i}", "currency": "USD"})
            for i in range(start, min(n, start + 500))
        ]
        assert {r["status"] for r in await org.push_ok(*ops)} == {"accepted"}


def _analyzed_since(owner: Engine, before: Any) -> bool:
    """An ANALYZE after ``before`` that saw rows, and whose refresh has committed.

    ANALYZE publishes ``last_analyze`` and ``reltuples`` at once, but the statistics it
    writes only when the refresh's transaction commits (after the other tables); the
    function holds advisory lock 4712 until then. One that ran beside the push inserting
    the rows saw none; the counts it missed bring the next refresh."""
    last, _, _, seen = _deals_stats(owner)
    with owner.connect() as conn:
        running = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4712 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).scalar_one()
    return last != before and seen > 0 and not running


async def _grow_deals_until_analyzed(org: Org, owner: Engine) -> None:
    before, modified, live, _ = _deals_stats(owner)
    # Enough new deals to pass the function's bar (100 rows and what the table held).
    await _push_deals(org, max(0, 100 + live - 2 * modified) + 300)
    # A backend publishes its counts a second after its transaction (later once idle),
    # so the bar above may have been read short; the next pushes ask again.
    deadline = time.monotonic() + 30
    while not _analyzed_since(owner, before):
        assert time.monotonic() < deadline, "the server never analyzed the deals it grew"
        await asyncio.sleep(1.1)
        await _push_deals(org, EVERY)


async def test_pushes_that_grow_a_table_get_it_analyzed_by_the_server(
    org: Org, owner: Engine, deals_without_autovacuum: None
) -> None:
    await _grow_deals_until_analyzed(org, owner)  # fails after 30 s otherwise


async def test_after_the_refresh_a_push_probes_keys_instead_of_reading_the_organization(
    org: Org, owner: Engine, app: Engine, deals_without_autovacuum: None
) -> None:
    await _grow_deals_until_analyzed(org, owner)
    # The push's own lookup (StagedProjection.prefetch_send), planned as the app role.
    with app.begin() as conn:
        set_org(conn, org.org_id)
        plan = "\n".join(
            row[0]
            for row in conn.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                "EXPLAIN " + key_probe_sql("deals", ("deal_id", "name"), "deal_id"),
                ([new_id() for _ in range(3)], org.org_id),
                prepare=False,
            )
        )
    assert "Scan using pk_deals on deals" in plan, plan
    assert "Seq Scan on deals" not in plan, plan


async def test_the_app_role_may_run_the_refresh(client: TestClient[Any, Any], app: Engine) -> None:
    stats = TableStatistics(every_ops=1)
    assert stats.accepted(1)
    with app.begin() as conn:
        allowed = conn.exec_driver_sql(
            "SELECT has_function_privilege(current_user, 'dealos_refresh_statistics()', 'EXECUTE')"
        ).scalar_one()
    assert allowed
    assert stats.refresh(app) >= 0
    assert stats.accepted(1)  # the refresh ended: the next one may start


def test_one_refresh_at_a_time_and_only_after_enough_ops(unreachable: Engine) -> None:
    stats = TableStatistics(every_ops=10)
    assert not stats.accepted(9)
    assert stats.accepted(1)
    assert not stats.accepted(50)  # the first is still running
    assert stats.refresh(unreachable) == 0  # a failure is logged, never raised
    assert stats.accepted(1)  # the 50 counted meanwhile are enough for the next
    assert stats.refresh(unreachable) == 0
    assert not stats.accepted(9)  # counting restarted when that one began
    assert stats.accepted(1)


async def test_the_statistics_are_no_window_into_other_organizations(
    org: Org, owner: Engine, app: Engine, deals_without_autovacuum: None
) -> None:
    """Statistics hold sample values of every organization's rows; the app role sees
    none of them for a table under row-level security."""
    await _grow_deals_until_analyzed(org, owner)
    with owner.connect() as conn:
        assert conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'deals'"
        ).scalar_one()
    with app.connect() as conn:
        assert not conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'deals'"
        ).scalar_one()
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.exec_driver_sql("SELECT count(*) FROM pg_statistic")


def test_a_role_refused_the_refresh_is_named_once_with_the_grant_that_fixes_it(
    stranger: tuple[str, Engine], owner: Engine, capfd: pytest.CaptureFixture[str]
) -> None:
    role, engine = stranger
    configure_logging()
    metrics = Metrics()
    stats = TableStatistics(every_ops=1, outcomes=metrics.statistics)

    def refreshes(outcome: str) -> float | None:
        return metrics.registry.get_sample_value(
            "dealos_statistics_refreshes_total", {"outcome": outcome}
        )

    capfd.readouterr()
    for _ in range(3):
        assert stats.accepted(1)
        assert stats.refresh(engine) == 0  # refused, never raised
    told = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if '"statistics.' in line
    ]
    assert [t["event"] for t in told] == ["statistics.refresh_forbidden"]  # once, not 3 times
    assert told[0]["role"] == role
    assert told[0]["fix"] == f'GRANT EXECUTE ON FUNCTION dealos_refresh_statistics() TO "{role}"'
    assert refreshes("forbidden") == 3
    # The operator runs the logged fix; the next refresh goes through, no restart.
    with owner.begin() as conn:
        conn.exec_driver_sql(told[0]["fix"])
    assert stats.accepted(1)
    assert stats.refresh(engine) >= 0
    assert refreshes("forbidden") == 3
    assert (refreshes("analyzed") or 0) + (refreshes("unchanged") or 0) == 1
