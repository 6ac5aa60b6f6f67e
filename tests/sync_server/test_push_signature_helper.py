"""A push with forged ops among many, judged while a helper process checks the
signatures (``core.ops.verify_process``): the forged ones are refused, the rest accepted,
with the helper running or killed between pushes."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from scenario import Org
from signed_batches import alive, signed_items, wait_ready

from core.ops.signing import DeviceKey
from core.ops.verify_process import MIN_OPS
from sync_server.app_context import VERIFIERS


@pytest.mark.parametrize("kill_helper_between_pushes", [False, True])
async def test_forged_ops_among_many_are_refused_and_the_rest_accepted(
    org: Org, client: TestClient[Any, Any], kill_helper_between_pushes: bool
) -> None:
    verifiers = client.app[VERIFIERS]
    warm = [org.op("deal.create", {"name": f"Warm {i}", "currency": "USD"}) for i in range(40)]
    assert {r["status"] for r in await org.push_ok(*warm)} == {"accepted"}
    [pid] = verifiers.pids()  # the first large push started a helper
    wait_ready(verifiers, signed_items(MIN_OPS))
    if kill_helper_between_pushes:
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            time.sleep(0.01)
    ops = [org.op("deal.create", {"name": f"Deal {i}", "currency": "USD"}) for i in range(60)]
    forged = {
        7: org.founder.key.sign(ops[7].unsigned().model_copy(update={"payload": {"name": "X"}})),
        31: DeviceKey.generate().sign(ops[31].unsigned()),
    }
    # The first keeps its signature but carries other bytes; the second is re-signed.
    forged[7] = forged[7].model_copy(update={"signature": ops[7].signature})
    pushed = [forged.get(i, op) for i, op in enumerate(ops)]
    results = await org.push_ok(*pushed)
    for i, result in enumerate(results):
        if i in forged:
            assert result["status"] == "rejected"
            assert result["error"]["code"] == "invalid_signature"
        else:
            assert result["status"] == "accepted", result
    still = verifiers.pids()
    assert still == ([] if kill_helper_between_pushes else [pid])


async def test_a_wrong_key_hint_only_costs_speed(org: Org, client: TestClient[Any, Any]) -> None:
    """A push's signatures go to the helper before the lock, with the key the device had
    at its last push to this process (``push._KEY_HINTS``). Were that hint wrong, every
    answer would be "not with this key": the ops are checked in line, forged ones refused,
    and the hint is corrected."""
    from sync_server import push

    warm = [org.op("deal.create", {"name": f"Warm {i}", "currency": "USD"}) for i in range(40)]
    assert {r["status"] for r in await org.push_ok(*warm)} == {"accepted"}
    wait_ready(client.app[VERIFIERS], signed_items(MIN_OPS))
    hint = (org.org_id, org.founder.device_id)
    assert push._KEY_HINTS[hint] == org.founder.key.public_key
    stranger = DeviceKey.generate()
    push._KEY_HINTS[hint] = stranger.public_key
    ops = [org.op("deal.create", {"name": f"Deal {i}", "currency": "USD"}) for i in range(40)]
    ops[5] = stranger.sign(ops[5].unsigned())  # verifies with the wrong hint, and only it
    results = await org.push_ok(*ops)
    assert results[5]["error"]["code"] == "invalid_signature"
    assert [r["status"] for i, r in enumerate(results) if i != 5] == ["accepted"] * 39
    assert push._KEY_HINTS[hint] == org.founder.key.public_key


def test_only_a_push_alone_for_its_organization_starts_checks_before_the_lock() -> None:
    """A push that will wait for another's lock must not hold the helper meanwhile: the
    one holding the lock would check its signatures in line (measured: 10 % slower with
    two devices of one organization pushing at once, docs/PERFORMANCE.md)."""
    from sync_server import push

    with push._first_in_flight("org-a") as first:
        with push._first_in_flight("org-a") as second, push._first_in_flight("org-b") as other:
            assert (first, second, other) == (True, False, True)
        with push._first_in_flight("org-a") as third:
            assert not third
    assert not push._IN_FLIGHT
    with push._first_in_flight("org-a") as again:
        assert again
