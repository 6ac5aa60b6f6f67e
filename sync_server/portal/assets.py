"""The portal's style sheet and its one script, and the 404 page for every other address
under ``/portal`` (audited when someone is signed in, exactly as an id they may not see)."""

from __future__ import annotations

from typing import Final

from aiohttp import web

from sync_server.app_context import DB, KEYS
from sync_server.portal.investor_access import audit_not_found
from sync_server.portal.rendering import WEB, with_page_headers
from sync_server.portal.signed_in import current_caller, not_found_page

__all__ = ["fallback", "routes"]

routes = web.RouteTableDef()
fallback = web.RouteTableDef()
_FILES: Final = {
    "portal.css": ("portal/portal.css", "text/css"),
    "confirm.js": ("portal/confirm.js", "text/javascript"),
    "approve_device.js": ("portal/approve_device.js", "text/javascript"),
}


@routes.get("/portal/static/{name}")
async def asset(request: web.Request) -> web.StreamResponse:
    found = _FILES.get(request.match_info["name"])
    if found is None:
        return await nowhere(request)
    path, media_type = found
    response = web.Response(
        body=(WEB / path).read_bytes(),
        content_type=media_type,
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
    return with_page_headers(response)


@fallback.route("*", "/portal/{tail:.*}")
async def nowhere(request: web.Request) -> web.StreamResponse:
    caller = await current_caller(request)
    if caller is not None:
        db = request.app[DB]
        await db.run(
            audit_not_found, db.engine, request.app[KEYS], caller, "a portal address", None
        )
    return not_found_page(
        request,
        signed_in=caller is not None,
        session_id=None if caller is None else caller.session_id,
    )
