"""Organizations on a running server, driven the way clients drive it: HTTP over a socket,
ops signed with real Ed25519 device keys.

    org = await world.new_org("Harbor Point Capital")      # Maria: GP + admin, one device
    analyst = await org.member("gp_analyst")               # invited by op, password, device
    deal = await org.submit_wire("deal.create", {...}, by=analyst)
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp.test_utils import TestClient
from signed_member import Member
from sqlalchemy import Engine

from core.ids import new_id
from core.ops.envelope import Envelope, parse_envelope
from core.ops.kinds import KINDS
from core.ops.signing import device_proof
from core.reducers.apply import apply_op
from core.store.digest import digest_of
from core.store.memory import MemoryProjection
from core.store.schema import PROJECTION_TABLES
from sync_server.bootstrap import create_org
from sync_server.credentials import Passwords, set_password
from sync_server.database import set_org
from sync_server.server_keys import ServerKeys
from sync_server.settings import Settings

__all__ = ["AUTO", "Member", "Org", "ServerWorld"]

AUTO: Any = object()
PASSWORD = "correct horse battery staple"


class ServerWorld:
    def __init__(self, client: TestClient[Any, Any], owner: Engine, settings: Settings) -> None:
        self.client = client
        self.owner = owner
        self.settings = settings
        self.keys = ServerKeys.from_file(settings.secret_file)
        self.passwords = Passwords(settings.password_cost)

    async def new_org(self, name: str, *, enroll: bool = True) -> Org:
        email = f"maria+{new_id()[-12:]}@harborpoint.example"
        created = create_org(
            self.owner,
            self.keys,
            name=name,
            admin_email=email,
            admin_name="Maria Founder",
            password_hash=self.passwords.hash(PASSWORD),
        )
        org = Org(self, created.org_id)
        org.founder = await org.login(email)
        if enroll:
            await org.enroll(org.founder)
        return org

    async def post(self, path: str, body: Any = None, who: Member | None = None, **kw: Any) -> Any:
        headers = dict(who.auth) if who else {}
        headers.update(kw.pop("headers", {}))
        return await self.client.post(path, json=body, headers=headers, **kw)

    async def get(self, path: str, who: Member | None = None, **kw: Any) -> Any:
        return await self.client.get(path, headers=who.auth if who else {}, **kw)


class Org:
    def __init__(self, world: ServerWorld, org_id: str) -> None:
        self.world = world
        self.org_id = org_id
        self.founder: Member
        self.versions: dict[str, int] = {}
        self._names = itertools.count(1)

    # -- people ------------------------------------------------------------------------

    async def login(self, email: str, password: str = PASSWORD) -> Member:
        resp = await self.world.post("/v1/auth/login", {"email": email, "password": password})
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert body["org_id"] == self.org_id
        return Member(email, body["user_id"], body["session_token"], body["roles"])

    def device_body(self, member: Member, name: str = "laptop") -> dict[str, str]:
        """``POST /v1/devices``'s body for ``member``'s key, with the key's proof."""
        proof = device_proof(member.key, self.org_id, member.user_id)
        return {"public_key": member.key.public_key, "name": name, "proof": proof}

    async def enroll(self, member: Member) -> str:
        resp = await self.world.post("/v1/devices", self.device_body(member), member)
        assert resp.status == 201, await resp.text()
        member.device_id = (await resp.json())["device_id"]
        return member.device_id

    def set_password(self, user_id: str, password: str = PASSWORD) -> None:
        with self.world.owner.begin() as conn:
            set_org(conn, self.org_id)
            set_password(conn, self.org_id, user_id, self.world.passwords.hash(password))

    async def member(self, *roles: str, enroll: bool = True, name: str | None = None) -> Member:
        """Invite a user with ``roles`` (as Maria), give them a password, sign them in."""
        name = name or f"user{next(self._names)}"
        email = f"{name}+{new_id()[-12:]}@harborpoint.example"
        user_id = await self.submit_wire(
            "user.invite", {"email": email, "display_name": name.title(), "roles": list(roles)}
        )
        self.set_password(user_id)
        member = await self.login(email)
        if enroll:
            await self.enroll(member)
        return member

    # -- ops ---------------------------------------------------------------------------

    def op(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        by: Member | None = None,
        entity_id: str | None = None,
        base_version: Any = AUTO,
        **overrides: Any,
    ) -> Envelope:
        actor = by or self.founder
        entity_id = entity_id or new_id()
        if base_version is AUTO:
            create = KINDS[kind].concurrency == "create"
            base_version = None if create else self.versions.get(entity_id)
        return actor.sign(self.org_id, kind, entity_id, base_version, payload, overrides)

    async def push(self, *ops: Any, by: Member | None = None, device_id: str | None = None) -> Any:
        actor = by or self.founder
        wire = [o.wire() if isinstance(o, Envelope) else o for o in ops]
        resp = await self.world.post(
            "/v1/sync/push", {"device_id": device_id or actor.device_id, "ops": wire}, actor
        )
        return resp

    async def push_ok(self, *ops: Envelope, by: Member | None = None) -> list[dict[str, Any]]:
        resp = await self.push(*ops, by=by)
        assert resp.status == 200, await resp.text()
        results: list[dict[str, Any]] = (await resp.json())["results"]
        for op, result in zip(ops, results, strict=True):
            if result["status"] == "accepted":
                self.versions[op.entity_id] = self.versions.get(op.entity_id, 0) + 1
        return results

    async def submit_wire(self, kind: str, payload: dict[str, Any], **kw: Any) -> str:
        """Push one op that must be accepted; returns its entity id."""
        by = kw.get("by")
        envelope = self.op(kind, payload, **kw)
        [result] = await self.push_ok(envelope, by=by)
        assert result["status"] == "accepted", result
        return envelope.entity_id

    async def pull_all(self, who: Member | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        after = 0
        while True:
            resp = await self.world.get(
                f"/v1/sync/pull?after={after}&limit={limit}", who or self.founder
            )
            assert resp.status == 200, await resp.text()
            page = await resp.json()
            ops += page["ops"]
            after = page["next_after"]
            if not page["has_more"]:
                return ops

    async def replayed_and_served_digests(self) -> tuple[str, str]:
        """The digest of every pulled op replayed by the plain reducers in memory, and the
        server's own state digest."""
        state = await (await self.world.get("/v1/sync/state", self.founder)).json()
        replica = MemoryProjection(self.org_id)
        for pulled in await self.pull_all():
            apply_op(replica, parse_envelope(pulled["op"]), verify=True)
        dump = replica.dump()
        replayed = digest_of((t.name, dump[t.name]) for t in PROJECTION_TABLES)
        return replayed, str(state["digest"])

    # -- the fund's world ----------------------------------------------------------------

    async def fund(self) -> str:
        return await self.submit_wire(
            "fund.create", {"name": f"Harbor Fund {next(self._names)}", "currency": "USD"}
        )

    async def lp(self, name: str | None = None, email: str | None = None) -> str:
        contacts = []
        if email:
            contacts = [{"contact_id": new_id(), "name": name or "Contact", "email": email}]
        return await self.submit_wire(
            "lp.create",
            {
                "name": name or f"LP {next(self._names)}",
                "lp_type": "institution",
                "contacts": contacts,
            },
        )

    async def commit(self, fund_id: str, lp_id: str, amount: str) -> str:
        return await self.submit_wire(
            "commitment.create",
            {
                "fund_id": fund_id,
                "lp_id": lp_id,
                "amount": amount,
                "currency": "USD",
                "committed_on": "2026-01-15",
            },
        )

    async def call(self, fund_id: str, amount: str, **extra: Any) -> str:
        return await self.submit_wire(
            "capital_call.create",
            {
                "fund_id": fund_id,
                "amount": amount,
                "currency": "USD",
                "basis": "commitment",
                "call_date": "2026-03-01",
                "due_date": "2026-03-31",
                **extra,
            },
        )
