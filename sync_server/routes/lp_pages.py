"""The page a magic link opens: it spends the token only when a person clicks.

``GET /lp/sign-in`` never touches the token (it travels in the URL fragment, which the
browser keeps to itself); the page's script POSTs it to ``/v1/auth/magic-link/consume``
when the investor presses "Sign in", so a mail scanner that follows the link burns nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from aiohttp import web

__all__ = ["PAGE_CSP", "routes"]

routes = web.RouteTableDef()

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
