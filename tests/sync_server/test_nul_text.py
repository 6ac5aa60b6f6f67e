"""Text holding U+0000 (NUL), which Postgres text cannot store. It used to reach the
database and come back as a 500; inside a push it would have stuck the device's outbox
behind one op the server could never take. Now such an op is refused on its own
(``invalid_payload``, the rest of the push accepted), a request body that holds one is a
422 naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from scenario import PASSWORD, Org

from core.canonical_json import jcs
from core.errors import OpRejected
from core.ops.envelope import OP_SIGNING_PREFIX, canonical_bytes
from core.ops.kinds import KINDS
from core.reducers.apply import parse_payload


def _signed_anyway(org: Org, payload: dict[str, Any]) -> dict[str, Any]:
    """What a client that skips the check would send: the op signed over its raw JCS."""
    op = org.op("deal.create", {"name": "placeholder", "currency": "USD"})
    unsigned = {**op.unsigned().model_dump(), "payload": payload}
    signature = org.founder.key.sign_bytes(OP_SIGNING_PREFIX + jcs(unsigned))
    return {**unsigned, "signature": signature}


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "Dock\x009", "currency": "USD"},
        {"name": "Dock 9", "currency": "USD", "fields": {"city": {"value": "Austin\x00"}}},
        {"name": "Dock 9", "currency": "USD", "fi\x00elds": {}},
    ],
)
async def test_an_op_with_nul_text_is_refused_alone(org: Org, payload: dict[str, object]) -> None:
    before = await org.pull_all()
    good = org.op("deal.create", {"name": "Dock 8", "currency": "USD"})
    bad = _signed_anyway(org, payload)
    after = org.op("deal.create", {"name": "Dock 10", "currency": "USD"})
    resp = await org.push(good, bad, after)
    assert resp.status == 200, await resp.text()
    results = (await resp.json())["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["error"]["code"] == "invalid_payload"
    assert "NUL" in results[1]["error"]["message"]
    logged = [o["op"]["op_id"] for o in (await org.pull_all())[len(before) :]]
    assert logged == [good.op_id, after.op_id]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/auth/login", {"email": "m\x00@harborpoint.example", "password": PASSWORD}, "email"),
        ("/v1/auth/magic-link", {"email": "lp\x00@example.com"}, "email"),
        ("/v1/devices", {"public_key": "A" * 43, "name": "Laptop\x00"}, "name"),
    ],
)
async def test_a_body_with_nul_text_is_a_422_naming_the_field(
    org: Org, path: str, body: dict[str, str], field: str
) -> None:
    resp = await org.world.post(path, body, org.founder)
    assert resp.status == 422, await resp.text()
    error = (await resp.json())["error"]
    assert error["field"] == field
    assert "NUL" in error["message"]


def test_a_desktop_cannot_make_an_op_with_nul_text() -> None:
    # The text types refuse it with the field's name, before anything is signed.
    with pytest.raises(OpRejected, match=r"payload\.name: must not contain the NUL"):
        parse_payload(KINDS["deal.create"], {"name": "Dock\x009", "currency": "USD"})
    # And the signed bytes of any op refuse it wherever it hides.
    with pytest.raises(ValueError, match="NUL"):
        canonical_bytes({"payload": {"free\x00form": 1}})
    # A backslash followed by the text "u0000" is just text.
    assert canonical_bytes({"note": "C:\\u0000"}).endswith(b'"C:\\\\u0000"}')
