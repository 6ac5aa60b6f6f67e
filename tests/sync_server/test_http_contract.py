"""Every endpoint of PROTOCOL.md against bad input: malformed JSON, wrong types, missing
fields, oversized bodies, missing or invalid bearer tokens. Each answer is a 4xx in the
one error shape, carries the security headers and the request id — never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from scenario import Org

from core.ops.kinds import KINDS

ENDPOINTS: list[tuple[str, str, bool]] = [  # method, path, needs a bearer token
    ("POST", "/v1/auth/login", False),
    ("POST", "/v1/auth/logout", True),
    ("POST", "/v1/auth/logout-all", True),
    ("POST", "/v1/auth/password", True),
    ("POST", "/v1/auth/magic-link", False),
    ("POST", "/v1/auth/magic-link/consume", False),
    ("POST", "/v1/devices", True),
    ("DELETE", "/v1/devices/01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10", True),
    ("POST", "/v1/sync/push", True),
    ("GET", "/v1/sync/pull", True),
    ("GET", "/v1/sync/state", True),
    ("GET", "/v1/sync/snapshot", True),
    ("POST", "/v1/orgs/attach", False),
]
POSTS = [
    (m, p, a) for m, p, a in ENDPOINTS if m == "POST" and not p.endswith(("logout", "logout-all"))
]
BAD_BODIES: list[bytes] = [
    b"{not json",
    b"\xff\xfe\x00",
    b"[1, 2, 3]",
    b'"a string"',
    b"null",
    b"NaN",
    b'{"email": 42, "password": ["x"], "token": {}, "ops": "x", "device_id": 7}',
    b"[" * 100_000,
]


def assert_error(status: int, body: Any, headers: Any) -> None:
    assert 400 <= status < 500, (status, body)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field", "details"}
    assert body["error"]["code"].replace("_", "").isalpha()
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "max-age" in headers["Strict-Transport-Security"]
    assert headers["X-Request-ID"]


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, a in ENDPOINTS if a])
async def test_missing_or_invalid_bearer_is_401(
    client: TestClient[Any, Any], method: str, path: str
) -> None:
    for header in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer " + "A" * 43},
    ):
        resp = await client.request(method, path, headers=header, json={})
        body = await resp.json()
        assert resp.status == 401
        assert body["error"]["code"] == "unauthorized"
        assert_error(resp.status, body, resp.headers)


@pytest.mark.parametrize(("method", "path", "auth"), POSTS)
async def test_malformed_bodies_are_4xx_in_the_error_shape(
    client: TestClient[Any, Any], org: Org, method: str, path: str, auth: bool
) -> None:
    doc = await (await client.get("/v1/openapi.json")).json()
    documented = doc["paths"][path][method.lower()]["responses"]
    headers = {"Content-Type": "application/json", **(org.founder.auth if auth else {})}
    for raw in [*BAD_BODIES, b'{"x": 1}']:
        resp = await client.request(method, path, data=raw, headers=headers)
        body = await resp.json()
        assert_error(resp.status, body, resp.headers)
        # ... and the answer is one the OpenAPI document lists for this endpoint.
        assert str(resp.status) in documented, (raw[:20], resp.status, body)
        assert body["error"]["code"] in documented[str(resp.status)]["description"]
    resp = await client.request(
        method, path, data=b"{}", headers={**headers, "Content-Type": "text/plain"}
    )
    assert resp.status == 415
    assert "415" in documented


@pytest.mark.parametrize(("method", "path", "auth"), POSTS)
async def test_oversized_bodies_are_413(
    client: TestClient[Any, Any], org: Org, method: str, path: str, auth: bool
) -> None:
    headers = {"Content-Type": "application/json", **(org.founder.auth if auth else {})}
    big = b'{"x": "' + b"a" * (5 * 1024 * 1024 + 10) + b'"}'
    resp = await client.request(method, path, data=big, headers=headers)
    body = await resp.json()
    assert resp.status == 413
    assert body["error"]["code"] == "body_too_large"


async def test_an_oversized_chunked_body_is_413(client: TestClient[Any, Any], org: Org) -> None:
    async def chunks() -> Any:
        for _ in range(6):
            yield b" " * (1024 * 1024)

    resp = await client.post(
        "/v1/sync/push",
        data=chunks(),
        headers={**org.founder.auth, "Content-Type": "application/json"},
    )
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "body_too_large"


async def test_more_than_500_ops_is_too_many_ops(org: Org) -> None:
    resp = await org.push(*([{}] * 501))
    body = await resp.json()
    assert resp.status == 422
    assert body["error"]["code"] == "too_many_ops"


async def test_wrong_types_name_the_field(client: TestClient[Any, Any], org: Org) -> None:
    resp = await client.post(
        "/v1/sync/push", json={"device_id": 12, "ops": []}, headers=org.founder.auth
    )
    body = await resp.json()
    assert resp.status == 422
    assert body["error"]["field"] == "device_id"
    resp = await client.post("/v1/auth/login", json={"email": "a@b.example"})
    assert (await resp.json())["error"] == {
        "code": "invalid_request",
        "message": "password is required",
        "field": "password",
        "details": {},
    }
    resp = await client.post(
        "/v1/devices", json={"public_key": "short", "name": "x"}, headers=org.founder.auth
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_public_key"


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=abc",
        "limit=0",
        "limit=1001",
        "limit=1.5",
        "after=1&after=2",
        "x=1",
        "after=99999999999999999999999",
    ],
)
async def test_bad_pull_parameters_are_422(
    client: TestClient[Any, Any], org: Org, query: str
) -> None:
    resp = await client.get(f"/v1/sync/pull?{query}", headers=org.founder.auth)
    assert resp.status == 422
    assert_error(resp.status, await resp.json(), resp.headers)


async def test_the_wrong_media_type_is_415(client: TestClient[Any, Any]) -> None:
    resp = await client.post(
        "/v1/auth/login", data="email=x", headers={"Content-Type": "text/plain"}
    )
    assert resp.status == 415
    assert_error(resp.status, await resp.json(), resp.headers)


async def test_unknown_routes_and_methods_use_the_error_shape(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/v1/nothing-here")
    assert resp.status == 404
    assert_error(resp.status, await resp.json(), resp.headers)
    resp = await client.put("/v1/sync/push")
    assert resp.status == 405
    assert_error(resp.status, await resp.json(), resp.headers)


async def test_the_request_id_is_echoed_or_generated(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz", headers={"X-Request-ID": "req-42.a"})
    assert resp.headers["X-Request-ID"] == "req-42.a"
    resp = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith tabs"})
    assert resp.headers["X-Request-ID"] != "bad id\twith tabs"
    assert len(resp.headers["X-Request-ID"]) == 32


async def test_health_metrics_and_server_key(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 200
    metrics = await (await client.get("/metrics")).text()
    assert "dealos_http_requests_total" in metrics
    key = await (await client.get("/v1/server-key")).json()
    assert len(key["public_key"]) == 43


async def test_openapi_describes_every_endpoint_and_every_op_payload(
    client: TestClient[Any, Any],
) -> None:
    doc = await (await client.get("/v1/openapi.json")).json()
    paths = {p.replace("{device_id}", "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10") for p in doc["paths"]}
    assert {path for _, path, _ in ENDPOINTS} <= paths
    schemas = doc["components"]["schemas"]
    for spec in KINDS.values():
        schema = schemas[spec.schema_name]
        assert schema["type"] == "object"
        assert schema.get("additionalProperties") is False
    assert "DealCreatePayload" in schemas
    assert "Envelope" in schemas


async def test_tokens_outside_their_alphabet_are_refused_not_a_500(
    client: TestClient[Any, Any],
) -> None:
    """Found by fuzzing the OpenAPI document: a non-ASCII token used to fail hashing."""
    for path, body in (
        ("/v1/auth/magic-link/consume", {"token": "ñandú"}),
        ("/v1/orgs/attach", {"attach_code": "ñandú", "genesis": {}, "password": "x" * 12}),
    ):
        resp = await client.post(path, json=body)
        payload = await resp.json()
        assert resp.status == 422, payload
        assert payload["error"]["field"] in ("token", "attach_code")
        assert_error(resp.status, payload, resp.headers)
    resp = await client.get("/v1/sync/state", headers={"Authorization": "Bearer ñandú"})
    assert resp.status == 401
    assert_error(resp.status, await resp.json(), resp.headers)
