"""``GET /v1/notices/deliveries``: how each issued notice's emails went, for the GP.

``?call_id=`` or ``?distribution_id=`` narrows it to one notice (404 if the organization
has no such call or distribution); with neither, every notice's, newest first. Staff who
read the whole organization only: external readers get 403 whatever they ask.

Registering these routes also starts the outbox's sender with the app
(:func:`sync_server.notifications.sender.notice_sender`).
"""

from __future__ import annotations

from typing import Self

from aiohttp import web
from pydantic import BaseModel, ConfigDict, model_validator

from core.ops.fields import Uuid
from sync_server.app_context import require_caller, run_db
from sync_server.notifications.deliveries import deliveries, invitation_deliveries
from sync_server.notifications.sender import notice_sender
from sync_server.replies import reply
from sync_server.request_bodies import parse_query

__all__ = ["DeliveriesQuery", "add_notice_routes", "routes"]

routes = web.RouteTableDef()


class DeliveriesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: Uuid | None = None
    distribution_id: Uuid | None = None

    @model_validator(mode="after")
    def _one_notice(self) -> Self:
        if self.call_id is not None and self.distribution_id is not None:
            raise ValueError("give call_id or distribution_id, not both")
        return self


@routes.get("/v1/notices/deliveries")
async def notice_deliveries(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    query = parse_query(DeliveriesQuery, request)
    notice = None
    if query.call_id is not None:
        notice = ("capital_call", query.call_id)
    elif query.distribution_id is not None:
        notice = ("distribution", query.distribution_id)
    return reply(await run_db(request, deliveries, caller, notice))


@routes.get("/v1/invitations")
async def invitations(request: web.Request) -> web.Response:
    """How each invitation email went (staff only, like notices)."""
    caller = await require_caller(request)
    return reply(await run_db(request, invitation_deliveries, caller))


def add_notice_routes(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(notice_sender)
