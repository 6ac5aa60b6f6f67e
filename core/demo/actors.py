"""People of the demo organization, each signing ops with a device of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.commands.workspace import OpResult, Workspace
from core.ids import new_id
from core.ops.envelope import UnsignedOp
from core.ops.signing import DeviceKey, device_proof

__all__ = ["Actor", "Cast"]


@dataclass
class Actor:
    """A user with an enrolled device; ``ws`` applies what they sign."""

    ws: Workspace
    user_id: str
    device_id: str
    key: DeviceKey
    seq: int = 0

    def act(
        self, kind: str, entity_id: str, payload: dict[str, Any], base_version: int | None = None
    ) -> OpResult:
        if self.device_id == self.ws.device_id:
            return self.ws.submit_wire(
                kind, entity_id=entity_id, payload=payload, base_version=base_version
            )
        self.seq += 1
        op = UnsignedOp.new(
            org_id=self.ws.org_id,
            device_id=self.device_id,
            device_seq=self.seq,
            actor_id=self.user_id,
            kind=kind,
            entity_id=entity_id,
            base_version=base_version,
            payload=payload,
        )
        return self.ws.apply_signed([self.key.sign(op)])[0]


@dataclass
class Cast:
    """Tracks entity versions so each actor writes against the version it saw."""

    ws: Workspace
    versions: dict[str, int] = field(default_factory=dict)

    def founder(self) -> Actor:
        return Actor(self.ws, self.ws.user_id, self.ws.device_id, DeviceKey.generate())

    def do(self, actor: Actor, kind: str, entity_id: str, payload: dict[str, Any]) -> OpResult:
        base = self.versions.get(entity_id)
        result = actor.act(kind, entity_id, payload, base)
        self.versions[entity_id] = result.version
        return result

    def hire(self, admin: Actor, *, email: str, name: str, roles: list[str]) -> Actor:
        user_id, device_id, key = new_id(), new_id(), DeviceKey.generate()
        self.do(
            admin, "user.invite", user_id, {"email": email, "display_name": name, "roles": roles}
        )
        self.do(
            admin,
            "device.enroll",
            device_id,
            {
                "user_id": user_id,
                "public_key": key.public_key,
                "name": f"{name}'s laptop",
                "proof": device_proof(key, self.ws.org_id, user_id),
            },
        )
        return Actor(self.ws, user_id, device_id, key)
