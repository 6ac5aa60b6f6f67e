"""Signature checks of a batch of ops in a helper process, while the reducers run.

The desktop's pulls, replays and history checks hand each batch's (key, signed bytes,
signature) to :mod:`core.ops.verify_process` and read the answers as they apply. Each op
is checked against the key its device had when the batch began;
:func:`core.reducers.apply.apply_op` skips its own check only when the device still has
that key, so a key changed inside the batch is checked again, in line — as is anything the
helper did not (yet) answer, a small batch, or every batch while the helper starts.

A verdict is filed under the exact bytes it judged (the key, the signed bytes and the
signature), never under the op's id: two envelopes that share an ``op_id`` but differ in
any byte are judged separately (PROTOCOL.md, "each op is judged on its own bytes").
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


_Judged = tuple[str, bytes, str]  # (public key, signed bytes, signature)


class Prechecked:
    """For each envelope, the public key its own bytes verified with (or None). A context
    manager: leaving it hands the helper back."""

    def __init__(
        self, checks: Checks, index: Mapping[_Judged, int], keys: Mapping[str, str]
    ) -> None:
        self._checks = checks
        self._index = index
        self._keys = keys

    def key_for(self, envelope: Envelope) -> str | None:
        """The key ``envelope``'s signature verified with, if these very bytes were
        checked; None sends the caller to check in line."""
        key = self._keys.get(envelope.device_id)
        if key is None:
            return None
        try:
            judged = (key, envelope.canonical(), envelope.signature)
        except ValueError:
            return None
        i = self._index.get(judged)
        return key if i is not None and self._checks.verified(i) else None

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
    items: list[_Judged] = []
    index: dict[_Judged, int] = {}
    for env in envelopes:
        key = keys.get(env.device_id)
        if key is None:
            continue
        try:
            judged = (key, env.canonical(), env.signature)
        except ValueError:
            continue  # apply_op reports it, in line
        if judged not in index:
            index[judged] = len(items)
            items.append(judged)
    return Prechecked((verifiers or shared_verifiers()).start(items), index, dict(keys))
