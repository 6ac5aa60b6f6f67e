"""Signature checks of a batch of ops in a helper process, while the reducers run.

The desktop's pulls, replays and history checks hand each batch's (key, signed bytes,
signature) to :mod:`core.ops.verify_process` and read the answers as they apply. Each op
is checked against the key its device had when the batch began;
:func:`core.reducers.apply.apply_op` skips its own check only when the device still has
that key, so a key changed inside the batch is checked again, in line — as is anything the
helper did not (yet) answer, a small batch, or every batch while the helper starts.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from core.ops.envelope import Envelope
from core.ops.verify_process import Checks, Verifiers

__all__ = ["Prechecked", "precheck_signatures", "shared_verifiers"]

_verifiers: Verifiers | None = None
_lock = threading.Lock()


def shared_verifiers() -> Verifiers:
    """This process's helper (one: the other core runs SQLite's and the OS's work)."""
    global _verifiers  # one pool per process, started on first use
    with _lock:
        if _verifiers is None:
            _verifiers = Verifiers(1)
        return _verifiers


class Prechecked:
    """For each op id, the public key its signature verified with (or None). A context
    manager: leaving it hands the helper back."""

    def __init__(self, checks: Checks, index: Mapping[str, tuple[int, str]]) -> None:
        self._checks = checks
        self._index = index

    def key_for(self, op_id: str) -> str | None:
        found = self._index.get(op_id)
        if found is None:
            return None
        i, key = found
        return key if self._checks.verified(i) else None

    def __enter__(self) -> Prechecked:
        return self

    def __exit__(self, *exc: object) -> None:
        self._checks.__exit__(None, None, None)


def precheck_signatures(
    envelopes: Sequence[Envelope],
    keys: Mapping[str, str],
    verifiers: Verifiers | None = None,
) -> Prechecked:
    """Start verifying ``envelopes`` whose device is in ``keys`` (device id → public key),
    with ``verifiers`` (by default this process's shared helper)."""
    items: list[tuple[str, bytes, str]] = []
    index: dict[str, tuple[int, str]] = {}
    for env in envelopes:
        key = keys.get(env.device_id)
        if key is None or env.op_id in index:
            continue
        try:
            message = env.canonical()
        except ValueError:
            continue  # apply_op reports it, in line
        index[env.op_id] = (len(items), key)
        items.append((key, message, env.signature))
    return Prechecked((verifiers or shared_verifiers()).start(items), index)
