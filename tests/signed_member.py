"""A person of an organization as the server tests drive one: signed in (a session token),
on one enrolled device whose key signs their ops in ``device_seq`` order."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

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
