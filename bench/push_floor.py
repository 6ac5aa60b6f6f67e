"""The floor under any push: what the protocol asks of every op before a business rule
runs, set against raw ``COPY`` of the same rows.

Every op a server accepts must be read from the request's JSON, parsed into its envelope,
turned into the bytes its signature covers, and checked with Ed25519 (PROTOCOL.md; DESIGN
§3: a server verifies every op). Its rows must then be written, which costs Postgres at
least what ``COPY`` of those rows costs it. This times the four protocol steps op by op in
this process, with nothing else running, and reads the CPU time Postgres's backend spent
on the baseline ``COPY`` (from ``/proc``, on a local server). Spread perfectly over every
core, that is the fastest any implementation of the contract could push here. DESIGN §7
states the push target against this floor; the gap between the floor and a push is the
whole budget for HTTP, the reducers, the audit chain and the difference between inserting
and copying (printed as what 3× ``COPY`` would leave of it).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.ops.envelope import Envelope, parse_envelope
from core.ops.signing import verify_signature

__all__ = ["BackendCpu", "print_floor"]


class BackendCpu:
    """CPU seconds a Postgres backend on this machine has used, or None when its
    ``/proc`` entry cannot be read (a server elsewhere, another OS)."""

    def __init__(self, pid: int) -> None:
        self._stat = Path(f"/proc/{pid}/stat")
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def seconds(self) -> float | None:
        try:
            fields = self._stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / self._tick  # utime, stime


@dataclass
class _Step:
    name: str
    seconds: float


def _timed(name: str, run: Callable[[], Any]) -> tuple[_Step, Any]:
    start = time.process_time()
    out = run()
    return _Step(name, time.process_time() - start), out


def print_floor(
    bodies: list[bytes],
    public_key: str,
    copy_seconds_per_op: float,
    postgres_cpu_per_op: float | None,
) -> None:
    """Time the protocol's steps over ``bodies`` (push request bodies) and print the floor
    they and Postgres's own ``COPY`` work put under the push / ``COPY`` ratio."""
    json_step, decoded = _timed("JSON decode", lambda: [json.loads(b)["ops"] for b in bodies])
    wire = [op for ops in decoded for op in ops]
    n = len(wire)
    parse_step, envelopes = _timed("envelope", lambda: [parse_envelope(op) for op in wire])
    canon_step, messages = _timed(
        "signed bytes", lambda: [Envelope.canonical(e) for e in envelopes]
    )
    verify_step, verified = _timed(
        "Ed25519",
        lambda: [
            verify_signature(public_key, m, e.signature)
            for m, e in zip(messages, envelopes, strict=True)
        ],
    )
    assert all(verified)
    steps = [json_step, parse_step, canon_step, verify_step]
    protocol = sum(s.seconds for s in steps) / n
    parts = ", ".join(f"{s.name} {s.seconds / n * 1e6:.1f}" for s in steps)
    print(f"protocol per op, one core: {parts} = {protocol * 1e6:.1f} µs CPU")
    if postgres_cpu_per_op is None:
        print("floor: Postgres's CPU for the COPY is unreadable here (not a local server)")
        return
    cores = os.cpu_count() or 1
    floor = (protocol + postgres_cpu_per_op) / cores
    ratio = floor / copy_seconds_per_op
    left = (3 - ratio) * copy_seconds_per_op
    print(
        f"floor: protocol + Postgres's own COPY CPU ({postgres_cpu_per_op * 1e6:.1f} µs/op) "
        f"spread over {cores} cores = {floor * 1e6:.1f} µs/op = {ratio:.2f}x COPY; "
        f"at 3x, {left * 1e6:.1f} µs/op of wall ({left * cores * 1e6:.1f} µs of CPU) "
        "are left for everything else"
    )
