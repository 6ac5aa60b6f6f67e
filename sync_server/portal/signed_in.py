"""What every signed-in portal page shares: the session from the cookie, the viewer read in
the page's transaction, and one answer for whatever may not be seen.

:func:`investor_page` wraps a handler: no session sends the browser to sign in; a signed-in
user who is no investor gets a page saying so; :class:`NotSeen` from anywhere in the
handler's work becomes the one 404 page, after the request is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TypeVar

from aiohttp import web
from sqlalchemy import Connection, Engine

from sync_server.app_context import DB, KEYS, run_db
from sync_server.portal.browser_session import session_token
from sync_server.portal.investor_access import (
    NotSeen,
    PortalViewer,
    audit_not_found,
    portal_read,
    viewer_of,
)
from sync_server.portal.rendering import page
from sync_server.sessions import Caller, authenticate

__all__ = ["Work", "current_caller", "investor_page", "not_found_page", "read_as_viewer"]

T = TypeVar("T")
Work = Callable[[Connection, PortalViewer, dt.date], T]


async def current_caller(request: web.Request) -> Caller | None:
    token = session_token(request)
    if token is None:
        return None
    return await run_db(request, authenticate, token)


def _read(engine: Engine, caller: Caller, work: Work[T], today: dt.date) -> T:
    with portal_read(engine, caller.org_id) as conn:
        viewer = viewer_of(conn, caller)
        if not viewer.is_investor:
            raise _NoInvestor
        return work(conn, viewer, today)


class _NoInvestor(Exception):
    pass


async def read_as_viewer(request: web.Request, caller: Caller, work: Work[T]) -> T:
    """``work`` in one read-only transaction of the caller's organization, in the pool."""
    db = request.app[DB]
    return await db.run(_read, db.engine, caller, work, dt.date.today())


def not_found_page(
    request: web.Request, *, signed_in: bool, session_id: str | None
) -> web.Response:
    return page(
        request,
        "message.html",
        status=404,
        signed_in=signed_in,
        session_id=session_id,
        title="Page not found",
        message="There is nothing at this address for you. It may have been mistyped, or "
        "it is not part of your accounts.",
        link=("/portal", "Go to your overview"),
    )


Handler = Callable[[web.Request, Caller], Awaitable[web.StreamResponse]]


def investor_page(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        caller = await current_caller(request)
        if caller is None:
            raise web.HTTPSeeOther("/portal/sign-in")
        try:
            return await handler(request, caller)
        except NotSeen as refused:
            db = request.app[DB]
            await db.run(
                audit_not_found,
                db.engine,
                request.app[KEYS],
                caller,
                refused.what,
                refused.entity_id,
            )
            return not_found_page(request, signed_in=True, session_id=caller.session_id)
        except _NoInvestor:
            return page(
                request,
                "message.html",
                status=403,
                signed_in=True,
                session_id=caller.session_id,
                title="No investor account yet",
                message="You are signed in, but no investor account has been opened to you. "
                "Ask your fund manager to give you access.",
                link=None,
            )

    return wrapped
