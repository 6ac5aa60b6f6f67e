"""Fixed-window attempt counters in Postgres, shared by every server process.

A bucket is named by a SHA-256 of what it counts (``login-ip:203.0.113.7``,
``magic-address:lp@example.com``), so the table holds no address or email in clear. The
same check runs whether or not an account exists, so a 429 reveals nothing about it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import Engine

__all__ = ["allow"]

_HIT = (
    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (%s, %s, 1) "
    "ON CONFLICT (bucket) DO UPDATE SET "
    "hits = CASE WHEN rate_limits.window_start = excluded.window_start "
    "THEN rate_limits.hits + 1 ELSE 1 END, window_start = excluded.window_start "
    "RETURNING hits"
)


def allow(engine: Engine, buckets: list[tuple[str, int]], window_seconds: int) -> bool:
    """Count one attempt in each ``(name, limit)`` bucket; False if any is over its limit."""
    now = dt.datetime.now(dt.UTC).timestamp()
    start = dt.datetime.fromtimestamp(now - now % window_seconds, dt.UTC)
    ok = True
    with engine.begin() as conn:
        cur: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        for name, limit in buckets:
            bucket = hashlib.sha256(name.encode("utf-8")).hexdigest()
            cur.execute(_HIT, (bucket, start))
            hits = int(cur.fetchone()[0])
            ok = ok and hits <= limit
    return ok
