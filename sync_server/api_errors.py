"""HTTP errors in PROTOCOL.md's one shape.

::

    ApiError                 a refusal with a status, a protocol code, a field, details
    ├── raised by handlers   (401 unauthorized, 404 unknown_device, 422 invalid_request…)
    └── made from OpRejected where a REST call turns into an op (devices)

Every 4xx/5xx body is ``{"error": {"code", "message", "field", "details"}}``:
:class:`core.sync.messages.ErrorBody`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from core.sync.messages import ErrorBody, ErrorDetail
from sync_server.replies import reply

__all__ = ["ApiError", "error_body", "error_response", "from_validation"]


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}
        self.headers = headers or {}

    def response(self) -> web.Response:
        return error_response(
            self.status,
            self.code,
            self.message,
            field=self.field,
            details=self.details,
            headers=self.headers,
        )


def error_body(
    code: str, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
) -> ErrorBody:
    return ErrorBody(
        error=ErrorDetail(code=code, message=message, field=field, details=details or {})
    )


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    return reply(
        error_body(code, message, field=field, details=details), status=status, headers=headers
    )


def from_validation(exc: ValidationError, *, prefix: str = "") -> ApiError:
    """422 naming the first bad field of a request body or query."""
    first = exc.errors()[0]
    parts = [str(p) for p in first["loc"]]
    path = ".".join([prefix, *parts] if prefix else parts) or None
    if first["type"] == "extra_forbidden":
        return ApiError(422, "unknown_field", f"{path} is not a field of this request", field=path)
    if first["type"] == "missing":
        return ApiError(422, "invalid_request", f"{path} is required", field=path)
    message = first["msg"].removeprefix("Value error, ")
    return ApiError(422, "invalid_request", f"{path}: {message}" if path else message, field=path)
