"""``POST /v1/sync/push``, ``GET /v1/sync/pull``, ``GET /v1/sync/state``,
``GET /v1/sync/snapshot``."""

from __future__ import annotations

import asyncio

from aiohttp import web

from core.sync.messages import PushResults
from sync_server.api_errors import ApiError
from sync_server.app_context import (
    DB,
    KEYS,
    METRICS,
    SETTINGS,
    STATISTICS,
    VERIFIERS,
    enforce_rate_limit,
    require_caller,
    run_db,
)
from sync_server.pull import pull, state
from sync_server.push import push
from sync_server.replies import reply
from sync_server.request_bodies import PullQuery, PushBody, parse_body, parse_query, read_json
from sync_server.routes.auth import BACKGROUND
from sync_server.snapshot import snapshot

__all__ = ["refresh_statistics", "routes"]

routes = web.RouteTableDef()


@routes.post("/v1/sync/push")
async def push_ops(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    body = parse_body(PushBody, await read_json(request))
    limit = request.app[SETTINGS].max_ops_per_push
    if len(body.ops) > limit:
        raise ApiError(
            422,
            "too_many_ops",
            f"a push holds at most {limit} ops; this one holds {len(body.ops)}",
            field="ops",
            details={"max_ops": limit},
        )
    app = request.app
    outcome = await run_db(
        request, push, app[KEYS], caller, body.device_id, body.ops, app[VERIFIERS]
    )
    counter = request.app[METRICS].ops
    for outcome_name, n in outcome.counts.items():
        counter.labels(outcome_name).inc(n)
    if app[STATISTICS].accepted(outcome.counts["accepted"]):
        refresh = asyncio.create_task(refresh_statistics(app))
        app[BACKGROUND].add(refresh)
        refresh.add_done_callback(app[BACKGROUND].discard)
    return reply(PushResults(results=outcome.results))


async def refresh_statistics(app: web.Application) -> None:
    """After the answer: keep the tables this server grows analyzed (TableStatistics)."""
    db = app[DB]
    await db.run(app[STATISTICS].refresh, db.engine)


@routes.get("/v1/sync/pull")
async def pull_ops(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    query = parse_query(PullQuery, request)
    page = await run_db(request, pull, request.app[KEYS], caller, query.after, query.limit)
    return web.Response(body=page.body, content_type="application/json")


@routes.get("/v1/sync/state")
async def sync_state(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    if request.query:
        raise ApiError(422, "invalid_request", "this endpoint takes no query parameters")
    return reply(await run_db(request, state, request.app[KEYS], caller))


@routes.get("/v1/sync/snapshot")
async def sync_snapshot(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    if request.query:
        raise ApiError(422, "invalid_request", "this endpoint takes no query parameters")
    # A whole organization per answer: a device needs one, a loop of them is an attack.
    limit = request.app[SETTINGS].rate_limits.snapshot_per_account
    await enforce_rate_limit(request, (f"snapshot-account:{caller.user_id}", limit))
    body = await run_db(request, snapshot, request.app[KEYS], caller)
    return web.Response(body=body, content_type="application/json")
