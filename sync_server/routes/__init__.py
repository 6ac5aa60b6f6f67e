"""The HTTP endpoints of PROTOCOL.md, one module per area."""

from aiohttp import web

from sync_server.routes import (
    auth,
    blobs,
    desktop_sign_in,
    devices,
    lp_pages,
    meta,
    notices,
    orgs,
    sync,
)

__all__ = ["add_routes"]


def add_routes(app: web.Application) -> None:
    for module in (auth, desktop_sign_in, devices, sync, blobs, orgs, meta, lp_pages):
        app.add_routes(module.routes)
    notices.add_notice_routes(app)
