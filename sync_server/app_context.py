"""Typed application state (``web.AppKey``) and the small helpers every handler uses."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from core.ops.verify_process import Verifiers
from sync_server.api_errors import ApiError
from sync_server.credentials import Passwords
from sync_server.database import Database
from sync_server.mail import Mailer
from sync_server.metrics import Metrics
from sync_server.rate_limits import Limiter
from sync_server.server_keys import ServerKeys
from sync_server.sessions import Caller, authenticate
from sync_server.settings import Settings
from sync_server.table_statistics import TableStatistics

__all__ = [
    "DB",
    "KEYS",
    "LIMITER",
    "MAILER",
    "METRICS",
    "PASSWORDS",
    "SETTINGS",
    "STATISTICS",
    "VERIFIERS",
    "clear_rate_limit",
    "client_address",
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
LIMITER = web.AppKey("limiter", Limiter)

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


def client_address(request: web.Request) -> str:
    """The address rate limits count the request under: the connection's peer."""
    return request.remote or "unknown"


async def enforce_rate_limit(request: web.Request, *buckets: tuple[str, int]) -> None:
    """Count one attempt in each ``(name, limit)`` bucket; 429 ``rate_limited`` if any is
    full, with ``Retry-After`` (and ``details.retry_after_seconds``) the whole seconds until
    an attempt would be let through."""
    verdict = await run_db(request, request.app[LIMITER].attempt, list(buckets))
    if not verdict.allowed:
        seconds = max(1, math.ceil(verdict.retry_after))
        raise ApiError(
            429,
            "rate_limited",
            f"too many attempts; try again in {seconds} s",
            details={"retry_after_seconds": seconds},
            headers={"Retry-After": str(seconds)},
        )


async def clear_rate_limit(request: web.Request, *names: str) -> None:
    """Forget the attempts counted in these buckets."""
    await run_db(request, request.app[LIMITER].clear, list(names))
