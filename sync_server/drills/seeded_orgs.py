"""Organizations with real work in them, made through a running server the way clients
make it: ``create_org`` as the operator, then sign-in, device enrollment with its key's
proof, and pushes of ops signed with a real Ed25519 key over HTTP.

Each organization gets a fund, three LPs with contacts, their commitments, two deals and
a capital call drafted, and one refused push (an op id sent again with other bytes), so
the audit chain holds a refusal as well as acceptances.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from core.ids import new_id
from core.ops.envelope import Envelope, UnsignedOp, utc_now_rfc3339
from core.ops.signing import DeviceKey, device_proof
from sync_server.bootstrap import create_org
from sync_server.credentials import Passwords
from sync_server.database import owner_engine
from sync_server.drills.checklist import DrillError
from sync_server.server_keys import ServerKeys
from sync_server.settings import PasswordCost

__all__ = ["SeededOrg", "StaffSession", "seed_orgs", "sign_in"]

PASSWORD = secrets.token_urlsafe(24)  # the founders' password, for this run only
# The drill signs in a few times; argon2id at its cheapest keeps it quick.
CHEAP = PasswordCost(time_cost=1, memory_kib=1024, parallelism=1)


@dataclass
class StaffSession:
    """A staff member signed in on one enrolled device."""

    server: str
    org_id: str
    user_id: str
    token: str
    key: DeviceKey = field(default_factory=DeviceKey.generate)
    device_id: str = ""
    seq: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def sign(self, kind: str, payload: dict[str, Any], entity_id: str | None = None) -> Envelope:
        self.seq += 1
        return self.key.sign(
            UnsignedOp(
                op_id=new_id(),
                org_id=self.org_id,
                device_id=self.device_id,
                device_seq=self.seq,
                actor_id=self.user_id,
                kind=kind,
                entity_id=entity_id or new_id(),
                base_version=None,
                payload=payload,
                issued_at=utc_now_rfc3339(),
            )
        )

    def push(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        resp = httpx.post(
            f"{self.server}/v1/sync/push",
            json={"device_id": self.device_id, "ops": ops},
            headers=self.headers,
            timeout=30,
        )
        if resp.status_code != 200:
            raise DrillError(f"a push was answered {resp.status_code}: {resp.text[:300]}")
        results: list[dict[str, Any]] = resp.json()["results"]
        return results

    def state(self, server: str | None = None) -> dict[str, Any]:
        """``GET /v1/sync/state`` as this member, of this server or another."""
        resp = httpx.get(f"{server or self.server}/v1/sync/state", headers=self.headers, timeout=30)
        if resp.status_code != 200:
            raise DrillError(
                f"the organization's state was answered {resp.status_code}: {resp.text[:300]}"
            )
        body: dict[str, Any] = resp.json()
        return body


@dataclass(frozen=True)
class SeededOrg:
    name: str
    org_id: str
    email: str
    session: StaffSession
    accepted: int


def sign_in(server: str, email: str, password: str = PASSWORD) -> StaffSession:
    resp = httpx.post(
        f"{server}/v1/auth/login", json={"email": email, "password": password}, timeout=30
    )
    if resp.status_code != 200:
        raise DrillError(
            f"signing in as the founder was answered {resp.status_code}: {resp.text[:300]}"
        )
    body = resp.json()
    return StaffSession(server, body["org_id"], body["user_id"], body["session_token"])


def enroll(session: StaffSession) -> None:
    proof = device_proof(session.key, session.org_id, session.user_id)
    resp = httpx.post(
        f"{session.server}/v1/devices",
        json={"public_key": session.key.public_key, "name": "drill laptop", "proof": proof},
        headers=session.headers,
        timeout=30,
    )
    if resp.status_code != 201:
        raise DrillError(f"enrolling a device was answered {resp.status_code}: {resp.text[:300]}")
    session.device_id = resp.json()["device_id"]


def _work(session: StaffSession, index: int) -> list[Envelope]:
    fund = session.sign("fund.create", {"name": f"Drill Fund {index}", "currency": "USD"})
    ops = [fund]
    for n, amount in enumerate(
        (Decimal("5000000.00"), Decimal("2500000.00"), Decimal("1250000.50"))
    ):
        lp = session.sign(
            "lp.create",
            {
                "name": f"Investor {index}-{n}",
                "lp_type": "institution",
                "contacts": [
                    {
                        "contact_id": new_id(),
                        "name": f"Treasurer {n}",
                        "email": f"treasurer{n}@lp{index}.example",
                    }
                ],
            },
        )
        ops.append(lp)
        ops.append(
            session.sign(
                "commitment.create",
                {
                    "fund_id": fund.entity_id,
                    "lp_id": lp.entity_id,
                    "amount": str(amount),
                    "currency": "USD",
                    "committed_on": "2026-01-15",
                },
            )
        )
    for name in ("Harbor Logistics Park", "Riverside Cold Storage"):
        ops.append(session.sign("deal.create", {"name": f"{name} {index}", "currency": "USD"}))
    ops.append(
        session.sign(
            "capital_call.create",
            {
                "fund_id": fund.entity_id,
                "amount": "875000.00",
                "currency": "USD",
                "basis": "commitment",
                "call_date": "2026-03-01",
                "due_date": "2026-03-31",
            },
        )
    )
    return ops


def seed_orgs(server: str, owner_url: str, secret_file: Path, count: int = 3) -> list[SeededOrg]:
    """``count`` organizations on the server at ``server`` (whose owner URL and secret file
    are given), each with its work pushed and accepted."""
    engine = owner_engine(owner_url)
    keys = ServerKeys.from_file(secret_file)
    seeded = []
    try:
        for index in range(1, count + 1):
            email = f"founder{index}@drill{index}.example"
            name = f"Drill Capital {index}"
            created = create_org(
                engine,
                keys,
                name=name,
                admin_email=email,
                admin_name=f"Founder {index}",
                password_hash=Passwords(CHEAP).hash(PASSWORD),
            )
            session = sign_in(server, email)
            enroll(session)
            ops = _work(session, index)
            results = session.push([op.wire() for op in ops])
            refused = [r for r in results if r["status"] != "accepted"]
            if refused:
                raise DrillError(f"{name}: {len(refused)} ops were refused, first {refused[0]}")
            twin = ops[-1].wire() | {"signature": ops[0].wire()["signature"]}
            [again] = session.push([twin])
            if again["status"] == "accepted":
                raise DrillError(f"{name}: an op sent again with other bytes was accepted")
            seeded.append(SeededOrg(name, created.org_id, email, session, len(ops)))
    finally:
        engine.dispose()
    return seeded
