"""A request whose header or path is over 8 KiB is refused in the protocol's error shape
with every security header, like any other bad request — not with the HTTP parser's bare
text."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sync_server.http_guard import HEADER_LIMIT, SECURITY_HEADERS


@pytest.mark.parametrize("size", [HEADER_LIMIT + 1, 4 * HEADER_LIMIT])
async def test_an_oversized_header_gets_a_431_in_the_error_shape(
    client: TestClient[Any, Any], size: int
) -> None:
    resp = await client.get("/healthz", headers={"X-Padding": "a" * size})
    assert resp.status == 431
    body = await resp.json()
    assert body["error"]["code"] == "header_too_large"
    assert body["error"]["details"] == {"header": "X-Padding"}
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers[name] == value


async def test_an_oversized_path_gets_a_414_in_the_error_shape(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get("/v1/sync/pull?after=" + "1" * (HEADER_LIMIT + 1))
    assert resp.status == 414
    assert (await resp.json())["error"]["code"] == "uri_too_long"
    assert resp.headers["X-Frame-Options"] == "DENY"


async def test_a_header_just_under_the_limit_is_served(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz", headers={"X-Padding": "a" * (HEADER_LIMIT - 64)})
    assert resp.status == 200
