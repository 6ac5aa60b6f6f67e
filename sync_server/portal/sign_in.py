"""Signing in to the investor portal: email → link by email → confirm → session cookie.

* ``GET /portal/sign-in`` asks for an email; its POST (CSRF-checked, rate limited like
  ``POST /v1/auth/magic-link``, on the same counters) always answers "check your email",
  and the link is looked up and mailed after the answer, so neither words nor timing say
  whether the address is known.
* The mailed link is ``/portal/confirm#token=…``: the token travels in the fragment, which
  the browser never sends, so opening the link (a person, a mail scanner) spends nothing.
  The confirm page's button POSTs the token in a form; only that spends it
  (:func:`sync_server.magic_links.redeem`, single use, 15 minutes). Each request for a link
  issues its own token, so a link asked for by the desktop and one asked for here never
  spend each other.
* A spent, expired or wrong link answers the "link expired" page, which asks for a new one.
* ``POST /portal/sign-out`` ends the session on the server and clears the cookie.
"""

from __future__ import annotations

import asyncio
from typing import Final

from aiohttp import web
from sqlalchemy import Engine

from sync_server.api_errors import ApiError
from sync_server.app_context import (
    DB,
    MAILER,
    SETTINGS,
    client_address,
    enforce_rate_limit,
    run_db,
)
from sync_server.database import tenant_tx
from sync_server.magic_links import issue_links, redeem
from sync_server.portal.browser_session import (
    clear_session_cookie,
    csrf_matches,
    set_session_cookie,
)
from sync_server.portal.rendering import browser_keys, page
from sync_server.portal.signed_in import current_caller
from sync_server.rate_limits import bucket_name
from sync_server.request_bodies import MagicLinkBody, parse_body
from sync_server.request_log import logger
from sync_server.routes.auth import BACKGROUND
from sync_server.sessions import revoke_session

__all__ = ["routes"]

routes = web.RouteTableDef()
_MAX_FIELD: Final = 400


def _see_other(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


async def _form(request: web.Request) -> dict[str, str]:
    data = await request.post()
    return {k: v[:_MAX_FIELD] for k, v in data.items() if isinstance(v, str)}


def _refused_form(request: web.Request) -> web.Response:
    return page(
        request,
        "message.html",
        status=403,
        title="This form has expired",
        message="The page you sent was open too long or came from elsewhere. Nothing was "
        "changed. Open the page again and send it once more.",
        link=("/portal/sign-in", "Back to sign-in"),
    )


@routes.get("/portal/sign-in")
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if await current_caller(request) is not None:
        raise _see_other("/portal")
    return page(request, "sign_in.html", title="Investor sign-in", email="", problem=None)


async def _mail_links(app: web.Application, email: str) -> None:
    settings, db = app[SETTINGS], app[DB]
    try:
        links = await db.run(issue_links, db.engine, email, settings.magic_link_ttl_seconds)
        for link in links:
            body = (
                f"Sign in to the investor portal of {link.org_name}:\n\n"
                f"{settings.public_url}/portal/confirm#token={link.token}\n\n"
                "Open the link and press Sign in. It works once, for 15 minutes. "
                "If you did not ask for it, ignore this email."
            )
            await db.run(app[MAILER].send, email, f"Sign in to {link.org_name}", body)
    except Exception:
        logger().exception("portal.link_delivery_failed")


@routes.post("/portal/sign-in")
async def ask_for_link(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if not csrf_matches(browser_keys(request), request, form.get("csrf", ""), None):
        return _refused_form(request)
    email = form.get("email", "").strip()
    try:
        body = parse_body(MagicLinkBody, {"email": email})
    except ApiError:
        return page(
            request,
            "sign_in.html",
            status=422,
            title="Investor sign-in",
            email=email,
            problem="Enter the email address your fund manager has for you, such as "
            "name@example.com.",
        )
    limits = request.app[SETTINGS].rate_limits
    ip = client_address(request)
    try:
        await enforce_rate_limit(
            request,
            (bucket_name("magic-ip", ip), limits.magic_link_per_ip),
            (
                bucket_name("magic-address-ip", body.email.lower(), ip),
                limits.magic_link_per_address_ip,
            ),
        )
    except ApiError as refused:
        wait = refused.headers.get("Retry-After", "60")
        minutes = max(1, -(-int(wait) // 60))
        return page(
            request,
            "sign_in.html",
            status=429,
            headers={"Retry-After": wait},
            title="Investor sign-in",
            email=email,
            problem=f"Too many sign-in emails were asked for from here. Try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}.",
        )
    task = asyncio.create_task(_mail_links(request.app, body.email))
    tasks = request.app[BACKGROUND]
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    raise _see_other("/portal/sign-in/sent")


@routes.get("/portal/sign-in/sent")
async def link_sent(request: web.Request) -> web.Response:
    return page(request, "sent.html", title="Check your email")


@routes.get("/portal/confirm")
async def confirm_page(request: web.Request) -> web.Response:
    return page(request, "confirm.html", title="Confirm sign-in")


@routes.post("/portal/confirm")
async def confirm(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    if not csrf_matches(browser_keys(request), request, form.get("csrf", ""), None):
        return _refused_form(request)
    token = form.get("token", "")
    settings = request.app[SETTINGS]
    ip = client_address(request)
    try:
        await enforce_rate_limit(
            request,
            (bucket_name("magic-consume-ip", ip), settings.rate_limits.magic_link_consume_per_ip),
        )
    except ApiError:
        return _expired(request, status=429)
    redeemed = await run_db(request, redeem, token, settings.lp_session_ttl_seconds)
    if redeemed is None:
        return _expired(request)
    logger().info("portal.sign_in", user_id=redeemed.user_id, org_id=redeemed.org_id)
    response = web.HTTPSeeOther("/portal")
    set_session_cookie(response, request, redeemed.session.token, settings.lp_session_ttl_seconds)
    raise response


def _expired(request: web.Request, *, status: int = 410) -> web.Response:
    return page(request, "expired.html", status=status, title="This link has expired", email="")


@routes.get("/portal/expired")
async def expired_page(request: web.Request) -> web.Response:
    return _expired(request, status=200)


def _end_session(engine: Engine, org_id: str, session_id: str) -> None:
    with tenant_tx(engine, org_id) as conn:
        revoke_session(conn, session_id)


@routes.post("/portal/sign-out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    caller = await current_caller(request)
    form = await _form(request)
    session_id = None if caller is None else caller.session_id
    if not csrf_matches(browser_keys(request), request, form.get("csrf", ""), session_id):
        return _refused_form(request)
    if caller is not None:
        await run_db(request, _end_session, caller.org_id, caller.session_id)
    response = web.HTTPSeeOther("/portal/signed-out")
    clear_session_cookie(response, request)
    raise response


@routes.get("/portal/signed-out")
async def signed_out(request: web.Request) -> web.Response:
    return page(
        request,
        "message.html",
        title="You are signed out",
        message="Your session has ended on this device.",
        link=("/portal/sign-in", "Sign in again"),
    )
