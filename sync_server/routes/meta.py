"""Unauthenticated endpoints: health, readiness, metrics, the server key, the contract."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import Engine

from core.sync.messages import Health, Readiness, ServerKey
from sync_server.api_errors import ApiError
from sync_server.app_context import DB, KEYS, METRICS
from sync_server.database import current_revision, head_revision
from sync_server.openapi import openapi_document
from sync_server.replies import reply

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(_request: web.Request) -> web.Response:
    return reply(Health(status="ok"))


def _migrated(engine: Engine) -> bool:
    with engine.connect() as conn:
        return current_revision(conn) == head_revision()


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    db = request.app[DB]
    try:
        ready = await asyncio.wait_for(db.run(_migrated, db.engine), timeout=10)
    except Exception:  # unreachable, refused, timed out: not ready, whatever the cause
        ready = False
        reason = "the database is unreachable"
    else:
        reason = "the database schema is not migrated to this version"
    if not ready:
        raise ApiError(503, "not_ready", reason)
    return reply(Readiness(status="ready"))


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})


@routes.get("/v1/server-key")
async def server_key(request: web.Request) -> web.Response:
    return reply(ServerKey(public_key=request.app[KEYS].redaction.public_key))


@routes.get("/v1/openapi.json")
async def openapi(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document())
