"""What ``GET /v1/notices/deliveries`` answers: how each issued notice's emails went.

One frozen model per answer, as in :mod:`core.sync.messages`: the server builds the answer
from it, ``/v1/openapi.json`` publishes its schema, and the client reads it back through
it. Staff read it (it names LPs and their addresses); external readers are refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.ops.envelope import Timestamp
from core.ops.fields import Uuid

__all__ = ["DELIVERY_STATUSES", "NoticeDeliveries", "NoticeDelivery"]

DELIVERY_STATUSES = ("queued", "sending", "sent", "failed")


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")


class NoticeDelivery(_Message):
    """One email of one notice to one of an LP's addresses."""

    notice: Literal["capital_call", "distribution"]
    notice_id: Uuid
    fund_name: str
    lp_id: Uuid
    lp_name: str
    recipient: str | None = Field(
        description="the address; null when the LP has neither a contact email nor a "
        "portal user, so nobody could be sent the notice"
    )
    status: Literal["queued", "sending", "sent", "failed"]
    attempts: Annotated[int, Field(ge=0)]
    last_error: str | None = Field(description="why the last attempt failed, in words")
    queued_at: Timestamp
    next_attempt_at: Timestamp | None = Field(description="when a queued email is tried next")
    sent_at: Timestamp | None


class NoticeDeliveries(_Message):
    deliveries: list[NoticeDelivery]
