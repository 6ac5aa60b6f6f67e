"""The sync client's circuit breaker: after repeated failures to reach the server, every
call fails at once (``ServerUnavailable``) until the reset time has passed; then one trial
call goes through, and its success closes the breaker again.

While it is open the app works offline: local commits never wait for the network, and
the desktop's status says when the next attempt will be made ("server unreachable,
retrying at 14:05"). Only a server that cannot be reached or answers 5xx counts as a
failure; a refusal (4xx) says the server is up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pybreaker

from core.sync.errors import SyncError

__all__ = ["FAIL_MAX", "RESET_SECONDS", "is_refusal", "retry_at", "server_breaker"]

FAIL_MAX = 3  # calls that failed in a row (each after its own retries) before it opens
RESET_SECONDS = 30.0  # how long it stays open before one trial call


def is_refusal(exc: BaseException) -> bool:
    """A 4xx other than 429: the server answered, so the breaker does not count it."""
    return isinstance(exc, SyncError) and exc.status < 500 and exc.status != 429


def server_breaker(
    *,
    fail_max: int = FAIL_MAX,
    reset_seconds: float = RESET_SECONDS,
    listeners: list[pybreaker.CircuitBreakerListener] | None = None,
) -> pybreaker.CircuitBreaker:
    """A breaker for one server, counting only failures to reach it."""
    return pybreaker.CircuitBreaker(
        fail_max=fail_max,
        reset_timeout=reset_seconds,
        exclude=[is_refusal],
        listeners=listeners or [],
    )


def retry_at(breaker: pybreaker.CircuitBreaker) -> datetime | None:
    """When an open breaker lets its next trial call through (local time); None when it
    is closed or half-open."""
    if breaker.current_state != pybreaker.STATE_OPEN:
        return None
    opened = breaker._state_storage.opened_at  # pybreaker exposes no getter for it
    if opened is None:
        return None
    return (opened + timedelta(seconds=breaker.reset_timeout)).astimezone()
