"""Signature helper processes (``sync_server.verify_process``): they answer exactly as the
in-line check does, a push with forged ops among many is judged as before, and nothing
depends on a helper — one that dies, stalls or outlives nothing costs at most an in-line
check, never a wrong answer or a stuck push."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from scenario import Org

from core.ops.signing import DeviceKey, verify_signature
from sync_server.app_context import VERIFIERS
from sync_server.verify_process import MIN_OPS, Verifiers

KEY = DeviceKey.generate()
OTHER = DeviceKey.generate()


def _pairs(n: int) -> list[tuple[bytes, str]]:
    """``n`` signed messages, every fifth one wrong in a different way."""
    pairs = []
    for i in range(n):
        message = b"dealos-op-v1\n" + f'{{"n":{i}}}'.encode()
        signature = KEY.sign_bytes(message)
        match i % 10:
            case 5:
                signature = OTHER.sign_bytes(message)  # another device's key
            case 0 if i:
                message += b" "  # bytes changed after signing
        pairs.append((message, signature))
    return pairs


def _ready(verifiers: Verifiers, pairs: list[tuple[bytes, str]]) -> None:
    """The first batch starts a helper, and batches are checked in line until it is ready."""
    with verifiers.start(KEY.public_key, pairs) as checks:
        assert not any(checks.verified(i) for i in range(len(pairs)))
    assert len(verifiers.pids()) == 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with verifiers.start(KEY.public_key, pairs) as checks:
            if checks.verified(1):
                return
        time.sleep(0.02)
    raise AssertionError("the helper never became ready")


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_helper_answers_exactly_as_the_in_line_check() -> None:
    verifiers = Verifiers(1)
    try:
        pairs = _pairs(200)
        _ready(verifiers, pairs)
        for _ in range(2):  # the same helper, batch after batch
            with verifiers.start(KEY.public_key, pairs) as checks:
                answers = [checks.verified(i) for i in range(len(pairs))]
            assert answers == [verify_signature(KEY.public_key, m, s) for m, s in pairs]
            assert answers.count(False) == 39  # the test's own forgeries, all caught
        # A signature string that decodes to the same bytes is not the signature.
        message, signature = pairs[1]
        other_spelling = signature[:-1] + ("B" if signature[-1] == "A" else "A")
        with verifiers.start(KEY.public_key, [(message, other_spelling)] * MIN_OPS) as checks:
            assert not checks.verified(0)
    finally:
        verifiers.close()
    assert verifiers.pids() == []


def test_small_batches_and_a_busy_helper_are_checked_in_line() -> None:
    verifiers = Verifiers(1)
    try:
        pairs = _pairs(MIN_OPS)
        _ready(verifiers, pairs)
        with verifiers.start(KEY.public_key, pairs[:-1]) as small:
            assert not small.verified(1)
        with verifiers.start(KEY.public_key, pairs) as first:
            with verifiers.start(KEY.public_key, pairs) as second:  # the helper is lent out
                assert not second.verified(1)
            assert first.verified(1)
    finally:
        verifiers.close()


def test_a_helper_killed_mid_batch_leaves_the_rest_to_the_in_line_check() -> None:
    verifiers = Verifiers(1)
    try:
        pairs = _pairs(4000)
        _ready(verifiers, pairs[:MIN_OPS])
        [pid] = verifiers.pids()
        with verifiers.start(KEY.public_key, pairs) as checks:
            assert checks.verified(1)
            os.kill(pid, signal.SIGKILL)
            answers = [checks.verified(i) for i in range(len(pairs))]
        expected = [verify_signature(KEY.public_key, m, s) for m, s in pairs]
        # Whatever was answered is right; whatever was not falls to the in-line check.
        assert all(not a or e for a, e in zip(answers, expected, strict=True))
        assert not answers[-1]
        assert verifiers.pids() == []
        _ready(verifiers, pairs[:MIN_OPS])  # the next large batch starts a new one
        assert verifiers.pids() != [pid]
    finally:
        verifiers.close()


def test_a_stalled_helper_is_killed_after_the_stall_limit() -> None:
    verifiers = Verifiers(1, stall_seconds=0.3)
    try:
        pairs = _pairs(MIN_OPS)
        _ready(verifiers, pairs)
        [pid] = verifiers.pids()
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with verifiers.start(KEY.public_key, pairs) as checks:
            assert not checks.verified(0)
        assert time.monotonic() - started < 5
        assert verifiers.pids() == []
        assert not _alive(pid)
    finally:
        verifiers.close()


def test_helpers_end_with_their_parent_even_under_sigkill(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from sync_server.verify_process import Verifiers
        v = Verifiers(1)
        v.start("", [(b"", "")] * {MIN_OPS})
        print(v.pids()[0], flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    try:
        assert parent.stdout is not None
        helper = int(parent.stdout.readline())
        assert _alive(helper)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(helper) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(helper), "a helper outlived its killed parent"
    finally:
        parent.kill()


@pytest.mark.parametrize("kill_helper_between_pushes", [False, True])
async def test_forged_ops_among_many_are_refused_and_the_rest_accepted(
    org: Org, client: TestClient[Any, Any], kill_helper_between_pushes: bool
) -> None:
    verifiers = client.app[VERIFIERS]
    warm = [org.op("deal.create", {"name": f"Warm {i}", "currency": "USD"}) for i in range(40)]
    assert {r["status"] for r in await org.push_ok(*warm)} == {"accepted"}
    [pid] = verifiers.pids()  # the first large push started a helper
    _ready(verifiers, _pairs(MIN_OPS))
    if kill_helper_between_pushes:
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
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
