"""Ed25519 device keys (PyNaCl), verification of signed envelopes, and the proof that
enrolls a device key.

A device key is enrolled only with proof that the enroller holds it: the key signs
``b"dealos-device-v1\n" + JCS({"org_id", "user_id", "public_key"})`` (:func:`device_proof`)
and the server checks it (:func:`verify_device_proof`) before any device is written. The
proof names the organization and the user, so it cannot be copied from one enrollment to
another; its prefix differs from the op signatures', so no op signature is ever a proof and
no proof an op signature.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Final

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from core.canonical_json import jcs
from core.errors import OpRejected
from core.ops.envelope import Envelope, UnsignedOp

__all__ = [
    "DEVICE_PROOF_PREFIX",
    "DeviceKey",
    "b64url",
    "b64url_decode",
    "device_proof",
    "device_proof_message",
    "public_key_bytes",
    "verify_device_proof",
    "verify_envelope",
]

DEVICE_PROOF_PREFIX: Final = b"dealos-device-v1\n"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def public_key_bytes(text: str) -> bytes:
    """Decode a base64url Ed25519 public key, refusing anything but 32 bytes."""
    try:
        raw = b64url_decode(text)
    except (ValueError, UnicodeEncodeError):
        raise ValueError("public key must be base64url without padding") from None
    if len(raw) != 32 or b64url(raw) != text:
        raise ValueError("public key must be 32 bytes, base64url without padding")
    return raw


@dataclass(frozen=True)
class DeviceKey:
    """A device's Ed25519 signing key. The seed never leaves the keyring but here."""

    signing_key: SigningKey

    @classmethod
    def generate(cls) -> DeviceKey:
        return cls(SigningKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> DeviceKey:
        return cls(SigningKey(seed))

    @property
    def seed(self) -> bytes:
        return bytes(self.signing_key)

    @property
    def public_key(self) -> str:
        return b64url(bytes(self.signing_key.verify_key))

    def sign_bytes(self, message: bytes) -> str:
        return b64url(self.signing_key.sign(message).signature)

    def sign(self, op: UnsignedOp) -> Envelope:
        data: dict[str, Any] = op.model_dump()
        data["signature"] = self.sign_bytes(op.canonical())
        return Envelope.model_validate(data)


def verify_signature(public_key: str, message: bytes, signature: str) -> bool:
    try:
        raw = b64url_decode(signature)
        # The last base64 character carries unused bits: without this check several
        # signature strings decode to the same bytes, and a relayed op could be altered.
        if len(raw) != 64 or b64url(raw) != signature:
            return False
        VerifyKey(public_key_bytes(public_key)).verify(message, raw)
    except (BadSignatureError, ValueError):
        return False
    return True


def device_proof_message(org_id: str, user_id: str, public_key: str) -> bytes:
    """The bytes a device key signs to prove it is held by whoever enrolls it."""
    body = {"org_id": org_id, "user_id": user_id, "public_key": public_key}
    return DEVICE_PROOF_PREFIX + jcs(body)


def device_proof(signing_key: DeviceKey, org_id: str, user_id: str) -> str:
    """``signing_key``'s proof of possession for enrolling it as ``user_id``'s device in
    ``org_id`` (base64url without padding, like an op signature)."""
    message = device_proof_message(org_id, user_id, signing_key.public_key)
    return signing_key.sign_bytes(message)


def verify_device_proof(public_key: str, org_id: str, user_id: str, proof: str) -> bool:
    """True only if ``proof`` is ``public_key``'s own signature over this org and user."""
    return verify_signature(public_key, device_proof_message(org_id, user_id, public_key), proof)


def verify_envelope(envelope: Envelope, public_key: str) -> None:
    """Raise ``invalid_signature`` unless ``envelope`` was signed by ``public_key``."""
    try:
        message = envelope.canonical()
    except ValueError as exc:
        raise OpRejected("invalid_payload", f"the op has no canonical JSON form: {exc}") from None
    if not verify_signature(public_key, message, envelope.signature):
        raise OpRejected(
            "invalid_signature",
            "the signature does not match the op's bytes and its device's key",
            field="signature",
        )
