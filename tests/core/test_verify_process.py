"""Signature helper processes (``core.ops.verify_process``): they answer exactly as the
in-line check does, and nothing depends on a helper — one that dies, stalls or outlives
its parent costs at most an in-line check, never a wrong answer or a stuck batch."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from signed_batches import alive, signed_items, wait_ready

from core.ops.signing import verify_signature
from core.ops.verify_process import MIN_OPS, Verifiers


@pytest.fixture
def verifiers() -> Iterator[Verifiers]:
    helpers = Verifiers(1)
    yield helpers
    helpers.close()


def test_the_first_large_batch_starts_a_helper_and_is_checked_in_line(verifiers: Verifiers) -> None:
    items = signed_items(MIN_OPS)
    assert verifiers.pids() == []
    with verifiers.start(items) as checks:
        assert not any(checks.verified(i) for i in range(len(items)))
    assert len(verifiers.pids()) == 1
    wait_ready(verifiers, items)


def test_a_helper_answers_exactly_as_the_in_line_check() -> None:
    verifiers = Verifiers(1)
    try:
        pairs = signed_items(200)
        wait_ready(verifiers, pairs)
        for _ in range(2):  # the same helper, batch after batch
            with verifiers.start(pairs) as checks:
                answers = [checks.verified(i) for i in range(len(pairs))]
            assert answers == [verify_signature(k, m, s) for k, m, s in pairs]
            assert answers.count(False) == 39  # the test's own forgeries, all caught
        # A signature string that decodes to the same bytes is not the signature.
        key, message, signature = pairs[1]
        other_spelling = signature[:-1] + ("B" if signature[-1] == "A" else "A")
        with verifiers.start([(key, message, other_spelling)] * MIN_OPS) as checks:
            assert not checks.verified(0)
    finally:
        verifiers.close()
    assert verifiers.pids() == []


def test_small_batches_and_a_busy_helper_are_checked_in_line(verifiers: Verifiers) -> None:
    pairs = signed_items(MIN_OPS)
    wait_ready(verifiers, pairs)
    with verifiers.start(pairs[:-1]) as small:
        assert not small.verified(1)
    with verifiers.start(pairs) as first:
        with verifiers.start(pairs) as second:  # the helper is lent out
            assert not second.verified(1)
        assert first.verified(1)


def test_a_helper_killed_mid_batch_leaves_the_rest_in_line(verifiers: Verifiers) -> None:
    pairs = signed_items(4000)
    wait_ready(verifiers, pairs[:MIN_OPS])
    [pid] = verifiers.pids()
    with verifiers.start(pairs) as checks:
        assert checks.verified(1)
        os.kill(pid, signal.SIGKILL)
        answers = [checks.verified(i) for i in range(len(pairs))]
    expected = [verify_signature(k, m, s) for k, m, s in pairs]
    # Whatever was answered is right; whatever was not falls to the in-line check.
    assert all(not a or e for a, e in zip(answers, expected, strict=True))
    assert not answers[-1]
    assert verifiers.pids() == []
    wait_ready(verifiers, pairs[:MIN_OPS])  # the next large batch starts a new one
    assert verifiers.pids() != [pid]


@pytest.mark.parametrize("n", [MIN_OPS, 4000])
def test_a_stalled_helper_is_killed_after_the_stall_limit(n: int) -> None:
    """Whether it stalls before answering or (a batch larger than the pipe holds) before
    it has even read the batch."""
    verifiers = Verifiers(1, stall_seconds=0.3)
    try:
        pairs = signed_items(MIN_OPS)
        wait_ready(verifiers, pairs)
        [pid] = verifiers.pids()
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with verifiers.start(signed_items(n)) as checks:
            assert not checks.verified(0)
        assert time.monotonic() - started < 5
        assert verifiers.pids() == []
        assert not alive(pid)
    finally:
        verifiers.close()


def test_helpers_end_with_their_parent_even_under_sigkill(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from core.ops.verify_process import Verifiers
        v = Verifiers(1)
        v.start([("", b"", "")] * {MIN_OPS})
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
        assert alive(helper)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while alive(helper) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(helper), "a helper outlived its killed parent"
    finally:
        parent.kill()


def _count(starts: Path) -> int:
    return len(starts.read_text()) if starts.exists() else 0


def test_a_helper_that_cannot_start_is_given_up_after_three_tries(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    verifiers = Verifiers(
        1, command=[sys.executable, "-c", f"open({str(starts)!r}, 'a').write('x')"]
    )
    try:
        items = signed_items(MIN_OPS)
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline and len(starts.read_text() if starts.exists() else "") < 3
        ):
            with verifiers.start(items) as checks:
                assert not checks.verified(1)  # never a helper's answer: checked in line
            time.sleep(0.05)
        for _ in range(20):  # and no fourth start, however many batches come
            with verifiers.start(items) as checks:
                assert not checks.verified(1)
            time.sleep(0.02)
        assert _count(starts) == 3
    finally:
        verifiers.close()


def test_a_helper_works_past_descriptor_1023() -> None:
    """A busy server has many sockets open: the helper's pipes may land above 1,023,
    where select() fails."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1300:
        pytest.skip(f"this machine allows {hard} open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1300), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    verifiers = Verifiers(1)
    try:
        items = signed_items(MIN_OPS)
        with verifiers.start(items) as checks:  # starts the helper, on high descriptors
            assert not checks.verified(1)
        wait_ready(verifiers, items)
        with verifiers.start(items) as checks:
            answers = [checks.verified(i) for i in range(len(items))]
        assert answers == [verify_signature(k, m, s) for k, m, s in items]
    finally:
        verifiers.close()
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
