"""The application factory: ``create_app(settings)`` → a ready ``web.Application``.

Resources (the server keys, the database engine and its thread pool, the mailer, pending
background mail, the signature-checking helper processes) live in ``cleanup_ctx``: opened
when the app starts, closed when it stops. Creating the app touches nothing; a database
that is down at start makes ``/readyz`` answer 503 until it comes back, while
``/healthz`` stays 200.

The app connects only with ``Settings.app_database_url`` and checks its role as it starts
and on every new connection (:mod:`sync_server.app_role`): a role that could step around
row-level security stops the start with one line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.ops.verify_process import Verifiers
from sync_server.app_context import (
    DB,
    KEYS,
    LIMITER,
    MAILER,
    METRICS,
    PASSWORDS,
    SETTINGS,
    STATISTICS,
    VERIFIERS,
)
from sync_server.app_role import guard_engine
from sync_server.credentials import Passwords
from sync_server.database import Database, app_engine
from sync_server.error_tracking import init_error_tracking
from sync_server.http_guard import PARSER_HEADER_LIMIT, guard, security_headers
from sync_server.mail import mailer_for
from sync_server.metrics import Metrics
from sync_server.rate_limits import Limiter
from sync_server.request_log import configure_logging, logger
from sync_server.routes import add_routes
from sync_server.routes.auth import BACKGROUND
from sync_server.server_keys import ServerKeys
from sync_server.settings import Settings, SettingsError
from sync_server.table_statistics import TableStatistics

__all__ = ["create_app"]


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[KEYS] = ServerKeys.from_file(settings.secret_file)
    app[LIMITER].key = app[KEYS].rate_limit_key()
    if settings.app_database_url is None:
        raise SettingsError(
            "the server has no database role of its own: start it with dealos serve, "
            "which makes one, or give it --app-database-url"
        )
    engine = guard_engine(app_engine(settings.app_database_url, pool_size=settings.pool_size))
    app[DB] = Database(engine, workers=settings.pool_size)
    try:
        await app[DB].run(_first_connection, engine)
    except SettingsError:
        app[DB].close()
        raise
    except SQLAlchemyError:
        logger().warning("database.unreachable_at_start")  # /readyz says 503 meanwhile
    app[PASSWORDS] = Passwords(settings.password_cost)
    app[MAILER] = mailer_for(settings)
    app[BACKGROUND] = set()
    app[VERIFIERS] = Verifiers(settings.verify_processes)
    app[STATISTICS] = TableStatistics(settings.statistics_every_ops, app[METRICS].statistics)
    yield
    tasks = app[BACKGROUND]
    pending = list(tasks)
    if pending:
        await asyncio.wait(pending, timeout=30)
    app[DB].close()
    app[VERIFIERS].close()


def _first_connection(engine: Engine) -> None:
    """Open (and so check) one connection now, not at the first request."""
    with engine.connect():
        pass


def create_app(settings: Settings) -> web.Application:
    configure_logging()
    init_error_tracking()  # when DEALOS_SENTRY_DSN is set; scrubbed of personal data
    # aiohttp refuses a larger body itself (413, rewritten by the guard into the protocol's
    # shape); the guard also refuses a declared Content-Length above it before reading.
    # The HTTP parser's own refusal of an oversized header is bare text without security
    # headers: it is given room up to PARSER_HEADER_LIMIT, and the guard refuses anything
    # over HEADER_LIMIT in the protocol's shape.
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[guard],
        handler_args={
            "max_field_size": PARSER_HEADER_LIMIT,
            "max_line_size": PARSER_HEADER_LIMIT,
        },
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[LIMITER] = Limiter(settings.rate_limits.window_seconds)
    app.cleanup_ctx.append(_resources)
    app.on_response_prepare.append(security_headers)
    add_routes(app)
    return app
