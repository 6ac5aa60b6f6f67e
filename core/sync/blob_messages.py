"""The answer to ``PUT /v1/blobs/{sha256}`` (PROTOCOL "Document blobs"): the server's
model to build it, the client's to read it, the OpenAPI document's to describe it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.ops.fields import Sha256Hex

__all__ = ["BlobStored"]


class BlobStored(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: Sha256Hex
    size_bytes: int
    # "created" (201): these bytes are new to the organization; "already_stored" (200).
    outcome: Literal["created", "already_stored"]
