"""A real SMTP server (aiosmtpd) on a local port, and the sync server mailing through it."""

from __future__ import annotations

import email
import re
import threading
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from live_server import LiveServer, free_port, settings_for

__all__ = ["Inbox", "portal_server"]


class Inbox:
    """Every message the SMTP server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def links(self, to: str, page: str = "/portal/confirm") -> list[str]:
        found = []
        with self._lock:
            for msg in self.messages:
                body = msg.get_payload(decode=True)
                if msg["To"] == to and isinstance(body, bytes):
                    found += re.findall(rf"https?://\S+{page}#token=[A-Za-z0-9_-]+", body.decode())
        return found

    def wait_for_link(self, to: str, count: int = 1) -> str:
        """The ``count``-th portal link mailed to ``to`` (waiting up to ten seconds)."""
        for _ in range(200):
            found = self.links(to)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no portal link number {count} was mailed")


@pytest.fixture
def portal_server(pg_database: Any, tmp_path: Path) -> Iterator[tuple[LiveServer, Inbox]]:
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    port = free_port()
    settings = settings_for(pg_database, tmp_path / "server", port).with_(
        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False
    )
    live = LiveServer(settings, port)
    live.start()
    try:
        yield live, inbox
    finally:
        live.close()
        controller.stop()
