"""Sliding-window attempt limits in Postgres, shared by every server process.

A limit of N per window W means: at most N attempts are let through in ANY span of W
seconds — there is no clock-aligned window to reset, so no 2N burst across a boundary.
Each bucket is an exact log of the attempts it let through:

- a head row (``bucket`` = the first 40 hex digits of the SHA-256 of the bucket's name,
  ``hits`` = attempts seen, ``window_start`` = the latest of them) that every attempt
  locks first, so concurrent attempts on one bucket, from any process, take turns;
- one row per attempt let through (``bucket`` = ``<head>:<n>``, ``window_start`` = when),
  pruned once out of the window.

An attempt is let through when every bucket it counts in holds fewer than its limit in
the last W seconds; it is then recorded in all of them, otherwise in none. A refused
attempt leaves no trace: hammering a throttled bucket does not extend its wait, and the
wait told (``Verdict.retry_after``) is exact — the moment the oldest attempt that
still fills a full bucket leaves the window.

Names are hashed — keyed with a secret derived from the server's (HMAC-SHA-256) once the
server has loaded it, so even the database role cannot test a guessed address against the
table — so the table holds no address, email or code in clear, and the same
check runs whether or not an account exists, so a 429 reveals nothing about it. All
buckets share one window (rows older than it are swept now and then). The clock is
injectable; processes on several hosts should keep their clocks in step (NTP).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

__all__ = ["Clock", "Limiter", "Verdict", "bucket_name"]

Clock = Callable[[], float]

_HEAD_DIGITS = 40

# Lock the head (creating it on first use) and count the attempt.
_LOCK = (
    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (%s, %s, 1) "
    "ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits + 1, "
    "window_start = greatest(rate_limits.window_start, excluded.window_start) "
    "RETURNING hits"
)
# The limit-th most recent attempt let through inside the window, if there are that many.
# A statement of its own, after the lock: in READ COMMITTED it sees what the previous
# holder of the lock committed (a CTE of the locking statement would not).
_FULL_SINCE = (
    "SELECT window_start FROM rate_limits WHERE bucket LIKE %s AND window_start > %s "
    "ORDER BY window_start DESC OFFSET %s LIMIT 1"
)
_PRUNE = "DELETE FROM rate_limits WHERE bucket LIKE %s AND window_start <= %s"
_RECORD = (
    "INSERT INTO rate_limits (bucket, window_start, hits) VALUES (%s, %s, 1) "
    "ON CONFLICT (bucket) DO UPDATE SET window_start = excluded.window_start"
)
_CLEAR = "DELETE FROM rate_limits WHERE bucket LIKE %s"
_SWEEP = "DELETE FROM rate_limits WHERE window_start <= %s"


def bucket_name(kind: str, *parts: str) -> str:
    """The name of one bucket: ``bucket_name("login-account-ip", email, ip)``. Parts are
    JSON-encoded, so no choice of email can name another bucket."""
    return json.dumps([kind, *parts], ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an attempt was let through, and if not, the seconds until one would be."""

    allowed: bool
    retry_after: float = 0.0


def _head(name: str, key: bytes | None) -> str:
    raw = name.encode("utf-8")
    digest = hmac.new(key, raw, hashlib.sha256) if key else hashlib.sha256(raw)
    return digest.hexdigest()[:_HEAD_DIGITS]


def _at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _cursor(conn: Any) -> Any:
    return conn.connection.dbapi_connection.cursor()


class Limiter:
    """Sliding-window limits over ``window_seconds``, read from ``clock`` (Unix seconds)."""

    def __init__(
        self, window_seconds: float, clock: Clock = time.time, key: bytes | None = None
    ) -> None:
        if window_seconds <= 0:
            raise ValueError("the window must be positive")
        self.window = float(window_seconds)
        self.clock = clock
        # Keys the buckets' names (the server sets it from its secret when it starts).
        self.key = key
        self._swept_at: float | None = None

    def attempt(self, engine: Engine, buckets: Sequence[tuple[str, int]]) -> Verdict:
        """Count one attempt against every ``(name, limit)`` bucket, all or nothing."""
        now = self.clock()
        horizon = _at(now - self.window)
        # One lock order for every caller: two attempts sharing buckets cannot deadlock.
        heads = sorted({_head(name, self.key): limit for name, limit in buckets}.items())
        seen: list[tuple[str, int]] = []
        full, wait = False, 0.0
        with engine.begin() as conn:
            cur = _cursor(conn)
            for head, limit in heads:
                seen.append((head, cur.execute(_LOCK, (head, _at(now))).fetchone()[0]))
                row = cur.execute(_FULL_SINCE, (f"{head}:%", horizon, limit - 1)).fetchone()
                if row is not None:
                    full = True
                    wait = max(wait, row[0].timestamp() + self.window - now)
            if full:
                return Verdict(False, wait)
            for head, hits in seen:
                cur.execute(_PRUNE, (f"{head}:%", horizon))
                cur.execute(_RECORD, (f"{head}:{hits}", _at(now)))
        if self._swept_at is None or now - self._swept_at >= self.window:
            # Rows of buckets nobody used for a whole window count for nothing.
            self._swept_at = now
            with engine.begin() as conn:
                _cursor(conn).execute(_SWEEP, (horizon,))
        return Verdict(True)

    def clear(self, engine: Engine, names: Sequence[str]) -> None:
        """Forget the attempts counted in these buckets (a proven owner's own mistakes)."""
        with engine.begin() as conn:
            cur = _cursor(conn)
            for head in sorted({_head(name, self.key) for name in names}):
                cur.execute(_CLEAR, (f"{head}:%",))
