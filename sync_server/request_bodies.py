"""The body or query of every endpoint, as a strict pydantic model (unknown fields
refused), and the one JSON reader that turns bad input into a 4xx."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.ops.fields import ShortText, Uuid
from sync_server.api_errors import ApiError, from_validation

__all__ = [
    "AttachBody",
    "AttachHistoryBody",
    "ConsumeBody",
    "DesktopLinkBody",
    "DesktopPollBody",
    "DeviceBody",
    "InvitationAcceptBody",
    "LoginBody",
    "MagicLinkBody",
    "PasswordBody",
    "PullQuery",
    "PushBody",
    "parse_body",
    "parse_query",
    "read_json",
]

M = TypeVar("M", bound=BaseModel)
Email = Annotated[str, Field(min_length=3, max_length=320)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
NewPassword = Annotated[str, Field(min_length=12, max_length=1024)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LoginBody(_Body):
    email: Email
    password: Password
    # Needed only when the same email and password open several organizations.
    org_id: Uuid | None = None


class MagicLinkBody(_Body):
    email: Email


Token = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


class ConsumeBody(_Body):
    token: Token


# Letters, digits, spaces and . _ - ' ( ): a host name fits, a web address does not, so no
# one can put a link of their own into a sign-in email through it.
DeviceName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w .'’()-]+$")]


class DesktopLinkBody(_Body):
    """An LP's desktop asks to sign in (sync_server/desktop_sign_in.py): who, and the
    name of the computer, shown in the email and on the approval page."""

    email: Email
    device_name: DeviceName = "a computer"


class DesktopPollBody(_Body):
    request_id: Uuid
    poll_secret: Annotated[str, Field(min_length=1, max_length=200)]


class PasswordBody(_Body):
    current_password: Password
    new_password: NewPassword


class InvitationAcceptBody(_Body):
    """A staff invitation's sign-in code, for the address it was sent to, and the
    password the invited person chooses."""

    email: Email
    code: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="the code from the invitation email; dashes, spaces and capitals "
            "as typed do not matter",
        ),
    ]
    password: NewPassword


# An Ed25519 signature, base64url without padding, as in an op's "signature".
Proof = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]{86}$",
        description='Ed25519 signature by the key being enrolled over b"dealos-device-v1\\n" '
        '+ JCS({"org_id", "user_id", "public_key"}) of the session\'s org and user, '
        "base64url without padding",
    ),
]


class DeviceBody(_Body):
    public_key: Annotated[str, Field(max_length=100)]
    name: ShortText
    proof: Proof


class PushBody(_Body):
    device_id: Uuid
    ops: list[Any]


class AttachBody(_Body):
    attach_code: Token
    genesis: dict[str, Any]
    password: NewPassword


class AttachHistoryBody(_Body):
    position: Annotated[int, Field(ge=0, le=2**31 - 1)] = Field(
        description="the index of this part's first op in the whole history: the number of "
        "ops sent before it, or 0 to start again"
    )
    ops: list[Any] = Field(description="envelopes in the order they were made, any device's")
    complete: bool = Field(description="true on the last part: apply the whole history now")


class PullQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    after: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 500


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def read_json(request: web.Request) -> Any:
    """The decoded JSON body; 415 for another media type, 400 for bytes that are not JSON."""
    ctype = request.headers.get("Content-Type")
    if ctype is not None and request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = await request.read()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "the body is not valid UTF-8 JSON") from None


def _nul_at(value: Any) -> str | None:
    """The path of the first text holding U+0000, which Postgres text cannot store (a loop:
    a body may nest as deep as the JSON reader allows)."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path or None
            continue
        if isinstance(item, dict):
            pairs: Any = item.items()
        elif isinstance(item, list):
            pairs = enumerate(item)
        else:
            continue
        for key, inner in pairs:
            inner_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                return inner_path
            stack.append((inner, inner_path))
    return None


def parse_body(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", "the body must be a JSON object")
    # A push's ops are judged one by one (invalid_payload), not refused as a whole.
    path = _nul_at({k: v for k, v in data.items() if k != "ops"})
    if path is not None:
        raise ApiError(
            422,
            "invalid_request",
            f"{path}: must not contain the NUL character (U+0000)",
            field=path,
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def parse_query(model: type[M], request: web.Request) -> M:
    query = request.query
    if len(query) != len(set(query.keys())):
        raise ApiError(422, "invalid_request", "each query parameter may be given once")
    try:
        return model.model_validate(dict(query))
    except ValidationError as exc:
        raise from_validation(exc) from None
