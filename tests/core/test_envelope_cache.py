"""An envelope computes its canonical bytes once; no changed copy may reuse them.

The bytes are cached because an op is canonicalized for its signature, the op log and
the audit hash. A copy with any field changed must be judged on its own bytes, or an
altered op would verify against the original's signature.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.canonical_json import jcs
from core.errors import OpRejected
from core.ids import new_id
from core.ops.envelope import UnsignedOp
from core.ops.signing import DeviceKey, verify_envelope

CHANGES: dict[str, Any] = {
    "org_id": new_id(),
    "device_id": new_id(),
    "device_seq": 2,
    "actor_id": new_id(),
    "kind": "deal.update",
    "entity_id": new_id(),
    "base_version": 3,
    "payload": {"name": "Riverside Commons II", "currency": "USD"},
    "issued_at": "2026-11-28T07:00:00.000Z",
}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_a_changed_copy_is_judged_on_its_own_bytes(field: str) -> None:
    key = DeviceKey.generate()
    signed = key.sign(
        UnsignedOp.new(
            org_id=new_id(),
            device_id=new_id(),
            device_seq=1,
            actor_id=new_id(),
            kind="deal.create",
            entity_id=new_id(),
            base_version=None,
            payload={"name": "Riverside Commons", "currency": "USD"},
        )
    )
    verify_envelope(signed, key.public_key)  # caches the original's bytes
    altered = signed.model_copy(update={field: CHANGES[field]})
    assert altered.canonical() != signed.canonical()
    with pytest.raises(OpRejected) as refused:
        verify_envelope(altered, key.public_key)
    assert refused.value.code == "invalid_signature"
    assert signed.model_copy().canonical() == signed.canonical()


def test_the_logged_bytes_are_the_canonical_json_of_the_whole_envelope() -> None:
    # The op log stores JCS of the envelope with its signature, derived from the signed
    # bytes rather than canonicalized again: both must be the same bytes, whatever the
    # payload holds (nesting, non-ASCII text, escapes, keys sorting around "signature").
    key = DeviceKey.generate()
    signed = key.sign(
        UnsignedOp.new(
            org_id=new_id(),
            device_id=new_id(),
            device_seq=7,
            actor_id=new_id(),
            kind="deal.create",
            entity_id=new_id(),
            base_version=None,
            payload={
                "name": 'Rue de l’Été "Nord" \\ 東京 \u2028',
                "currency": "EUR",
                "fields": {"zzz": {"value": "1.50"}, "sponsor": {"value": None}},
                "tags": [1, -(2**53 - 1), True, None, []],
            },
        )
    )
    assert signed.wire_canonical() == jcs(signed.wire())
    assert signed.model_copy(update={"device_seq": 8}).wire_canonical() == jcs(
        signed.model_copy(update={"device_seq": 8}).wire()
    )
