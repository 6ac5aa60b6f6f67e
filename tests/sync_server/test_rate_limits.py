"""Guessing is slowed down: logins and magic links are limited per address and per
account, and the 429 is the same whether or not the account exists. Whole-organization
snapshots are limited per account."""

from __future__ import annotations

import pytest
from scenario import PASSWORD, Org

from sync_server.settings import RateLimits, Settings


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.with_(
        rate_limits=RateLimits(
            login_per_ip=1000,
            login_per_account=3,
            magic_link_per_ip=1000,
            magic_link_per_address=2,
            snapshot_per_account=2,
            window_seconds=3600,
        )
    )


async def test_logins_are_limited_per_account_known_or_not(org: Org) -> None:
    post = org.world.post
    # Maria signed in once already (the fixture): two more tries use up her three.
    for address, tries in ((org.founder.email, 2), ("ghost@nowhere.example", 3)):
        statuses = [
            (await post("/v1/auth/login", {"email": address, "password": "guess"})).status
            for _ in range(tries)
        ]
        assert statuses == [401] * tries
        resp = await post("/v1/auth/login", {"email": address, "password": PASSWORD})
        assert resp.status == 429
        assert (await resp.json())["error"]["code"] == "rate_limited"
        assert int(resp.headers["Retry-After"]) > 0


async def test_magic_links_are_limited_per_address_known_or_not(org: Org) -> None:
    for address in ("lp@pension.example", "ghost@nowhere.example"):
        answers = []
        for _ in range(3):
            resp = await org.world.post("/v1/auth/magic-link", {"email": address})
            answers.append((resp.status, (await resp.json()).get("error", {}).get("code")))
        assert answers == [(202, None), (202, None), (429, "rate_limited")]


async def test_snapshots_are_limited_per_account(org: Org) -> None:
    statuses = [(await org.world.get("/v1/sync/snapshot", org.founder)).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    other = await org.member("gp")
    assert (await org.world.get("/v1/sync/snapshot", other)).status == 200
