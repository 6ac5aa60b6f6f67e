"""An answer that is not what the protocol says is a clear error, never a ``KeyError``, and
leaves the replica as it was.

Maria's laptop syncs with Harbor Point's real server, through a network that rewrites one
kind of answer on its way back: a pulled op without its signature, a push result without
its ``server_seq``, a state whose digest is a number, a sign-in without a token, a
bootstrap page whose op is not an object, a refusal that is a proxy's HTML page. Each time
the client raises :class:`MalformedResponse` naming the endpoint and the field, and
nothing is half-written: the outbox still holds what was not confirmed, the pull cursor
has not moved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer, create_org

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.onboarding import enroll_device
from core.sync.client import MalformedResponse, SyncClient, SyncError
from core.sync.engine import SyncEngine
from core.sync.replica import Replica

PASSWORD = "correct horse battery staple"
Change = Callable[[dict[str, Any]], Any]


@pytest.fixture
def maria(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"maria+{new_id()[-12:]}@harborpoint.example"
    create_org(live_server.settings, name="Harbor Point Capital", email=address, password=PASSWORD)
    return address


class _Rewrite(httpx.BaseTransport):
    """The network between the laptop and the server, rewriting the answers of one path."""

    def __init__(self, path: str, change: Change | None = None, *, body: bytes = b"") -> None:
        self._real = httpx.HTTPTransport()
        self._path, self._change, self._body = path, change, body

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._real.handle_request(request)
        if request.url.path != self._path:
            return response
        response.read()
        if self._change is None:
            return httpx.Response(502, headers={"content-type": "text/html"}, content=self._body)
        answer = json.loads(response.content)
        self._change(answer)
        return httpx.Response(
            response.status_code,
            headers={"content-type": "application/json"},
            content=json.dumps(answer).encode(),
        )


def _laptop(server: LiveServer, maria: str, folder: Path) -> Workspace:
    ws, _ = enroll_device(
        folder, server=server.url, email=maria, password=PASSWORD, device_name="l"
    )
    return ws


def _through(ws: Workspace, server: LiveServer, transport: httpx.BaseTransport) -> SyncClient:
    token = ws.keys.secret(f"session:{ws.device_id}")
    return SyncClient(server.url, token=token, transport=transport, attempts=1)


def _deal(ws: Workspace, name: str) -> None:
    ws.submit_wire("deal.create", entity_id=new_id(), payload={"name": name, "currency": "USD"})


def test_a_pulled_op_without_its_signature_is_refused_and_nothing_moves(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop = _laptop(live_server, maria, tmp_path / "laptop")
    desk = _laptop(live_server, maria, tmp_path / "desk")
    _deal(desk, "Riverside Commons")
    SyncEngine(desk, _through(desk, live_server, httpx.HTTPTransport())).run_once()
    cursor = Replica(laptop).cursor()

    def unsigned(page: dict[str, Any]) -> None:
        del page["ops"][-1]["op"]["signature"]

    client = _through(laptop, live_server, _Rewrite("/v1/sync/pull", unsigned))
    with pytest.raises(MalformedResponse) as refused:
        SyncEngine(laptop, client, snapshots=False).run_once()
    assert refused.value.code == "bad_response"
    assert refused.value.field is not None
    assert refused.value.field.endswith("op.signature")
    assert "GET /v1/sync/pull" in refused.value.message
    assert Replica(laptop).cursor() == cursor


def test_a_push_result_without_its_server_seq_leaves_the_op_pending(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop = _laptop(live_server, maria, tmp_path / "laptop")
    _deal(laptop, "Mill Street")
    assert Replica(laptop).pending_count() == 1

    def unnumbered(answer: dict[str, Any]) -> None:
        del answer["results"][0]["server_seq"]

    client = _through(laptop, live_server, _Rewrite("/v1/sync/push", unnumbered))
    with pytest.raises(MalformedResponse, match="server_seq"):
        SyncEngine(laptop, client).run_once()
    assert Replica(laptop).pending_count() == 1
    # The next round, on a sound network, finds the op accepted (a duplicate) and confirms it.
    report = SyncEngine(laptop, _through(laptop, live_server, httpx.HTTPTransport())).run_once()
    assert report.duplicates == 1
    assert Replica(laptop).pending_count() == 0


@pytest.mark.parametrize(
    ("path", "change", "field"),
    [
        ("/v1/sync/state", lambda a: a.update(digest=12345), "digest"),
        ("/v1/sync/state", lambda a: a.pop("last_seq"), "last_seq"),
        ("/v1/sync/state", lambda a: a.update(last_seq="7"), "last_seq"),
        ("/v1/server-key", lambda a: a.update(public_key="short"), "public_key"),
    ],
    ids=["digest-a-number", "no-last-seq", "seq-as-text", "bad-key"],
)
def test_a_misshapen_answer_names_its_field(
    live_server: LiveServer, maria: str, tmp_path: Path, path: str, change: Change, field: str
) -> None:
    laptop = _laptop(live_server, maria, tmp_path / "laptop")
    client = _through(laptop, live_server, _Rewrite(path, change))
    call = client.state if path == "/v1/sync/state" else client.server_key
    with pytest.raises(MalformedResponse) as refused:
        call()
    assert refused.value.field == field
    assert refused.value.status == 200


def test_a_sign_in_without_a_token_is_refused(live_server: LiveServer, maria: str) -> None:
    client = SyncClient(
        live_server.url,
        transport=_Rewrite("/v1/auth/login", lambda a: a.pop("session_token")),
    )
    with pytest.raises(MalformedResponse, match="POST /v1/auth/login") as refused:
        client.login(maria, PASSWORD)
    assert refused.value.field == "session_token"
    assert client.token is None


def test_a_refusal_that_is_not_the_protocols_is_a_malformed_response(
    live_server: LiveServer, maria: str, tmp_path: Path
) -> None:
    laptop = _laptop(live_server, maria, tmp_path / "laptop")
    proxy = _Rewrite("/v1/sync/state", body=b"<html>Bad gateway</html>")
    with pytest.raises(MalformedResponse, match="HTTP 502 without a protocol body") as refused:
        _through(laptop, live_server, proxy).state()
    assert isinstance(refused.value, SyncError)
    assert refused.value.status == 502


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda page: page["ops"][0].update(op="{}"), "ops.0.op"),
        (lambda page: page["ops"][0].update(redacted=True), "ops.0.redacted"),
        (lambda page: page.pop("has_more"), "has_more"),
    ],
    ids=["op-as-text", "redacted-in-a-staff-history", "no-has-more"],
)
def test_a_history_page_for_a_new_replica_is_read_through_its_model(
    live_server: LiveServer, maria: str, tmp_path: Path, change: Change, field: str
) -> None:
    """The bootstrap keeps each op as it came (its replay checks them later), but the page
    around them is the model's."""
    laptop = _laptop(live_server, maria, tmp_path / "laptop")
    client = _through(laptop, live_server, _Rewrite("/v1/sync/pull", change))
    with pytest.raises(MalformedResponse) as refused:
        client.pull_history(0, 10)
    assert refused.value.field == field
