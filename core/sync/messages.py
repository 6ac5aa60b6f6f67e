"""What the sync server answers (PROTOCOL.md), one frozen model per JSON response body.

The server builds each answer from its model, ``/v1/openapi.json`` publishes the model's
JSON Schema, and the client reads the answer back through the same model, so the three
cannot drift apart::

    POST /v1/auth/login · /password · /magic-link/consume   SessionGranted
    POST /v1/auth/magic-link                                 MagicLinkSent
    POST /v1/devices                                         DeviceEnrolled
    POST /v1/sync/push                                       PushResults: AcceptedOp | RejectedOp
    GET  /v1/sync/pull                                       PullPage: PulledOp | RedactedPulledOp
    GET  /v1/sync/state                                      SyncState
    GET  /v1/sync/snapshot                                   SnapshotBody
    POST /v1/orgs/attach                                     AttachResult
    POST /v1/orgs/attach/history                             HistoryAttached
    GET  /v1/server-key                                      ServerKey
    GET  /healthz · /readyz                                  Health · Readiness
    GET  /v1/notices/deliveries                              NoticeDeliveries (notice_messages)
    every 4xx and 5xx                                        ErrorBody

Reading is strict about what is there (a JSON string is never taken for a number, an id
must be a lowercase UUID) and lenient about what is not yet known: a field a later server
adds is skipped, never refused. :func:`first_error` turns a refusal into the field and the
rule a person can read.

Two answers are assembled from bytes by the server for speed (a staff pull returns the
stored envelopes verbatim; a snapshot is RFC 8785 bytes the server signs), with their key
names taken from these models. A new replica's bootstrap reads pulled pages as
:class:`HistoryPage`: the same page, each op kept as it came for its log, since the
history's replay (``verify_history``) parses and checks every op anyway; validating 100,000
envelopes twice would cost a new device seconds.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, NotRequired, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    InstanceOf,
    PlainValidator,
    StringConstraints,
    Tag,
    ValidationError,
    WithJsonSchema,
)
from typing_extensions import TypedDict

from core.domain.roles import Role
from core.errors import OpRejected
from core.ops.envelope import Envelope, RedactedEnvelope, Timestamp
from core.ops.fields import EmailStr, PublicKeyStr, Sha256Hex, ShortText, Uuid, Uuid7
from core.ops.signing import public_key_bytes
from core.store.state_snapshot import SNAPSHOT_FORMAT
from core.sync.desktop_sign_in_messages import DesktopSignInPending, DesktopSignInStarted
from core.sync.invitation_messages import InvitationDeliveries
from core.sync.notice_messages import NoticeDeliveries

__all__ = [
    "RESPONSE_MODELS",
    "AcceptedOp",
    "AttachResult",
    "DeviceEnrolled",
    "ErrorBody",
    "ErrorDetail",
    "Health",
    "HistoryAttached",
    "HistoryItem",
    "HistoryPage",
    "MagicLinkSent",
    "PullPage",
    "PulledItem",
    "PulledOp",
    "PushResult",
    "PushResults",
    "Readiness",
    "RedactedPulledOp",
    "RejectedOp",
    "ServerKey",
    "ServiceAccountInfo",
    "SessionGranted",
    "SnapshotBody",
    "SnapshotDocument",
    "SnapshotTableRows",
    "SyncState",
    "first_error",
]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")


def _public_key(value: str) -> str:
    public_key_bytes(value)
    return value


ServerSeq = Annotated[int, Field(ge=0, le=2**63 - 1)]
ErrorCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
SessionToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{20,200}$")]
# A JSON string is an enumeration's value: the one place strictness must let text through.
RoleName = Annotated[Role, Field(strict=False)]
Ed25519Key = Annotated[PublicKeyStr, AfterValidator(_public_key)]
Signature = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{86}$")]


# -- errors --------------------------------------------------------------------------------


class ErrorDetail(_Message):
    """PROTOCOL's one error object: of a refused request, and of each refused op in a push."""

    code: ErrorCode = Field(description="snake_case; codes are added, never renamed")
    message: str = Field(description="for a person")
    field: str | None = Field(description='the refused field\'s path, e.g. "payload.amount"')
    details: dict[str, Any]

    @classmethod
    def of(cls, exc: OpRejected) -> ErrorDetail:
        return cls.model_validate(exc.as_error())


class ErrorBody(_Message):
    """Every 4xx and 5xx answer."""

    error: ErrorDetail


# -- sign-in and devices -------------------------------------------------------------------


class SessionGranted(_Message):
    """A session: after a password sign-in or change, or a redeemed magic link."""

    session_token: SessionToken = Field(description="sent as Authorization: Bearer <token>")
    user_id: Uuid
    org_id: Uuid
    roles: list[RoleName]
    expires_at: Timestamp


class MagicLinkSent(_Message):
    """The same answer whether or not the address is known."""

    status: Literal["sent_if_registered"]


class DeviceEnrolled(_Message):
    device_id: Uuid


class ServiceAccountInfo(_Message):
    """The server's own account, which an attaching client admits by signing a
    ``user.invite`` and a ``device.enroll`` with these values."""

    user_id: Uuid
    device_id: Uuid
    email: EmailStr
    display_name: ShortText
    roles: list[RoleName]
    public_key: Ed25519Key
    device_name: ShortText


class AttachResult(_Message):
    """Then sign user.invite and device.enroll for service_account with your device, and
    send them after the rest of your history (``POST /v1/orgs/attach/history``)."""

    org_id: Uuid
    user_id: Uuid
    device_id: Uuid
    session_token: SessionToken
    roles: list[RoleName]
    expires_at: Timestamp
    server_seq: ServerSeq = Field(description="the genesis op's, always 1")
    service_account: ServiceAccountInfo


class HistoryAttached(_Message):
    """A part of an attaching organization's history held by the server; with the last
    part, the whole history judged and applied, all or nothing."""

    staged: Annotated[int, Field(ge=0)] = Field(
        description="ops of the history the server holds, this request's included"
    )
    complete: bool = Field(description="true once the whole history has been applied")
    server_seqs: list[ServerSeq] = Field(
        description="once complete, each op's server_seq, in the order sent; else empty"
    )


# -- push ----------------------------------------------------------------------------------


class AcceptedOp(_Message):
    op_id: Uuid7
    status: Literal["accepted", "duplicate"] = Field(
        description="duplicate: the same op_id and bytes were accepted before, at server_seq"
    )
    server_seq: ServerSeq


class RejectedOp(_Message):
    """A refused op changes nothing but the audit log."""

    op_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        description="the op_id the op claims, null when it has no usable one"
    )
    status: Literal["rejected"]
    error: ErrorDetail


PushResult = Annotated[AcceptedOp | RejectedOp, Field(discriminator="status")]


class PushResults(_Message):
    results: list[PushResult] = Field(description="one per op pushed, in request order")


# -- pull ----------------------------------------------------------------------------------


class PulledOp(_Message):
    """A device's op as it signed it, as roles that read everything pull it."""

    server_seq: ServerSeq
    op: Envelope
    redacted: Literal[False] = Field(False, description="absent for a device's op")


class RedactedPulledOp(_Message):
    """An op as an external reader (LP, counsel, lender) pulls it: its payload cut to what
    the reader may see, signed by the server's key (``GET /v1/server-key``)."""

    server_seq: ServerSeq
    op: RedactedEnvelope
    redacted: Literal[True]


def _pulled_kind(item: Any) -> str:
    redacted = item.get("redacted") if isinstance(item, dict) else getattr(item, "redacted", None)
    return "redacted" if redacted is True else "signed"


# Chosen by "redacted", never by the op's shape: a device's op must carry its counters
# whatever the page says around it.
PulledItem = Annotated[
    Annotated[PulledOp, Tag("signed")] | Annotated[RedactedPulledOp, Tag("redacted")],
    Discriminator(_pulled_kind),
]
_Item = TypeVar("_Item")


class _Page(_Message, Generic[_Item]):
    ops: list[_Item] = Field(description="in server_seq order; gaps are normal")
    next_after: ServerSeq = Field(
        description="where the next pull starts (after=): past the last op here, and past "
        "any the caller may not see"
    )
    has_more: bool


class PullPage(_Page[PulledItem]):
    """Ops after a ``server_seq``, in order, as the caller may see them."""


class HistoryItem(TypedDict):
    """A pulled op as a new replica's log keeps it: the envelope as it came, checked when
    the history is replayed."""

    server_seq: ServerSeq
    op: InstanceOf[dict[str, Any]]
    redacted: NotRequired[Literal[False]]


class HistoryPage(_Page[HistoryItem]):
    """A :class:`PullPage` as a bootstrap reads it (staff only: nothing redacted)."""


# -- state and snapshot --------------------------------------------------------------------


class SyncState(_Message):
    """The caller's view: staff get the projection's state digest; external readers a
    SHA-256 chained over the redacted ops they can pull."""

    org_id: Uuid
    last_seq: ServerSeq
    digest: Sha256Hex


def _rows(value: Any) -> list[list[Any]]:
    if type(value) is not list:
        raise ValueError("rows must be a list")
    return value


# Rows are many (hundreds of thousands): their width and values are checked in bulk
# against this build's schema (core.store.state_snapshot.checked_tables), not cell by cell.
SnapshotRows = Annotated[
    list[list[Any]],
    PlainValidator(_rows),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "array", "items": {"type": ["string", "integer", "boolean", "null"]}},
            "description": "one array per row, one JSON scalar per column, in primary-key order",
        }
    ),
]


# Fields in RFC 8785 order: the server writes the document's canonical bytes from them.
class SnapshotTableRows(_Message):
    columns: list[str] = Field(description="every column but org_id, in schema order")
    name: str
    rows: SnapshotRows


class SnapshotDocument(_Message):
    format: Literal["dealos-snapshot-v1"]
    org_id: Uuid
    server_seq: ServerSeq = Field(description="the rows are the state after this op")
    tables: list[SnapshotTableRows]


class SnapshotBody(_Message):
    """Every projection row of the organization at one server_seq, for roles that read
    everything. ``signature``: Ed25519 by the server key over ``b"dealos-snapshot-v1\\n"`` +
    the hex SHA-256 of the snapshot's RFC 8785 bytes."""

    signature: Signature
    snapshot: SnapshotDocument


# -- the server itself ---------------------------------------------------------------------


class ServerKey(_Message):
    public_key: Ed25519Key = Field(description="signs redacted ops and snapshots")


class Health(_Message):
    status: Literal["ok"]


class Readiness(_Message):
    status: Literal["ready"]


RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    ErrorBody,
    SessionGranted,
    MagicLinkSent,
    DeviceEnrolled,
    AttachResult,
    HistoryAttached,
    PushResults,
    PullPage,
    SyncState,
    SnapshotBody,
    ServerKey,
    Health,
    Readiness,
    NoticeDeliveries,
    InvitationDeliveries,
    DesktopSignInStarted,
    DesktopSignInPending,
)


def first_error(exc: ValidationError) -> tuple[str | None, str]:
    """The path of the first refused field (``ops.3.op.signature``) and why, for a person."""
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first["loc"]) or None
    return path, first["msg"].removeprefix("Value error, ")


if get_args(SnapshotDocument.model_fields["format"].annotation) != (SNAPSHOT_FORMAT,):
    raise TypeError("SnapshotDocument.format is not core.store.state_snapshot's format")
