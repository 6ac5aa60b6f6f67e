"""What a sync call can fail with, apart from the client that raises it: the desktop's
window checks for these without importing httpx (its sync runs in another process)."""

from __future__ import annotations

from typing import Any

from core.errors import DealOSError

__all__ = ["ServerUnavailable", "SyncError"]


class SyncError(DealOSError):
    """The server refused a request: its protocol error code, message and field."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{message} ({code}, HTTP {status})")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}


class ServerUnavailable(DealOSError):
    """The server cannot be reached now; work continues offline and syncs later."""
