"""The devices of the load run (bench/load.py): each signs in, enrolls a real Ed25519 key,
then pushes signed ops and pulls everything new in turn until the deadline, timing each
request and counting every refusal by kind.

Each device writes only its own entities (new deals, LPs and documents; updates of the
asking price of deals it created, at the version it made), so no op is rightly refused:
any refusal is an error of the run. It remembers every op it pushed and every op it
pulled, and the asking price it last signed for each of its deals, for the reconciliation
(bench/load_ledger.py).
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
from sync_fixture import PASSWORD, BenchOrg

from core.ids import new_id
from core.ops.envelope import UnsignedOp
from core.ops.signing import DeviceKey, device_proof

__all__ = ["Device", "Stats", "catch_up", "enroll", "run_device"]

PULL_LIMIT = 1000
CENT = Decimal("0.01")


@dataclass
class Stats:
    """Every device's requests: latencies (seconds) and refusals, by request kind."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    accepted: int = 0


@dataclass
class Device:
    org: BenchOrg
    name: str
    key: DeviceKey
    device_id: str = ""
    user_id: str = ""
    auth: dict[str, str] = field(default_factory=dict)
    seq: int = 0
    cursor: int = 0
    # deal id → (version, asking price) as this device last signed it
    deals: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    pushed: list[str] = field(default_factory=list)  # op ids the server accepted
    pulled: list[dict[str, Any]] = field(default_factory=list)  # {"server_seq", "op"}
    rng: random.Random = field(default_factory=random.Random)

    def _sign(
        self, kind: str, entity_id: str, payload: dict[str, Any], base: int | None
    ) -> dict[str, Any]:
        self.seq += 1
        unsigned = UnsignedOp.new(
            org_id=self.org.org_id,
            device_id=self.device_id,
            device_seq=self.seq,
            actor_id=self.user_id,
            kind=kind,
            entity_id=entity_id,
            base_version=base,
            payload=payload,
        )
        return self.key.sign(unsigned).wire()

    def _price(self) -> Decimal:
        return (Decimal(self.rng.randrange(1_000_000_00, 90_000_000_00)) * CENT).quantize(CENT)

    def batch(self, n: int) -> tuple[list[dict[str, Any]], dict[str, tuple[int, Decimal]]]:
        """``n`` signed ops of the mix, and the deals as they will stand once accepted."""
        deals = dict(self.deals)
        ops = []
        for _ in range(n):
            pick = self.rng.randrange(4)
            if pick == 0 or not deals:
                deal_id, price = new_id(), self._price()
                fields = {"asking_price": {"value": str(price)}, "sponsor": {"value": "Ridge"}}
                payload = {"name": f"{self.name} deal {self.seq}", "currency": "USD"}
                ops.append(self._sign("deal.create", deal_id, {**payload, "fields": fields}, None))
                deals[deal_id] = (1, price)
            elif pick == 1:
                deal_id = self.rng.choice(list(deals))
                version, _ = deals[deal_id]
                price = self._price()
                fields = {"asking_price": {"value": str(price)}}
                ops.append(self._sign("deal.update", deal_id, {"fields": fields}, version))
                deals[deal_id] = (version + 1, price)
            elif pick == 2:
                contact = {"contact_id": new_id(), "name": "IR", "email": "ir@lp.example"}
                payload = {"name": f"LP {self.seq}", "lp_type": "institution"}
                ops.append(
                    self._sign("lp.create", new_id(), {**payload, "contacts": [contact]}, None)
                )
            else:
                payload = {
                    "deal_id": self.rng.choice(list(deals)),
                    "filename": f"memo_{self.seq}.pdf",
                    "media_type": "application/pdf",
                    "size_bytes": self.rng.randrange(1, 10**7),
                    "sha256": f"{self.rng.getrandbits(256):064x}",
                }
                ops.append(self._sign("document.add", new_id(), payload, None))
        return ops, deals


async def enroll(http: aiohttp.ClientSession, base: str, device: Device) -> None:
    """Sign in with the organization's password and enroll the device's key."""
    async with http.post(
        f"{base}/v1/auth/login", json={"email": device.org.email, "password": PASSWORD}
    ) as resp:
        assert resp.status == 200, (resp.status, await resp.text())
        login = await resp.json()
    device.user_id = login["user_id"]
    device.auth = {"Authorization": f"Bearer {login['session_token']}"}
    body = {
        "public_key": device.key.public_key,
        "name": device.name,
        "proof": device_proof(device.key, login["org_id"], login["user_id"]),
    }
    async with http.post(f"{base}/v1/devices", headers=device.auth, json=body) as resp:
        assert resp.status in (200, 201), (resp.status, await resp.text())
        device.device_id = (await resp.json())["device_id"]


def _refusal(kind: str, status: int, body: bytes) -> str:
    try:
        code = orjson.loads(body)["error"]["code"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        code = "no protocol body"
    return f"{kind} HTTP {status} {code}"


async def _push(
    http: aiohttp.ClientSession, base: str, device: Device, n: int, stats: Stats
) -> None:
    ops, deals = device.batch(n)
    body = orjson.dumps({"device_id": device.device_id, "ops": ops})
    headers = {**device.auth, "Content-Type": "application/json"}
    began = time.perf_counter()
    async with http.post(f"{base}/v1/sync/push", data=body, headers=headers) as resp:
        answer = await resp.read()
        stats.latencies["push"].append(time.perf_counter() - began)
        if resp.status != 200:
            stats.errors[_refusal("push", resp.status, answer)] += 1
            device.seq -= n  # nothing was accepted: the same numbers go out again
            return
    results = orjson.loads(answer)["results"]
    statuses = Counter(r["status"] for r in results)
    for status, count in statuses.items():
        if status != "accepted":
            stats.errors[f"op {status}"] += count
    if statuses["accepted"] == len(ops):
        device.deals = deals
        device.pushed += [op["op_id"] for op in ops]
        stats.accepted += len(ops)
    else:  # a refused op would leave the device's own bookkeeping unknowable: stop here
        raise RuntimeError(f"{device.name}: the server refused ops of a push: {dict(statuses)}")


async def _pull(http: aiohttp.ClientSession, base: str, device: Device, stats: Stats) -> bool:
    """One pull page after the device's cursor; True when the server has more."""
    url = f"{base}/v1/sync/pull?after={device.cursor}&limit={PULL_LIMIT}"
    began = time.perf_counter()
    async with http.get(url, headers=device.auth) as resp:
        answer = await resp.read()
        stats.latencies["pull"].append(time.perf_counter() - began)
        if resp.status != 200:
            stats.errors[_refusal("pull", resp.status, answer)] += 1
            return False
    page = orjson.loads(answer)
    device.pulled += page["ops"]
    device.cursor = page["next_after"]
    return bool(page["has_more"])


async def run_device(
    http: aiohttp.ClientSession,
    base: str,
    device: Device,
    *,
    deadline: float,
    batch: int,
    stats: Stats,
) -> None:
    """Push a batch, then pull until caught up, until ``deadline`` (``time.monotonic``)."""
    while time.monotonic() < deadline:
        await _push(http, base, device, device.rng.randint(1, batch), stats)
        while await _pull(http, base, device, stats) and time.monotonic() < deadline:
            pass


async def catch_up(
    http: aiohttp.ClientSession, base: str, device: Device, stats: Stats
) -> tuple[int, str]:
    """Pull to the server's head after the run: the head's ``server_seq`` and the state
    digest the server states for it."""
    async with http.get(f"{base}/v1/sync/state", headers=device.auth) as resp:
        state = await resp.json()
    while device.cursor < int(state["last_seq"]) and await _pull(http, base, device, stats):
        pass
    return int(state["last_seq"]), str(state["digest"])
