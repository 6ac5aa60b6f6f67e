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
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from sync_server.request_log import logger

__all__ = ["TableStatistics"]


class TableStatistics:
    """Counts accepted ops; says when to refresh, and refreshes (one at a time)."""

    def __init__(self, every_ops: int) -> None:
        self._every = every_ops
        self._since = 0
        self._running = False
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
        try:
            with engine.begin() as conn:
                refreshed = conn.exec_driver_sql("SELECT dealos_refresh_statistics()")
                analyzed = int(refreshed.scalar_one())
            if analyzed:
                logger().info("statistics.refreshed", tables=analyzed)
            return analyzed
        except SQLAlchemyError as exc:
            logger().warning("statistics.refresh_failed", error=type(exc).__name__)
            return 0
        finally:
            with self._lock:
                self._running = False
