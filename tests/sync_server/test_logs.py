"""The operator's logs: JSON lines carrying the request id, and no personal data — no
email, password, token or amount — even when a request is full of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scenario import PASSWORD, Org

from sync_server.request_log import scrub


def test_scrub_masks_sensitive_keys_emails_and_tokens() -> None:
    token = "A" * 43
    event = {
        "email": "maria@harborpoint.example",
        "detail": f"login by maria@harborpoint.example with Bearer {token}",
        "nested": {"amount": "1250000.00", "name": "Maria", "kind": "deal.create"},
        "items": [f"token {token}"],
    }
    clean = json.dumps(scrub(event))
    for secret in ("maria@", "1250000.00", "Maria", token):
        assert secret not in clean
    assert "deal.create" in clean


async def test_request_logs_carry_the_request_id_and_no_pii(
    org: Org, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    resp = await org.world.post(
        "/v1/auth/login",
        {"email": org.founder.email, "password": PASSWORD},
        headers={"X-Request-ID": "trace-me-7"},
    )
    token = (await resp.json())["session_token"]
    await org.world.post("/v1/auth/login", {"email": org.founder.email, "password": "wrong!"})
    err = capfd.readouterr().err
    lines: list[dict[str, Any]] = [
        json.loads(line) for line in err.splitlines() if line.startswith("{")
    ]
    assert any(line.get("request_id") == "trace-me-7" for line in lines)
    assert org.founder.email not in err
    assert token not in err
    assert PASSWORD not in err
