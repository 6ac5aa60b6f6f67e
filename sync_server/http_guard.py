"""What wraps every request: a request id, size limits, errors in one shape, security
headers, metrics and one log line.

Nothing a client sends can produce a 500 with internals: a refusal is an
:class:`~sync_server.api_errors.ApiError`; aiohttp's own HTTP errors (unknown route,
wrong method, body over the limit) are rewritten into the protocol's shape; anything
unexpected is logged with its traceback and answered with a generic 500 that names the
request id, so an operator can find the log line.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Final

import psycopg
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import OperationalError

from sync_server.api_errors import ApiError, error_response
from sync_server.app_context import METRICS, SETTINGS
from sync_server.blobs import MAX_BLOB_BYTES
from sync_server.error_tracking import capture_error
from sync_server.request_log import logger

__all__ = ["HEADER_LIMIT", "PARSER_HEADER_LIMIT", "REQUEST_ID", "guard", "security_headers"]

REQUEST_ID = web.RequestKey("request_id", str)
_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}

# A request line or header field over HEADER_LIMIT is refused here (414 / 431, in the
# error shape, with the security headers); the parser itself is let past it up to
# PARSER_HEADER_LIMIT so that such a request reaches this guard at all.
HEADER_LIMIT: Final = 8 * 1024
PARSER_HEADER_LIMIT: Final = 64 * 1024

_HTTP_CODES: Final = {
    400: ("bad_request", "the request is malformed"),
    404: ("not_found", "no such endpoint"),
    405: ("method_not_allowed", "this endpoint does not accept that method"),
    413: ("body_too_large", "the request body is over 5 MiB"),
    415: ("unsupported_media_type", "send the body as application/json"),
}


def _route_name(request: web.Request) -> str:
    info = request.match_info
    resource = info.route.resource if info.route is not None else None
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    given = request.headers.get("X-Request-ID", "")
    request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    started = time.perf_counter()
    response = await _answer(request, handler, request_id)
    response.headers["X-Request-ID"] = request_id
    route = _route_name(request)
    elapsed = time.perf_counter() - started
    metrics = request.app[METRICS]
    metrics.requests.labels(request.method, route, str(response.status)).inc()
    metrics.latency.labels(route).observe(elapsed)
    logger().info(
        "http.request",
        method=request.method,
        route=route,
        status=response.status,
        ms=round(elapsed * 1000, 1),
        remote=request.remote,
    )
    return response


def _body_limit(request: web.Request) -> int:
    """A document file's upload is streamed to disk by its handler, which holds it to its
    own limit (PROTOCOL "Document blobs"); every other body is held to max_body_bytes."""
    if request.method == "PUT" and _route_name(request) == "/v1/blobs/{sha256}":
        return MAX_BLOB_BYTES
    return request.app[SETTINGS].max_body_bytes


async def _answer(request: web.Request, handler: Handler, request_id: str) -> web.StreamResponse:
    limit = _body_limit(request)
    try:
        _refuse_oversized_head(request)
        if request.content_length is not None and request.content_length > limit:
            raise ApiError(413, "body_too_large", f"the request body is over {limit} bytes")
        return await handler(request)
    except ApiError as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = _HTTP_CODES.get(exc.status, ("http_error", exc.reason))
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return error_response(exc.status, code, message, headers=headers)
    except (OperationalError, psycopg.OperationalError):
        logger().exception("http.database_unavailable", route=_route_name(request))
        return error_response(
            503,
            "unavailable",
            "the database is unreachable; try again shortly",
            headers={"Retry-After": "5"},
        )
    except Exception as exc:
        logger().exception("http.unexpected_error", route=_route_name(request))
        capture_error(exc)
        return error_response(
            500,
            "internal_error",
            f"the server failed to answer; quote request id {request_id} to its operator",
            details={"request_id": request_id},
        )


def _refuse_oversized_head(request: web.Request) -> None:
    if len(request.raw_path) > HEADER_LIMIT:
        raise ApiError(414, "uri_too_long", f"the request's path is over {HEADER_LIMIT} bytes")
    for name, value in request.raw_headers:
        if len(name) + len(value) > HEADER_LIMIT:
            raise ApiError(
                431,
                "header_too_large",
                f"a request header is over {HEADER_LIMIT} bytes",
                details={"header": name.decode("latin-1")[:64]},
            )


async def security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
