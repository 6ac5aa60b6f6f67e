"""``POST /v1/orgs/attach``: bring an organization started offline onto this server."""

from __future__ import annotations

from aiohttp import web

from core.domain.roles import Role
from core.sync.messages import AttachResult
from sync_server.app_context import (
    DB,
    KEYS,
    PASSWORDS,
    SETTINGS,
    client_address,
    enforce_rate_limit,
    run_db,
)
from sync_server.bootstrap import attach_org
from sync_server.rate_limits import bucket_name
from sync_server.replies import reply
from sync_server.request_bodies import AttachBody, parse_body, read_json
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
