"""Signature checks of a batch of ops on worker threads, while the reducers run.

libsodium releases the GIL, so on a multi-core machine Ed25519 verification of a pulled
batch overlaps with applying it. Each op is checked against the key its device had when
the batch began; :func:`core.reducers.apply.apply_op` skips its own check only when the
device still has that key, so a key changed inside the batch is checked again, in line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache

from core.ops.envelope import Envelope
from core.ops.signing import verify_signature

__all__ = ["Prechecked", "precheck_signatures"]

MIN_BATCH = 32


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="dealos-verify"
    )


class Prechecked:
    """For each op id, the public key its signature verified with (or None)."""

    def __init__(self, futures: Mapping[str, Future[str | None]]) -> None:
        self._futures = futures

    def key_for(self, op_id: str) -> str | None:
        future = self._futures.get(op_id)
        return None if future is None else future.result()


def _check(public_key: str, message: bytes, signature: str) -> str | None:
    return public_key if verify_signature(public_key, message, signature) else None


def precheck_signatures(envelopes: Sequence[Envelope], keys: Mapping[str, str]) -> Prechecked:
    """Start verifying ``envelopes`` whose device is in ``keys`` (device id → public key)."""
    if len(envelopes) < MIN_BATCH:
        return Prechecked({})
    pool = _pool()
    futures: dict[str, Future[str | None]] = {}
    for env in envelopes:
        key = keys.get(env.device_id)
        if key is None:
            continue
        try:
            message = env.canonical()
        except ValueError:
            continue  # apply_op reports it, in line
        futures[env.op_id] = pool.submit(_check, key, message, env.signature)
    return Prechecked(futures)
