"""The proof of possession that enrolls a device key: one definition, shared by the clients
that make it and the server that checks it."""

from __future__ import annotations

import pytest
from nacl.signing import VerifyKey

from core.ops.envelope import OP_SIGNING_PREFIX
from core.ops.signing import (
    DEVICE_PROOF_PREFIX,
    DeviceKey,
    b64url,
    b64url_decode,
    device_proof,
    device_proof_message,
    verify_device_proof,
)

ORG = "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10"
USER = "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e11"
OTHER = "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e12"


def test_the_proof_signs_the_prefix_and_the_jcs_of_org_user_and_key() -> None:
    """The bytes PROTOCOL.md names, spelled out: a client written from the document alone
    makes the same proof."""
    key = DeviceKey.from_seed(bytes(range(32)))
    expected = (
        b"dealos-device-v1\n"
        + f'{{"org_id":"{ORG}","public_key":"{key.public_key}","user_id":"{USER}"}}'.encode()
    )
    assert DEVICE_PROOF_PREFIX == b"dealos-device-v1\n"
    assert device_proof_message(ORG, USER, key.public_key) == expected
    proof = device_proof(key, ORG, USER)
    assert len(proof) == 86
    assert "=" not in proof
    VerifyKey(b64url_decode(key.public_key)).verify(expected, b64url_decode(proof))
    assert verify_device_proof(key.public_key, ORG, USER, proof)


def test_a_proof_holds_only_for_its_key_org_and_user() -> None:
    key, other_key = DeviceKey.generate(), DeviceKey.generate()
    proof = device_proof(key, ORG, USER)
    assert not verify_device_proof(other_key.public_key, ORG, USER, proof)
    assert not verify_device_proof(key.public_key, OTHER, USER, proof)
    assert not verify_device_proof(key.public_key, ORG, OTHER, proof)
    # Another key's proof over the same org and user proves nothing about this key.
    assert not verify_device_proof(key.public_key, ORG, USER, device_proof(other_key, ORG, USER))


def test_an_op_signature_over_the_same_bytes_is_no_proof() -> None:
    """The prefix keeps the two kinds of signature apart."""
    key = DeviceKey.generate()
    body = device_proof_message(ORG, USER, key.public_key).removeprefix(DEVICE_PROOF_PREFIX)
    assert not verify_device_proof(key.public_key, ORG, USER, key.sign_bytes(body))
    op_signed = key.sign_bytes(OP_SIGNING_PREFIX + body)
    assert not verify_device_proof(key.public_key, ORG, USER, op_signed)


@pytest.mark.parametrize("bad", ["", "A" * 86, "not base64!", "A" * 200])
def test_a_malformed_proof_or_key_is_refused_not_raised(bad: str) -> None:
    key = DeviceKey.generate()
    assert not verify_device_proof(key.public_key, ORG, USER, bad)
    assert not verify_device_proof(bad, ORG, USER, device_proof(key, ORG, USER))


def test_a_proof_with_altered_unused_bits_is_refused() -> None:
    """86 characters carry 516 bits for 512: the same bytes written another way are not
    the proof (as for op signatures)."""
    key = DeviceKey.generate()
    proof = device_proof(key, ORG, USER)
    raw = b64url_decode(proof)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twins = [proof[:-1] + c for c in alphabet if c != proof[-1]]
    same_bytes = [t for t in twins if b64url_decode(t) == raw]
    assert same_bytes  # the last character has spare bits
    assert b64url(raw) == proof
    for twin in same_bytes:
        assert not verify_device_proof(key.public_key, ORG, USER, twin)
