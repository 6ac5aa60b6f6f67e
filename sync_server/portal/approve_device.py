"""The page an LP approves a desktop's sign-in on (:mod:`sync_server.desktop_sign_in`).

The email links to ``/portal/approve-device?request=<id>#token=…``. The request id names
what the page shows — the computer's name, when it asked, the check code its screen shows
— and the approval token stays in the fragment, which the browser never sends: opening
the link (a person, a mail scanner) approves nothing. The page's script moves the token
into the form; **Approve** or **This wasn't me** POSTs it with the form's CSRF token, and
only that decides. A request that is gone (expired, decided, collected, never made)
answers the same "expired" page.
"""

from __future__ import annotations

from aiohttp import web

from sync_server.api_errors import ApiError
from sync_server.app_context import SETTINGS, client_address, enforce_rate_limit, run_db
from sync_server.desktop_sign_in import decide, shown
from sync_server.portal.browser_session import csrf_matches
from sync_server.portal.rendering import browser_keys, page
from sync_server.rate_limits import bucket_name
from sync_server.routes.desktop_sign_in import approval_key, asked_text

__all__ = ["routes"]

routes = web.RouteTableDef()
_MAX_FIELD = 400


def _gone(request: web.Request, *, status: int = 410) -> web.Response:
    return page(
        request,
        "message.html",
        status=status,
        title="This sign-in request has expired",
        message="Requests to sign in a computer work once, for 15 minutes. This one was "
        "already answered, has expired, or the link was not copied whole. Nothing was "
        "signed in. To sign in, ask again on your computer.",
        link=None,
    )


@routes.get("/portal/approve-device")
async def approval_page(request: web.Request) -> web.Response:
    request_id = request.query.get("request", "")[:_MAX_FIELD]
    found = await run_db(request, shown, request_id)
    if found is None or not found.open:
        return _gone(request)
    return page(
        request,
        "approve_device.html",
        title="Sign in on your computer",
        device=found.device_name,
        asked=asked_text(found.asked_at),
        check_code=approval_key(request.app).check_code(request_id),
        request_id=request_id,
    )


@routes.post("/portal/approve-device")
async def approve(request: web.Request) -> web.Response:
    data = await request.post()
    form = {k: v[:_MAX_FIELD] for k, v in data.items() if isinstance(v, str)}
    if not csrf_matches(browser_keys(request), request, form.get("csrf", ""), None):
        return page(
            request,
            "message.html",
            status=403,
            title="This form has expired",
            message="The page you sent was open too long or came from elsewhere. Nothing "
            "was changed. Open the link in your email again and press the button once more.",
            link=None,
        )
    decision = form.get("decision", "")
    if decision not in ("approve", "deny"):
        return page(
            request,
            "message.html",
            status=422,
            title="Choose Approve or This wasn't me",
            message="Nothing was changed. Open the link in your email again and press one "
            "of the two buttons.",
            link=None,
        )
    limit = request.app[SETTINGS].rate_limits.magic_link_consume_per_ip
    try:
        await enforce_rate_limit(
            request, (bucket_name("magic-consume-ip", client_address(request)), limit)
        )
    except ApiError:
        return _gone(request, status=429)
    approved = decision == "approve"
    decided = await run_db(
        request, decide, form.get("request", ""), form.get("token", ""), approve=approved
    )
    if not decided:
        return _gone(request)
    if approved:
        return page(
            request,
            "message.html",
            title="Your computer is signing in",
            message="Approved. Deal OS on your computer opens your investor records in a "
            "few seconds; you can close this page.",
            link=None,
        )
    return page(
        request,
        "message.html",
        title="Nothing was signed in",
        message="The request was turned down and the computer stops waiting. If you did "
        "not ask for it, someone typed your email address; they cannot sign in without "
        "this email.",
        link=None,
    )
