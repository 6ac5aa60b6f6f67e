"""Reading the magic links the server mailed, from its drop folder (real .eml files)."""

from __future__ import annotations

import asyncio
import email
import re
from pathlib import Path

__all__ = ["wait_for_link"]


def _links(folder: Path, to: str) -> list[str]:
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        msg = email.message_from_bytes(path.read_bytes())
        if msg["To"] == to:
            body = msg.get_payload(decode=True)
            assert isinstance(body, bytes)
            match = re.search(r"#token=([A-Za-z0-9_-]+)", body.decode())
            if match:
                found.append(match.group(1))
    return found


async def wait_for_link(
    folder: Path, to: str, *, count: int = 1, timeout: float = 5.0
) -> list[str]:
    """Every token mailed to ``to`` once at least ``count`` arrived (or the timeout passed)."""
    for _ in range(int(timeout / 0.05)):
        links = _links(folder, to)
        if len(links) >= count:
            return links
        await asyncio.sleep(0.05)
    return _links(folder, to)
