"""What ``POST /v1/auth/desktop-link`` and its poll answer: an LP's desktop signing in by
an emailed approval, with no token copied by hand.

One frozen model per answer, as in :mod:`core.sync.messages`: the server builds the answer
from it, ``/v1/openapi.json`` publishes its schema, and the client reads it back through
it. A poll that the approval has answered gets a ``SessionGranted``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.ops.envelope import Timestamp
from core.ops.fields import Uuid7

__all__ = ["DesktopSignInPending", "DesktopSignInStarted"]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")


class DesktopSignInStarted(_Message):
    """The same answer whether or not the address is known: the desktop then polls."""

    request_id: Uuid7 = Field(description="names the request in the poll and in the email")
    poll_secret: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$")] = Field(
        description="only the poller holds it; the session goes to whoever presents it"
    )
    check_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{3} [0-9]{3}$")] = Field(
        description="shown by the desktop and by the approval page, so the person can "
        "see that the request they approve is the one on their screen"
    )
    expires_at: Timestamp = Field(description="after this the poll is refused")
    interval: Annotated[int, Field(ge=1, le=60)] = Field(
        description="seconds to wait between polls"
    )


class DesktopSignInPending(_Message):
    """Nobody has approved the request yet: poll again after the interval."""

    status: Literal["pending"]
