"""``POST /v1/orgs/attach``: bring an organization started offline onto this server;
``POST /v1/orgs/attach/history``: then the rest of its log, every device's ops."""

from __future__ import annotations

import asyncio

from aiohttp import web

from core.domain.roles import Role
from core.sync.messages import AttachResult, HistoryAttached
from sync_server.api_errors import ApiError
from sync_server.app_context import (
    DB,
    KEYS,
    METRICS,
    PASSWORDS,
    SETTINGS,
    STATISTICS,
    VERIFIERS,
    client_address,
    enforce_rate_limit,
    require_caller,
    run_db,
)
from sync_server.attach_history import attach_history
from sync_server.bootstrap import attach_org
from sync_server.rate_limits import bucket_name
from sync_server.replies import reply
from sync_server.request_bodies import AttachBody, AttachHistoryBody, parse_body, read_json
from sync_server.routes.auth import BACKGROUND
from sync_server.routes.sync import refresh_statistics
from sync_server.sessions import hash_token

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.post("/v1/orgs/attach")
async def attach(request: web.Request) -> web.Response:
    body = parse_body(AttachBody, await read_json(request))
    settings = request.app[SETTINGS]
    limits, ip = settings.rate_limits, client_address(request)
    # Per address (codes guessed) and per (code, address): the same code sent again with
    # other passwords is a password guess at the attached organization's founder.
    await enforce_rate_limit(
        request,
        (bucket_name("attach-ip", ip), limits.attach_per_ip),
        (
            bucket_name("attach-code-ip", hash_token(body.attach_code), ip),
            limits.attach_per_code_ip,
        ),
    )
    passwords = request.app[PASSWORDS]
    password_hash = await request.app[DB].run(passwords.hash, body.password)
    attached = await run_db(
        request,
        attach_org,
        request.app[KEYS],
        code=body.attach_code,
        genesis=body.genesis,
        password_hash=password_hash,
        password_matches=lambda stored: passwords.verify(stored, body.password),
        session_ttl=settings.session_ttl_seconds,
    )
    return reply(
        AttachResult(
            org_id=attached.org_id,
            user_id=attached.user_id,
            device_id=attached.device_id,
            session_token=attached.session.token,
            roles=[Role(r) for r in attached.roles],
            expires_at=attached.session.expires_at_text,
            server_seq=1,
            service_account=attached.service_account,
        ),
        status=201,
    )


@routes.post("/v1/orgs/attach/history")
async def history(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    body = parse_body(AttachHistoryBody, await read_json(request))
    limit = request.app[SETTINGS].max_ops_per_push
    if len(body.ops) > limit:
        raise ApiError(
            422,
            "too_many_ops",
            f"a part of a history holds at most {limit} ops; this one holds {len(body.ops)}",
            field="ops",
            details={"max_ops": limit},
        )
    app = request.app
    outcome = await run_db(
        request,
        attach_history,
        app[KEYS],
        caller,
        position=body.position,
        ops=body.ops,
        complete=body.complete,
        verifiers=app[VERIFIERS],
    )
    if outcome.complete:
        app[METRICS].ops.labels("accepted").inc(len(outcome.server_seqs))
        if app[STATISTICS].accepted(len(outcome.server_seqs)):
            refresh = asyncio.create_task(refresh_statistics(app))
            app[BACKGROUND].add(refresh)
            refresh.add_done_callback(app[BACKGROUND].discard)
    return reply(
        HistoryAttached(
            staged=outcome.staged, complete=outcome.complete, server_seqs=outcome.server_seqs
        )
    )
