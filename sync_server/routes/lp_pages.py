"""The page a magic link opens: it spends the token only when a person clicks.

``GET /lp/sign-in`` never touches the token (it travels in the URL fragment, which the
browser keeps to itself); the page's script POSTs it to ``/v1/auth/magic-link/consume``
when the investor presses "Sign in", so a mail scanner that follows the link burns nothing.
This page serves links the desktop asks for; the web portal (:mod:`sync_server.portal`)
mails its own links to ``/portal/confirm``, and ``/`` leads a browser to the portal.

``routes`` holds these pages and, after them, every route of the portal: the app adds
them together, the portal's catch-all 404 last.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

from aiohttp import web
from aiohttp.web_routedef import AbstractRouteDef

from sync_server.portal import routing

__all__ = ["PAGE_CSP", "routes"]


class _WithPortal(web.RouteTableDef):
    """This module's pages, then the portal's (read when the app adds them, so that the
    portal's modules, which import the auth routes, are complete by then)."""

    def __iter__(self) -> Iterator[AbstractRouteDef]:
        yield from super().__iter__()
        yield from routing.portal_routes()


routes = _WithPortal()

PAGE_CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The project's resources/web folder: pages are plain files a designer can edit.
_WEB = Path(__file__).resolve().parents[2] / "resources" / "web"
_ASSETS: Final = {
    "/lp/sign-in": ("lp-sign-in.html", "text/html"),
    "/lp/sign-in.js": ("lp-sign-in.js", "text/javascript"),
    "/lp/sign-in.css": ("lp-sign-in.css", "text/css"),
}


def _asset(path: str) -> web.Response:
    name, content_type = _ASSETS[path]
    return web.Response(
        body=(_WEB / name).read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Security-Policy": PAGE_CSP},
    )


@routes.get("/lp/sign-in")
async def sign_in_page(request: web.Request) -> web.Response:
    return _asset("/lp/sign-in")


@routes.get("/lp/sign-in.js")
async def sign_in_script(request: web.Request) -> web.Response:
    return _asset("/lp/sign-in.js")


@routes.get("/lp/sign-in.css")
async def sign_in_style(request: web.Request) -> web.Response:
    return _asset("/lp/sign-in.css")


@routes.get("/")
async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/portal")
