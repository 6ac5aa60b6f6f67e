"""Typed application state (``web.AppKey``) and the small helpers every handler uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from core.ops.verify_process import Verifiers
from sync_server.api_errors import ApiError
from sync_server.credentials import Passwords
from sync_server.database import Database
from sync_server.mail import Mailer
from sync_server.metrics import Metrics
from sync_server.rate_limits import allow
from sync_server.server_keys import ServerKeys
from sync_server.sessions import Caller, authenticate
from sync_server.settings import Settings
from sync_server.table_statistics import TableStatistics

__all__ = [
    "DB",
    "KEYS",
    "MAILER",
    "METRICS",
    "PASSWORDS",
    "SETTINGS",
    "STATISTICS",
    "VERIFIERS",
    "enforce_rate_limit",
    "require_caller",
    "run_db",
]

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
KEYS = web.AppKey("keys", ServerKeys)
PASSWORDS = web.AppKey("passwords", Passwords)
METRICS = web.AppKey("metrics", Metrics)
MAILER = web.AppKey("mailer", Mailer)
VERIFIERS = web.AppKey("verifiers", Verifiers)
STATISTICS = web.AppKey("statistics", TableStatistics)

T = TypeVar("T")


async def run_db(request: web.Request, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn(engine, *args, **kwargs)`` in the app's thread pool."""
    db = request.app[DB]
    return await db.run(fn, db.engine, *args, **kwargs)


async def require_caller(request: web.Request) -> Caller:
    """The caller of an authenticated endpoint, or 401 (missing, malformed, expired, revoked
    tokens alike)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    caller = None
    if scheme.lower() == "bearer" and token:
        caller = await run_db(request, authenticate, token.strip())
    if caller is None:
        raise ApiError(
            401,
            "unauthorized",
            "sign in: send Authorization: Bearer <session_token>",
            headers={"WWW-Authenticate": 'Bearer realm="dealos"'},
        )
    return caller


async def enforce_rate_limit(request: web.Request, *buckets: tuple[str, int]) -> None:
    """Count one attempt in each ``(name, limit)`` bucket; 429 if any is over its limit."""
    window = request.app[SETTINGS].rate_limits.window_seconds
    if not await run_db(request, allow, list(buckets), window):
        raise ApiError(
            429,
            "rate_limited",
            "too many attempts; wait before trying again",
            headers={"Retry-After": str(window)},
        )
