"""A person of an organization as the server tests drive one: signed in (a session token),
on one enrolled device whose key signs their ops in ``device_seq`` order."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core.ids import new_id
from core.ops.envelope import Envelope, UnsignedOp, utc_now_rfc3339
from core.ops.signing import DeviceKey

__all__ = ["Member"]


@dataclass
class Member:
    email: str
    user_id: str
    token: str
    roles: list[str]
    device_id: str = ""
    key: DeviceKey = field(default_factory=DeviceKey.generate)
    seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def sign(
        self,
        org_id: str,
        kind: str,
        entity_id: str,
        base_version: int | None,
        payload: dict[str, Any],
        overrides: dict[str, Any],
    ) -> Envelope:
        """The next op of this member's device, with ``overrides`` put over its fields."""
        fields: dict[str, Any] = {
            "op_id": new_id(),
            "org_id": org_id,
            "device_id": self.device_id,
            "device_seq": next(self.seq),
            "actor_id": self.user_id,
            "kind": kind,
            "entity_id": entity_id,
            "base_version": base_version,
            "payload": payload,
            "issued_at": utc_now_rfc3339(),
        }
        fields.update(overrides)
        return self.key.sign(UnsignedOp(**fields))
