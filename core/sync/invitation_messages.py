"""What ``GET /v1/invitations`` answers: how each invitation email went.

One frozen model per answer, as in :mod:`core.sync.messages`: the server builds the answer
from it, ``/v1/openapi.json`` publishes its schema, and the client reads it back through
it. The organization's staff read it; external readers are refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.ops.envelope import Timestamp
from core.ops.fields import Uuid

__all__ = ["InvitationDeliveries", "InvitationDelivery"]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")


class InvitationDelivery(_Message):
    """The invitation email of one invited person."""

    user_id: Uuid
    display_name: str
    recipient: str
    status: Literal["queued", "sending", "sent", "failed"]
    attempts: Annotated[int, Field(ge=0)]
    last_error: str | None = Field(description="why the last attempt failed, in words")
    queued_at: Timestamp
    next_attempt_at: Timestamp | None = Field(description="when a queued email is tried next")
    sent_at: Timestamp | None
    accepted_at: Timestamp | None = Field(
        description="when the person used the email's sign-in code (staff invitations only)"
    )


class InvitationDeliveries(_Message):
    invitations: list[InvitationDelivery]
