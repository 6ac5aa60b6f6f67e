"""What a sync call can fail with, apart from the client that raises it: the desktop's
window checks for these without importing httpx (its sync runs in another process).

::

    SyncError                the server refused a request (its code, message, field)
    └── MalformedResponse    the server answered what the protocol does not allow
    ServerUnavailable        the server cannot be reached now
"""

from __future__ import annotations

from typing import Any

from core.errors import DealOSError

__all__ = ["MalformedResponse", "ServerUnavailable", "SyncError"]


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


class MalformedResponse(SyncError):
    """The server's answer is not what the protocol says (a field missing or of the wrong
    shape, a body that is not JSON): a server bug or something in between, never the
    user's doing. ``field`` is the path of the first bad field, e.g. ``ops.3.op.signature``.
    """

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(status, "bad_response", message, field)


class ServerUnavailable(DealOSError):
    """The server cannot be reached now; work continues offline and syncs later."""
