"""``GET /v1/openapi.json``: PROTOCOL.md, machine-readable (OpenAPI 3.1).

The schemas come from the very models the server validates with: each op kind's payload
model is ``components.schemas.<Kind>Payload`` (named by
:attr:`core.ops.kinds.KindSpec.schema_name`), the envelope is ``Envelope``, and each
request body is its pydantic model, so the document cannot drift from the code. Every
field has its real shape (ids ``format: uuid``, dates ``format: date``, money a decimal
``pattern``, currencies an ``enum``), carried by the field types of
:mod:`core.ops.fields`.

Every JSON answer is its model of :mod:`core.sync.messages` too, the one the server builds
it from and the client reads it with: ``SessionGranted``, ``PushResults``, ``PullPage``,
``SyncState``, ``SnapshotBody``, ``ErrorBody`` for every 4xx/5xx (also published as
``Error``), and so on. A pulled op is a ``PulledOp`` holding an ``Envelope`` or, redacted,
a ``RedactedPulledOp`` holding a ``RedactedEnvelope`` (``device_seq`` and ``base_version``
null), and where a kind's redacted payload is not a valid payload of the kind it has a
``<Kind>RedactedPayload`` schema, named in ``x-op-kinds`` as ``redacted_payload``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from core.ops.envelope import Envelope, RedactedEnvelope
from core.ops.fields import UUID_PATTERN
from core.ops.kinds import KINDS, KindSpec
from core.sync.blob_messages import BlobStored
from core.sync.desktop_sign_in_messages import DesktopSignInPending, DesktopSignInStarted
from core.sync.invitation_messages import InvitationDeliveries
from core.sync.messages import (
    RESPONSE_MODELS,
    AttachResult,
    DeviceEnrolled,
    ErrorBody,
    Health,
    HistoryAttached,
    MagicLinkSent,
    PullPage,
    PushResults,
    Readiness,
    ServerKey,
    SessionGranted,
    SnapshotBody,
    SyncState,
)
from core.sync.notice_messages import NoticeDeliveries
from sync_server.request_bodies import (
    AttachBody,
    AttachHistoryBody,
    ConsumeBody,
    DesktopLinkBody,
    DesktopPollBody,
    DeviceBody,
    InvitationAcceptBody,
    LoginBody,
    MagicLinkBody,
    PasswordBody,
    PushBody,
)

__all__ = ["openapi_document"]

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error_codes(*codes: str) -> dict[str, Any]:
    return {
        "description": "error codes: " + ", ".join(codes),
        "content": _json(_ref(ErrorBody.__name__)),
    }


def _op(
    summary: str,
    *,
    body: str | None = None,
    ok: tuple[str, type[BaseModel] | None] = ("200", None),
    auth: bool = True,
    errors: dict[str, tuple[str, ...]] | None = None,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    status, model = ok
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {
                "description": "success",
                **({"content": _json(_ref(model.__name__))} if model else {}),
            }
        },
    }
    if body:
        op["requestBody"] = {"required": True, "content": _json(_ref(body))}
        # Every JSON body is read by the same reader, behind the same size guard.
        op["responses"]["400"] = _error_codes("invalid_json")
        op["responses"]["413"] = _error_codes("body_too_large")
        op["responses"]["415"] = _error_codes("unsupported_media_type")
    if auth:
        op["security"] = [{"bearer": []}]
        op["responses"]["401"] = _error_codes("unauthorized")
    for code, names in (errors or {}).items():
        op["responses"][code] = _error_codes(*names)
    if params:
        op["parameters"] = params
    return op


INT = {"type": "integer"}
UUID = {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}


def _paths() -> dict[str, Any]:
    bad = ("invalid_request", "unknown_field")
    query = [
        {"name": "after", "in": "query", "schema": {**INT, "minimum": 0, "default": 0}},
        {
            "name": "limit",
            "in": "query",
            "schema": {**INT, "minimum": 1, "maximum": 1000, "default": 500},
        },
    ]
    return {
        "/v1/auth/login": {
            "post": _op(
                "Staff sign-in",
                body="LoginBody",
                ok=("200", SessionGranted),
                auth=False,
                errors={
                    "401": ("invalid_credentials",),
                    "409": ("org_required",),
                    "422": bad,
                    "429": ("rate_limited",),
                },
            )
        },
        "/v1/auth/logout": {"post": _op("End this session", ok=("204", None))},
        "/v1/auth/logout-all": {"post": _op("End every session of the user", ok=("204", None))},
        "/v1/auth/password": {
            "post": _op(
                "Change one's password; all sessions end, a new one is returned",
                body="PasswordBody",
                ok=("200", SessionGranted),
                errors={"401": ("invalid_credentials",), "422": bad, "429": ("rate_limited",)},
            )
        },
        "/v1/auth/magic-link": {
            "post": _op(
                "Mail an LP a sign-in link (always 202)",
                body="MagicLinkBody",
                ok=("202", MagicLinkSent),
                auth=False,
                errors={"422": bad, "429": ("rate_limited",)},
            )
        },
        "/v1/auth/magic-link/consume": {
            "post": _op(
                "Redeem a magic link",
                body="ConsumeBody",
                ok=("200", SessionGranted),
                auth=False,
                errors={
                    "401": ("invalid_or_expired_token",),
                    "422": bad,
                    "429": ("rate_limited",),
                },
            )
        },
        "/v1/auth/invitation/accept": {
            "post": _op(
                "Accept a staff invitation: its emailed one-time code sets the password; "
                "answers as a login",
                body="InvitationAcceptBody",
                ok=("200", SessionGranted),
                auth=False,
                errors={
                    "401": ("invalid_or_expired_code",),
                    "422": bad,
                    "429": ("rate_limited",),
                },
            )
        },
        "/v1/auth/desktop-link": {
            "post": _op(
                "An LP's desktop asks to sign in by emailed approval (always 202): the "
                "address gets a link to approve this computer, if it is an investor's; "
                "the desktop then polls",
                body="DesktopLinkBody",
                ok=("202", DesktopSignInStarted),
                auth=False,
                errors={"422": bad, "429": ("rate_limited",)},
            )
        },
        "/v1/auth/desktop-link/poll": {"post": _desktop_poll(bad)},
        "/v1/devices": {
            "post": _op(
                "Enroll a device key for the signed-in user, with the key's proof of "
                "possession (becomes a device.enroll op)",
                body="DeviceBody",
                ok=("201", DeviceEnrolled),
                errors={
                    "409": ("public_key_in_use", "service_account_pending"),
                    "422": ("invalid_public_key", "invalid_proof", *bad),
                },
            )
        },
        "/v1/devices/{device_id}": {
            "delete": _op(
                "Revoke a device (owner or admin; becomes a device.revoke op)",
                ok=("204", None),
                errors={"404": ("not_found",)},
                params=[{"name": "device_id", "in": "path", "required": True, "schema": UUID}],
            )
        },
        "/v1/sync/push": {
            "post": _op(
                "Push signed ops; one result per op, in order",
                body="PushBody",
                ok=("200", PushResults),
                errors={
                    "403": ("device_revoked",),
                    "404": ("unknown_device",),
                    "422": ("too_many_ops", *bad),
                },
            )
        },
        "/v1/sync/pull": {
            "get": _op(
                "Ops after a server_seq, in order, as the caller may see them",
                ok=("200", PullPage),
                errors={"422": ("invalid_request",)},
                params=query,
            )
        },
        "/v1/sync/state": {
            "get": _op(
                "The caller's view: last server_seq and digest",
                ok=("200", SyncState),
            )
        },
        "/v1/sync/snapshot": {
            "get": _op(
                "Every projection row of the organization at one server_seq, signed by the "
                "server key (format dealos-snapshot-v1); for roles that read everything",
                ok=("200", SnapshotBody),
                errors={
                    "403": ("snapshot_unavailable",),
                    "422": ("invalid_request",),
                    "429": ("rate_limited",),
                },
            )
        },
        "/v1/orgs/attach": {
            "post": _op(
                "Attach an organization started offline, from its genesis op",
                body="AttachBody",
                ok=("201", AttachResult),
                auth=False,
                errors={
                    "401": ("invalid_or_expired_token",),
                    "403": ("forbidden",),
                    "409": ("org_exists",),
                    "422": bad,
                    "429": ("rate_limited",),
                },
            )
        },
        "/v1/orgs/attach/history": {
            "post": _op(
                "The rest of an attaching organization's log, every device's ops, in the "
                "order made and in parts; the last part (complete) applies the whole "
                "history in one transaction, or nothing of it (history_refused names the op)",
                body="AttachHistoryBody",
                ok=("200", HistoryAttached),
                errors={
                    "403": ("forbidden",),
                    "409": ("attach_complete", "history_out_of_order"),
                    "422": ("history_refused", "history_too_large", "too_many_ops", *bad),
                },
            )
        },
        "/v1/notices/deliveries": {
            "get": _op(
                "How the emails of issued capital calls and distributions went, per LP and "
                "address (queued, sending, sent, failed, with attempts and the last error); "
                "one notice with call_id or distribution_id, else every notice, newest "
                "first; for roles that read the whole organization",
                ok=("200", NoticeDeliveries),
                errors={
                    "403": ("forbidden",),
                    "404": ("not_found",),
                    "422": ("invalid_request", "unknown_field"),
                },
                params=[
                    {"name": "call_id", "in": "query", "schema": UUID},
                    {"name": "distribution_id", "in": "query", "schema": UUID},
                ],
            )
        },
        "/v1/invitations": {
            "get": _op(
                "How each invitation email went (queued, sending, sent, failed, with "
                "attempts, the last error and when a staff member used the code), newest "
                "first; for roles that read the whole organization",
                ok=("200", InvitationDeliveries),
                errors={"403": ("forbidden",)},
            )
        },
        "/v1/blobs/{sha256}": _blob_paths(),
        "/v1/server-key": {
            "get": _op(
                "The Ed25519 key that signs redacted ops and snapshots",
                ok=("200", ServerKey),
                auth=False,
            )
        },
        "/v1/openapi.json": {"get": _op("This document", auth=False)},
        "/healthz": {"get": _op("The process is up", ok=("200", Health), auth=False)},
        "/readyz": {
            "get": _op(
                "The database is reachable and migrated",
                ok=("200", Readiness),
                auth=False,
                errors={"503": ("not_ready",)},
            )
        },
        "/metrics": {"get": _op("Prometheus metrics (text)", auth=False)},
    }


def _blob_paths() -> dict[str, Any]:
    """PROTOCOL "Document blobs": raw bytes up, raw bytes (or one range of them) down."""
    sha = [
        {
            "name": "sha256",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        }
    ]
    put = _op(
        "Upload a document file, named by the SHA-256 of its bytes (a role that adds "
        "documents; at most 100 MiB, streamed)",
        ok=("201", BlobStored),
        params=sha,
        errors={
            "400": ("upload_incomplete",),
            "403": ("forbidden",),
            "413": ("body_too_large",),
            "422": ("hash_mismatch", "invalid_request"),
        },
    )
    put["requestBody"] = {
        "required": True,
        "description": "the file's bytes; Content-Type is the file's media type",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
    put["responses"]["200"] = {
        "description": "the organization already holds these bytes",
        "content": _json(_ref(BlobStored.__name__)),
    }
    get = _op(
        "Download a document file (ETag = its hash; one Range, answered 206, resumes a cut "
        "download); 404 unless the caller's organization uploaded it and the caller is "
        "staff, or a document the caller may see names it. Every read is audited",
        params=[
            *sha,
            {"name": "Range", "in": "header", "schema": {"type": "string"}},
            {"name": "If-Range", "in": "header", "schema": {"type": "string"}},
        ],
        errors={
            "404": ("not_found",),
            "416": ("range_not_satisfiable",),
            "422": ("invalid_request",),
        },
    )
    get["responses"]["200"] = {
        "description": "the file's bytes, in its media type",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
    get["responses"]["206"] = {
        "description": "the range asked for, with Content-Range",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
    return {"put": put, "get": get}


def _desktop_poll(bad: tuple[str, ...]) -> dict[str, Any]:
    """Two successes: 202 while nobody has approved, 200 the session, once."""
    poll = _op(
        "A desktop's wait for its sign-in: pending (202) until the emailed link is "
        "approved, then the session (200, as login) exactly once",
        body="DesktopPollBody",
        ok=("200", SessionGranted),
        auth=False,
        errors={
            "401": ("invalid_or_expired_token",),
            "422": bad,
            "429": ("rate_limited",),
        },
    )
    poll["responses"]["202"] = {
        "description": "not approved yet: poll again after the interval",
        "content": _json(_ref(DesktopSignInPending.__name__)),
    }
    return poll


def _unions(schemas: dict[str, Any]) -> dict[str, Any]:
    """The item unions of a push's results and of a pull's ops, as components of their
    own (``PushResult``, ``PulledItem``) that the lists refer to."""
    found = {}
    for name, model, field in (
        ("PushResult", PushResults, "results"),
        ("PulledItem", PullPage, "ops"),
    ):
        listed = schemas[model.__name__]["properties"][field]
        found[name] = listed["items"]
        listed["items"] = _ref(name)
    return found


def _kind(spec: KindSpec) -> dict[str, Any]:
    entry = {"payload": _ref(spec.schema_name), "summary": spec.summary}
    if spec.redacted is not None:
        entry["redacted_payload"] = _ref(spec.redacted_schema_name)
    return entry


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    models: list[type[BaseModel]] = [spec.payload for spec in KINDS.values()]
    models += [spec.redacted for spec in KINDS.values() if spec.redacted is not None]
    models += [Envelope, RedactedEnvelope]
    models += [LoginBody, MagicLinkBody, ConsumeBody, PasswordBody, DeviceBody]
    models += [InvitationAcceptBody, DesktopLinkBody, DesktopPollBody]
    models += [PushBody, AttachBody, AttachHistoryBody]
    models += [*RESPONSE_MODELS, BlobStored]
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    schemas = top["$defs"]
    schemas.update(_unions(schemas))
    schemas["Error"] = _ref(ErrorBody.__name__)  # its name before the models named it
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Deal OS sync protocol",
            "version": "1",
            "description": "PROTOCOL.md v1. Op payload schemas: <Kind>Payload; what an "
            "external reader pulls of a kind, where it differs: <Kind>RedactedPayload.",
        },
        "paths": _paths(),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "x-op-kinds": {k: _kind(s) for k, s in KINDS.items()},
        },
    }
