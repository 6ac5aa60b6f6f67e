"""The portal's routes, in the order the app must add them."""

from collections.abc import Iterator

from aiohttp.web_routedef import AbstractRouteDef

from sync_server.portal import approve_device, assets, downloads, pages, sign_in

__all__ = ["portal_routes"]


def portal_routes() -> Iterator[AbstractRouteDef]:
    """Every portal route; the catch-all 404 last, so it answers only what nothing else
    does."""
    for module in (assets, sign_in, approve_device, pages, downloads):
        yield from module.routes
    yield from assets.fallback
