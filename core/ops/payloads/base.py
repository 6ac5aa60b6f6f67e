"""The base of every payload model: strict types, no extra fields, immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Payload"]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
