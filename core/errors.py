"""The error tree. Every error a person can see descends from :class:`DealOSError`.

::

    DealOSError                    anything Deal OS refuses, with a message for a person
    ├── OpRejected                 an operation refused by verification or a reducer;
    │                              carries a protocol rejection code, the field, details
    ├── StoreError                 the local store cannot be opened or is not ours
    └── KeyStoreError              the device key or a credential is missing or unreadable

``OpRejected.code`` is one of the rejection codes of PROTOCOL.md, so the same object
travels from a reducer to the desktop's conflicts inbox and to the server's push result.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "REJECTION_CODES",
    "DealOSError",
    "KeyStoreError",
    "OpRejected",
    "StoreError",
]

REJECTION_CODES: Final = frozenset(
    {
        "invalid_signature",
        "actor_mismatch",
        "org_mismatch",
        "forbidden",
        "not_found",
        "idempotency_conflict",
        "device_seq_reused",
        "version_conflict",
        "lifecycle_gate",
        "invariant_violation",
        "invalid_payload",
        "unknown_field",
        "unknown_kind",
        "device_revoked",
    }
)


class DealOSError(Exception):
    """Base of every refusal Deal OS shows to a person."""


class OpRejected(DealOSError):
    """An operation was refused; nothing it would have changed was written."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        if code not in REJECTION_CODES:
            raise ValueError(f"unknown rejection code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details: dict[str, Any] = details or {}

    def as_error(self) -> dict[str, Any]:
        """The protocol's error object."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "details": self.details,
        }

    def __repr__(self) -> str:
        return f"OpRejected({self.code!r}, {self.message!r}, field={self.field!r})"


class StoreError(DealOSError):
    """The local store is missing, belongs to another version, or is not a Deal OS store."""


class KeyStoreError(DealOSError):
    """A device key or credential could not be read from or written to the keyring."""
