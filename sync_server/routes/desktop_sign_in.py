"""An LP's desktop signs in by emailed approval (:mod:`sync_server.desktop_sign_in`).

``POST /v1/auth/desktop-link`` starts a request and always answers 202 with what the
desktop polls with; ``POST /v1/auth/desktop-link/poll`` answers 202 pending, 200 a
session (once), or 401 ``invalid_or_expired_token``. The approval itself is a portal page
(:mod:`sync_server.portal.approve_device`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Final

from aiohttp import web

from core.domain.roles import Role
from core.reports.presentation import long_date
from core.sync.desktop_sign_in_messages import DesktopSignInPending, DesktopSignInStarted
from core.sync.messages import SessionGranted
from sync_server.api_errors import ApiError
from sync_server.app_context import (
    DB,
    KEYS,
    MAILER,
    SETTINGS,
    client_address,
    enforce_rate_limit,
    run_db,
)
from sync_server.desktop_sign_in import (
    POLL_INTERVAL_SECONDS,
    ApprovalLink,
    DesktopRequest,
    SignInKey,
    collect,
    record_request,
)
from sync_server.rate_limits import bucket_name
from sync_server.replies import reply
from sync_server.request_bodies import DesktopLinkBody, DesktopPollBody, parse_body, read_json
from sync_server.request_log import logger
from sync_server.routes.auth import BACKGROUND

__all__ = [
    "approval_key",
    "asked_text",
    "routes",
]

routes = web.RouteTableDef()

GONE: Final = ApiError(
    401,
    "invalid_or_expired_token",
    "this sign-in request has expired, was turned down or was already used; ask again",
)


def approval_key(app: web.Application) -> SignInKey:
    return SignInKey(app[KEYS].rate_limit_key())


def asked_text(when: dt.datetime) -> str:
    """``14:02 UTC on 3 March 2026``."""
    when = when.astimezone(dt.UTC)
    return f"{when:%H:%M} UTC on {long_date(when.date())}"


def _letter(public_url: str, request: DesktopRequest, device: str, link: ApprovalLink) -> str:
    return (
        f"A computer asked to sign in to {link.org_name}'s investor records on Deal OS "
        "as you.\n\n"
        f"Computer: {device}\n"
        f"Asked at: {asked_text(request.asked_at)}\n"
        f"Check code: {request.check_code} (the computer shows the same code)\n\n"
        "To let it in, open this link and press Approve:\n\n"
        f"{public_url}/portal/approve-device?request={request.request_id}"
        f"#token={link.token}\n\n"
        "The link works once, for 15 minutes. If you did not ask for this, ignore this "
        "email: nothing signs in without your approval."
    )


async def _mail_approvals(
    app: web.Application, email: str, request: DesktopRequest, device: str
) -> None:
    settings, db = app[SETTINGS], app[DB]
    try:
        links = await db.run(record_request, db.engine, email, request, device)
        for link in links:
            body = _letter(settings.public_url, request, device, link)
            subject = f"Approve signing in to {link.org_name} on your computer"
            await db.run(app[MAILER].send, email, subject, body)
    except Exception:
        logger().exception("desktop_sign_in.delivery_failed")


@routes.post("/v1/auth/desktop-link")
async def request_desktop_link(request: web.Request) -> web.Response:
    """Start a desktop sign-in. Counted on the magic links' own limits (per address and
    per client address): an address gets no more sign-in emails this way than the other."""
    body = parse_body(DesktopLinkBody, await read_json(request))
    settings = request.app[SETTINGS]
    limits, ip = settings.rate_limits, client_address(request)
    await enforce_rate_limit(
        request,
        (bucket_name("magic-ip", ip), limits.magic_link_per_ip),
        (bucket_name("magic-address-ip", body.email.lower(), ip), limits.magic_link_per_address_ip),
    )
    started = DesktopRequest.new(approval_key(request.app), settings.magic_link_ttl_seconds)
    # The lookup and the mail happen after the answer: same answer, same time, for every
    # address.
    task = asyncio.create_task(_mail_approvals(request.app, body.email, started, body.device_name))
    tasks = request.app[BACKGROUND]
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return reply(
        DesktopSignInStarted(
            request_id=started.request_id,
            poll_secret=started.poll_secret,
            check_code=started.check_code,
            expires_at=started.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            interval=POLL_INTERVAL_SECONDS,
        ),
        status=202,
    )


@routes.post("/v1/auth/desktop-link/poll")
async def poll_desktop_link(request: web.Request) -> web.Response:
    """Pending, a session once approved (exactly once), or refused. Polls count per
    client address and per request, generously: a desktop polls every few seconds."""
    body = parse_body(DesktopPollBody, await read_json(request))
    settings = request.app[SETTINGS]
    limits, ip = settings.rate_limits, client_address(request)
    await enforce_rate_limit(
        request,
        (bucket_name("desktop-poll-ip", ip), limits.desktop_link_poll_per_ip),
        (
            bucket_name("desktop-poll-request", body.request_id),
            limits.desktop_link_poll_per_request,
        ),
    )
    collected = await run_db(
        request,
        collect,
        approval_key(request.app),
        body.request_id,
        body.poll_secret,
        ttl_seconds=settings.magic_link_ttl_seconds,
        session_ttl=settings.lp_session_ttl_seconds,
    )
    if collected.status == "pending":
        return reply(DesktopSignInPending(status="pending"), status=202)
    if collected.session is None:
        raise GONE
    return reply(
        SessionGranted(
            session_token=collected.session.token,
            user_id=collected.user_id,
            org_id=collected.org_id,
            roles=[Role(r) for r in collected.roles],
            expires_at=collected.session.expires_at_text,
        )
    )
