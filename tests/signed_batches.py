"""Batches of signed messages for the signature helper's tests (core.ops.verify_process)."""

from __future__ import annotations

import time
from pathlib import Path

from core.ops.signing import DeviceKey
from core.ops.verify_process import Verifiers

__all__ = ["KEY", "OTHER", "alive", "signed_items", "wait_ready"]

KEY = DeviceKey.generate()
OTHER = DeviceKey.generate()


def signed_items(n: int) -> list[tuple[str, bytes, str]]:
    """``n`` signed messages, one in ten wrong in each of two ways."""
    items = []
    for i in range(n):
        message = b"dealos-op-v1\n" + f'{{"n":{i}}}'.encode()
        signature = KEY.sign_bytes(message)
        key = KEY.public_key
        match i % 10:
            case 5:
                signature = OTHER.sign_bytes(message)  # signed with another device's key
            case 7:
                key, signature = OTHER.public_key, OTHER.sign_bytes(message)  # and listed so
            case 0 if i:
                message += b" "  # bytes changed after signing
        items.append((key, message, signature))
    return items


def wait_ready(verifiers: Verifiers, pairs: list[tuple[str, bytes, str]]) -> None:
    """Until a helper answers: the first batch starts one, and batches are checked in line
    until it is ready."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with verifiers.start(pairs) as checks:
            if checks.verified(1):
                return
        time.sleep(0.02)
    raise AssertionError("the helper never became ready")


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
