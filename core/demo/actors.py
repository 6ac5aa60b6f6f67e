"""People of the demo organization, each signing ops with a device of their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.commands.workspace import OpResult, Workspace
from core.ids import new_id
from core.ops.envelope import UnsignedOp
from core.ops.kinds import spec_of
from core.ops.payloads.access import DeviceEnrollPayload, UserInvitePayload
from core.ops.payloads.base import Payload
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

    def act(self, command: Payload, entity_id: str, base_version: int | None = None) -> OpResult:
        if self.device_id == self.ws.device_id:
            return self.ws.submit(command, entity_id=entity_id, base_version=base_version)
        self.seq += 1
        op = UnsignedOp.new(
            org_id=self.ws.org_id,
            device_id=self.device_id,
            device_seq=self.seq,
            actor_id=self.user_id,
            kind=spec_of(command).kind,
            entity_id=entity_id,
            base_version=base_version,
            payload=command.wire(),
        )
        return self.ws.apply_signed([self.key.sign(op)])[0]


@dataclass
class Cast:
    """Tracks entity versions so each actor writes against the version it saw."""

    ws: Workspace
    versions: dict[str, int] = field(default_factory=dict)

    def founder(self) -> Actor:
        return Actor(self.ws, self.ws.user_id, self.ws.device_id, DeviceKey.generate())

    def do(self, actor: Actor, command: Payload, entity_id: str) -> OpResult:
        base = self.versions.get(entity_id)
        result = actor.act(command, entity_id, base)
        self.versions[entity_id] = result.version
        return result

    def hire(self, admin: Actor, *, email: str, name: str, roles: list[str]) -> Actor:
        user_id, device_id, key = new_id(), new_id(), DeviceKey.generate()
        self.do(admin, UserInvitePayload(email=email, display_name=name, roles=roles), user_id)
        self.do(
            admin,
            DeviceEnrollPayload(
                user_id=user_id,
                public_key=key.public_key,
                name=f"{name}'s laptop",
                proof=device_proof(key, self.ws.org_id, user_id),
            ),
            device_id,
        )
        return Actor(self.ws, user_id, device_id, key)
