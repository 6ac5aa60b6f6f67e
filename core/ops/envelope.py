"""The operation envelope (PROTOCOL.md) and its canonical bytes.

The signature covers ``b"dealos-op-v1\\n" + JCS(envelope without "signature")``; JCS is
RFC 8785, done by the ``rfc8785`` package. Nothing else about an op is trusted: the
envelope is parsed strictly, unknown fields are refused, and the payload is validated
against its kind's model before any reducer sees it.

An external reader (LP, counsel, lender) receives ops as :class:`RedactedEnvelope`: signed
by the server, with ``device_seq`` and ``base_version`` null, since both would count what
the reader may not see. Only a device's op is an :class:`Envelope`, so a pushed op without
a ``device_seq`` is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, Final, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from core.canonical_json import jcs
from core.errors import OpRejected
from core.ids import new_id
from core.ops.fields import Uuid, Uuid7

__all__ = [
    "OP_SIGNING_PREFIX",
    "Envelope",
    "RedactedEnvelope",
    "UnsignedOp",
    "canonical_bytes",
    "parse_envelope",
    "parse_redacted",
    "utc_now_rfc3339",
]

OP_SIGNING_PREFIX: Final = b"dealos-op-v1\n"
_M = TypeVar("_M", bound=BaseModel)

_RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


def _timestamp(value: str) -> str:
    if not _RFC3339_Z.match(value):
        raise ValueError("must be an RFC 3339 UTC time ending in Z")
    return value


Timestamp = Annotated[
    str,
    AfterValidator(_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": _RFC3339_Z.pattern}),
]
Kind = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z_]+)+$", max_length=64)]
Signature = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{86}$")]


def utc_now_rfc3339() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class UnsignedOp(BaseModel):
    """Every envelope field but the signature: what the author signs."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    op_id: Uuid7
    org_id: Uuid
    device_id: Uuid
    device_seq: Annotated[int, Field(ge=1, le=2**53 - 1)] = Field(
        description="strictly increasing per device (null only in a RedactedEnvelope)"
    )
    actor_id: Uuid
    kind: Kind
    entity_id: Uuid
    base_version: Annotated[int, Field(ge=0, le=2**53 - 1)] | None = Field(
        description="the entity's version the author saw, null for a create (and in every "
        "RedactedEnvelope)"
    )
    payload: dict[str, Any]
    issued_at: Timestamp

    @classmethod
    def new(
        cls,
        *,
        org_id: str,
        device_id: str,
        device_seq: int,
        actor_id: str,
        kind: str,
        entity_id: str,
        base_version: int | None,
        payload: dict[str, Any],
    ) -> UnsignedOp:
        """A fresh op: a new UUIDv7 ``op_id`` and the client clock's ``issued_at``."""
        return cls(
            op_id=new_id(),
            org_id=org_id,
            device_id=device_id,
            device_seq=device_seq,
            actor_id=actor_id,
            kind=kind,
            entity_id=entity_id,
            base_version=base_version,
            payload=payload,
            issued_at=utc_now_rfc3339(),
        )

    def canonical(self) -> bytes:
        """The exact bytes the signature covers."""
        return canonical_bytes(self.model_dump(mode="json"))


class Envelope(UnsignedOp):
    """A signed operation as it travels and as it is stored in the op log."""

    signature: Signature

    def unsigned(self) -> UnsignedOp:
        data = self.model_dump()
        del data["signature"]
        return UnsignedOp.model_validate(data)

    @cached_property
    def _canonical(self) -> bytes:
        data = self.model_dump(mode="json")
        del data["signature"]
        return canonical_bytes(data)

    def canonical(self) -> bytes:
        """The bytes the signature covers, computed once per (immutable) envelope."""
        return self._canonical

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Envelope:
        # A copy with changed fields must never carry the original's canonical bytes: it
        # would verify against the signature of an op it no longer is.
        copied = super().model_copy(update=update, deep=deep)
        copied.__dict__.pop("_canonical", None)
        return copied

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def wire_canonical(self) -> bytes:
        """``JCS(wire())``, the bytes the op log stores, without canonicalizing twice.

        ``"signature"`` sorts after every other top-level field name and its value is
        base64url (nothing JCS escapes), so it is the signed bytes' object with the
        signature appended as its last member.
        """
        signed = self._canonical
        return signed[len(OP_SIGNING_PREFIX) : -1] + b',"signature":"%s"}' % self.signature.encode(
            "ascii"
        )


class RedactedEnvelope(BaseModel):
    """An op as an external reader pulls it (``"redacted": true``): the payload holds only
    what the reader may see, ``signature`` is the server's over these exact fields, and
    ``device_seq`` and ``base_version`` are null — the author's counter and the entity's
    version would count ops the reader may not see (another LP's payment bumps the call's
    version, another LP's commitment the GP's counter)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    op_id: Uuid7
    org_id: Uuid
    device_id: Uuid
    device_seq: None = Field(description="always null in a redacted op")
    actor_id: Uuid
    kind: Kind
    entity_id: Uuid
    base_version: None = Field(description="always null in a redacted op")
    payload: dict[str, Any]
    issued_at: Timestamp
    signature: Signature

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# JCS writes U+0000 as \u0000; preceded by an even run of backslashes it is that
# character, not an escaped backslash followed by the text "u0000".
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def canonical_bytes(unsigned: dict[str, Any]) -> bytes:
    """``OP_SIGNING_PREFIX + JCS(unsigned)``; ``unsigned`` must not hold a signature.

    ``ValueError`` also for text holding U+0000, anywhere in the op: Postgres text cannot
    store it, so the server could never accept such an op.
    """
    if "signature" in unsigned:
        raise ValueError("canonical bytes are computed without the signature field")
    canonical = jcs(unsigned)
    if b"\\u0000" in canonical and _NUL.search(canonical):
        raise ValueError("text may not contain the NUL character (U+0000)")
    return OP_SIGNING_PREFIX + canonical


def parse_envelope(data: object) -> Envelope:
    """The envelope in decoded JSON ``data``, or ``OpRejected`` naming the first bad field.

    A field the protocol does not define is ``unknown_field`` (PROTOCOL.md: nothing can be
    smuggled into an op), anything else malformed is ``invalid_payload``.
    """
    return _parsed(Envelope, data, "an op envelope")


def parse_redacted(data: object) -> RedactedEnvelope:
    """A redacted op as pulled by an external reader; refused like :func:`parse_envelope`
    (a ``device_seq`` or ``base_version`` that is not null is ``invalid_payload``)."""
    return _parsed(RedactedEnvelope, data, "a redacted op")


def _parsed(model: type[_M], data: object, what: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        extra = [e for e in errors if e["type"] == "extra_forbidden"]
        first = (extra or errors)[0]
        path = ".".join(str(p) for p in first["loc"]) or None
        if extra:
            raise OpRejected(
                "unknown_field", f"{path} is not a field of {what}", field=path
            ) from None
        message = first["msg"].removeprefix("Value error, ")
        raise OpRejected(
            "invalid_payload", f"{path}: {message}" if path else message, field=path
        ) from None
