"""A real SMTP server for the notice tests (aiosmtpd, on its own thread and port) that
keeps what it accepts and can misbehave on cue: be down, answer 451 or 550, or hold a
message mid-conversation while the test kills the server that is sending it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["Inbox"]


@dataclass
class _Behaviour:
    # Replies to the end of DATA, used up one by one before messages are accepted again.
    data_replies: list[str] = field(default_factory=list)
    # A final reply to RCPT for an address (e.g. "550 5.1.1 <x@y>: no such mailbox").
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    # Hold the conversation at RCPT or after DATA of this address until ``release``.
    hold_rcpt: str | None = None
    hold_data: str | None = None


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def _hold(self) -> None:
        self.inbox.held.set()
        while not self.inbox.release.is_set():
            await asyncio.sleep(0.02)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        b = self.inbox.behaviour
        if address in b.rcpt_replies:
            return b.rcpt_replies[address]
        if b.hold_rcpt == address:
            b.hold_rcpt = None
            await self._hold()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        b = self.inbox.behaviour
        if b.data_replies:
            return b.data_replies.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.inbox.lock:
            self.inbox.messages.append(message)
        if b.hold_data is not None and b.hold_data in envelope.rcpt_tos:
            b.hold_data = None
            await self._hold()
        return "250 Message accepted for delivery"


class Inbox:
    def __init__(self, port: int) -> None:
        self.port = port
        self.behaviour = _Behaviour()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.release = threading.Event()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self.release.set()
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def count_by_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["To"]) for m in self.messages)

    async def arrived(self, n: int, timeout: float = 15.0) -> list[EmailMessage]:
        """The messages, once at least ``n`` came (or the timeout passed); waits without
        blocking the event loop a server under test may run on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < n:
            await asyncio.sleep(0.05)
        with self.lock:
            return list(self.messages)

    def wait_for(self, n: int, timeout: float = 15.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            return list(self.messages)
