"""Fresh planner statistics for the tables pushes grow (server migration 0006).

A push finds its rows by key, and Postgres picks the index from each table's statistics.
Taken while the tables were small — a new server, an organization attaching its whole
history — they make every lookup read the organization's rows instead of probing the key:
a push of 500 ops spent 5 ms finding its rows at 1,000 ops stored and 45 ms at 100,000,
until autovacuum's next ANALYZE (docs/PERFORMANCE.md). Autovacuum looks once a minute;
this asks sooner: every 500 accepted ops, each process of the server calls
``dealos_refresh_statistics()`` in the background, which ANALYZEs, on a small sample, only
the tables that doubled (and grew by 100 rows or more) since their last ANALYZE
(``Settings.statistics_every_ops`` sets how often it asks).

``dealos serve`` grants EXECUTE on the function to the role the server logs in as
(:func:`sync_server.database.grant_app_role`). A server whose role lost that grant is
refused: it logs ``statistics.refresh_forbidden`` once, with the role and the ``GRANT``
that fixes it, and counts every refusal in
``dealos_statistics_refreshes_total{outcome="forbidden"}``; pushes work on, slower.
"""

from __future__ import annotations

import threading
from typing import Final

from prometheus_client import Counter
from psycopg.errors import InsufficientPrivilege
from sqlalchemy import Engine
from sqlalchemy.exc import ProgrammingError, SQLAlchemyError

from sync_server.request_log import logger

__all__ = ["TableStatistics"]

FUNCTION: Final = "dealos_refresh_statistics()"


class TableStatistics:
    """Counts accepted ops; says when to refresh, and refreshes (one at a time)."""

    def __init__(self, every_ops: int, outcomes: Counter | None = None) -> None:
        self._every = every_ops
        self._outcomes = outcomes  # by outcome: analyzed, unchanged, forbidden, failed
        self._since = 0
        self._running = False
        self._told_forbidden = False
        self._lock = threading.Lock()

    def accepted(self, ops: int) -> bool:
        """Count ``ops`` more accepted; True when the caller should :meth:`refresh` now."""
        with self._lock:
            self._since += ops
            if self._since < self._every or self._running:
                return False
            self._since, self._running = 0, True
            return True

    def refresh(self, engine: Engine) -> int:
        """ANALYZE what grew; how many tables. Never raises: the push it follows has
        committed, and the worst a failure costs is slower lookups until autovacuum's."""
        outcome, analyzed = "failed", 0
        try:
            with engine.begin() as conn:
                analyzed = int(conn.exec_driver_sql(f"SELECT {FUNCTION}").scalar_one())
            outcome = "analyzed" if analyzed else "unchanged"
            if analyzed:
                logger().info("statistics.refreshed", tables=analyzed)
        except ProgrammingError as exc:
            if isinstance(exc.orig, InsufficientPrivilege):
                outcome = "forbidden"
                self._tell_forbidden(engine)
            else:
                logger().warning("statistics.refresh_failed", error=type(exc).__name__)
        except SQLAlchemyError as exc:
            logger().warning("statistics.refresh_failed", error=type(exc).__name__)
        finally:
            with self._lock:
                self._running = False
            if self._outcomes is not None:
                self._outcomes.labels(outcome).inc()
        return analyzed

    def _tell_forbidden(self, engine: Engine) -> None:
        """Name the role and the fix, once per process: the refusal repeats every
        ``every_ops`` ops until someone grants it."""
        if self._told_forbidden:
            return
        self._told_forbidden = True
        try:
            with engine.connect() as conn:
                role = str(conn.exec_driver_sql("SELECT current_user").scalar_one())
        except SQLAlchemyError:
            role = "<the server's database role>"
        logger().error(
            "statistics.refresh_forbidden",
            role=role,
            fix=f'GRANT EXECUTE ON FUNCTION {FUNCTION} TO "{role}"',
            effect="push lookups may read whole organizations until autovacuum analyzes",
        )
