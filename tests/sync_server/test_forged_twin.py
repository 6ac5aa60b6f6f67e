"""An outside review's forgery: one push of many ops, so a helper process checks the
signatures, holding E1 (validly signed, but with a used ``device_seq``, so refused and
never logged) and E2 (E1's ``op_id`` and signature, a fresh ``device_seq``, another
payload). The verdict on E1's bytes must never be taken for E2's: E2 is refused as a
forged signature, nothing of it is stored, and every stored op still verifies.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from scenario import Org
from signed_batches import signed_items, wait_ready

from core.ops.envelope import parse_envelope
from core.ops.signing import verify_envelope
from core.ops.verify_process import MIN_OPS
from sync_server.app_context import VERIFIERS


async def test_a_twin_with_a_refused_ops_id_and_signature_is_refused(
    org: Org, client: TestClient[Any, Any]
) -> None:
    warm = [org.op("deal.create", {"name": f"Warm {i}", "currency": "USD"}) for i in range(40)]
    assert {r["status"] for r in await org.push_ok(*warm)} == {"accepted"}
    wait_ready(client.app[VERIFIERS], signed_items(MIN_OPS))

    valid = [org.op("deal.create", {"name": f"Deal {i}", "currency": "USD"}) for i in range(38)]
    used_seq = valid[0].device_seq  # already taken by the first op of this push
    e1 = org.op("deal.create", {"name": "Harmless", "currency": "USD"}, device_seq=used_seq)
    e2_unsigned = e1.unsigned().model_copy(
        update={
            "device_seq": valid[-1].device_seq + 1000,
            "payload": {"name": "Forged", "currency": "USD"},
        }
    )
    e2 = org.founder.key.sign(e2_unsigned).model_copy(update={"signature": e1.signature})
    assert e2.op_id == e1.op_id
    assert e2.signature == e1.signature

    results = await org.push_ok(*valid, e1, e2)
    assert [r["status"] for r in results[:38]] == ["accepted"] * 38
    assert results[38]["error"]["code"] == "device_seq_reused"
    assert results[39]["status"] == "rejected"
    assert results[39]["error"]["code"] == "invalid_signature"

    keys = {org.founder.device_id: org.founder.key.public_key}
    pulled = await org.pull_all()
    names = set()
    for item in pulled:
        envelope = parse_envelope(item["op"])
        if envelope.device_id in keys:
            verify_envelope(envelope, keys[envelope.device_id])  # raises if forged
        names.add(envelope.payload.get("name"))
    assert "Forged" not in names
    assert e1.op_id not in {item["op"]["op_id"] for item in pulled}
    replayed, served = await org.replayed_and_served_digests()
    assert replayed == served
