"""An operator's view: with the database down the process stays up (/healthz 200) but is
not ready (/readyz 503), and calls that need the database answer 503, not 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sync_server.app import create_app
from sync_server.settings import Settings


@pytest.fixture
async def cut_off(aiohttp_client: Callable[..., Any], base_settings: Settings) -> Any:
    nowhere = "postgresql://dealos@127.0.0.1:9/nowhere"
    # port 9 (discard) is closed: connections are refused at once
    settings = base_settings.with_(database_url=nowhere, app_database_url=nowhere)
    client: TestClient[Any, Any] = await aiohttp_client(create_app(settings))
    return client


async def test_readyz_is_503_when_the_database_is_unreachable(cut_off: Any) -> None:
    assert (await cut_off.get("/healthz")).status == 200
    resp = await cut_off.get("/readyz")
    assert resp.status == 503
    assert (await resp.json())["error"]["code"] == "not_ready"
    resp = await cut_off.get("/v1/sync/state", headers={"Authorization": "Bearer " + "A" * 43})
    assert resp.status == 503
    assert (await resp.json())["error"]["code"] == "unavailable"
    resp = await cut_off.post("/v1/auth/login", json={"email": "a@b.example", "password": "x"})
    assert resp.status == 503


async def test_readyz_is_200_on_a_migrated_database(client: Any) -> None:
    assert (await client.get("/readyz")).status == 200
