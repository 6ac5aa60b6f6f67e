"""Operations: the signed envelope, its canonical bytes, and the payload of every kind."""

from core.ops.envelope import OP_SIGNING_PREFIX, Envelope, UnsignedOp, canonical_bytes
from core.ops.signing import DeviceKey, verify_envelope

__all__ = [
    "OP_SIGNING_PREFIX",
    "DeviceKey",
    "Envelope",
    "UnsignedOp",
    "canonical_bytes",
    "verify_envelope",
]
