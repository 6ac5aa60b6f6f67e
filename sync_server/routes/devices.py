"""``POST /v1/devices`` and ``DELETE /v1/devices/{device_id}``."""

from __future__ import annotations

from aiohttp import web

from core.ids import is_uuid
from core.ops.signing import public_key_bytes
from core.sync.messages import DeviceEnrolled
from sync_server.api_errors import ApiError
from sync_server.app_context import KEYS, require_caller, run_db
from sync_server.devices import enroll_device, revoke_device
from sync_server.replies import reply
from sync_server.request_bodies import DeviceBody, parse_body, read_json

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.post("/v1/devices")
async def enroll(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    data = await read_json(request)
    # A malformed key is invalid_public_key before the rest of the body, the proof above
    # all, is judged (a key that is not text at all is the body's invalid_request).
    if isinstance(data, dict) and isinstance(data.get("public_key"), str):
        _check_public_key(data["public_key"])
    try:
        body = parse_body(DeviceBody, data)
    except ApiError as exc:
        if exc.field != "proof":
            raise
        # Missing, not text, not 86 base64url characters: a proof of nothing.
        raise ApiError(422, "invalid_proof", exc.message, field="proof") from None
    device_id = await run_db(
        request,
        enroll_device,
        request.app[KEYS],
        caller,
        public_key=body.public_key,
        name=body.name,
        proof=body.proof,
    )
    return reply(DeviceEnrolled(device_id=device_id), status=201)


def _check_public_key(public_key: str) -> None:
    try:
        public_key_bytes(public_key)
    except ValueError as exc:
        raise ApiError(422, "invalid_public_key", str(exc), field="public_key") from None


@routes.delete("/v1/devices/{device_id}")
async def revoke(request: web.Request) -> web.Response:
    caller = await require_caller(request)
    device_id = request.match_info["device_id"]
    if not is_uuid(device_id):
        raise ApiError(404, "not_found", "no such device", field="device_id")
    await run_db(request, revoke_device, request.app[KEYS], caller, device_id)
    return web.Response(status=204)
