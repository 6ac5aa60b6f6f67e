"""Every answer the server gives is its model of ``core.sync.messages`` and is what
``/v1/openapi.json`` says for its path and status — the pull pages and the snapshot it
assembles from stored and signed bytes included.

Harbor Point Capital (Maria, GP and admin) runs Harbor Fund I with Pension Fund and two
other LPs; Pension's officer signs in by magic link; Acme Capital, started offline,
attaches. Between them they call every endpoint that answers JSON, rightly and wrongly,
and each answer is checked three ways: the model the server built it from reads it and
writes it back unchanged; it validates against the schema the document publishes for
that path and status; and it holds no field the document does not name.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from mail_drop import wait_for_link
from pydantic import BaseModel
from scenario import PASSWORD, Member, Org, ServerWorld
from sqlalchemy import select, text
from test_redacted_counts import build

from core.commands.workspace import Workspace
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.ops.signing import DeviceKey, device_proof
from core.store.local_schema import op_log
from core.store.state_snapshot import checked_tables, verified_snapshot
from core.sync.attach import admit_service_account
from core.sync.blob_messages import BlobStored
from core.sync.messages import (
    RESPONSE_MODELS,
    AttachResult,
    HistoryPage,
    PulledOp,
    PullPage,
    RedactedPulledOp,
    SnapshotBody,
)
from sync_server.bootstrap import invite_org
from sync_server.invitations import new_code
from sync_server.replies import object_template

REF = "#/components/schemas/"
MODELS: dict[str, type[BaseModel]] = {m.__name__: m for m in (*RESPONSE_MODELS, BlobStored)}
Answer = tuple[str, str, int, bytes]  # method, documented path, status, body


async def _pages(org: Org, who: Member, limit: int) -> list[bytes]:
    """Every page of the log, as the bytes the server sent."""
    bodies, after = [], 0
    while True:
        resp = await org.world.get(f"/v1/sync/pull?after={after}&limit={limit}", who)
        assert resp.status == 200, await resp.text()
        bodies.append(await resp.read())
        page = json.loads(bodies[-1])
        after = page["next_after"]
        if not page["has_more"]:
            return bodies


def _written_back(model: type[BaseModel], raw: bytes) -> Any:
    """The answer as its model reads it, written back as JSON: equal to the answer."""
    parsed = model.model_validate_json(raw)
    assert parsed.model_dump(mode="json", exclude_unset=True) == json.loads(raw), model
    return parsed


async def test_pull_pages_built_from_bytes_are_pull_pages_for_staff_and_redacted_readers(
    world: ServerWorld,
) -> None:
    lp = await build(world, others=2)
    for who, item_model in ((lp.org.founder, PulledOp), (lp.viewer, RedactedPulledOp)):
        bodies = await _pages(lp.org, who, limit=4)
        assert len(bodies) > 2
        seqs: list[int] = []
        for i, raw in enumerate(bodies):
            page = _written_back(PullPage, raw)
            assert {type(item) for item in page.ops} <= {item_model}
            assert page.has_more is (i < len(bodies) - 1)
            seqs += [item.server_seq for item in page.ops]
            if not page.ops:  # a reader's last page may be empty
                continue
            if item_model is PulledOp:  # staff: the cursor is the last op's server_seq
                assert page.next_after == page.ops[-1].server_seq
                history = HistoryPage.model_validate_json(raw)
                sent = json.loads(raw)["ops"]
                assert [h["op"] for h in history.ops] == [item["op"] for item in sent]
                assert [h["server_seq"] for h in history.ops] == seqs[-len(sent) :]
            else:  # a reader's cursor moves past what it may not see
                assert page.next_after >= page.ops[-1].server_seq
        assert seqs == sorted(set(seqs))
        assert len(seqs) == len(await lp.org.pull_all(who))


async def test_the_snapshot_built_from_bytes_is_a_snapshot_body(org: Org) -> None:
    await org.fund()
    await org.lp("Pension Fund", "officer@pension.example")
    resp = await org.world.get("/v1/sync/snapshot", org.founder)
    assert resp.status == 200, await resp.text()
    raw = await resp.read()
    body = _written_back(SnapshotBody, raw)
    assert body.snapshot.org_id == org.org_id
    document = verified_snapshot(raw, org.world.keys.redaction.public_key)
    assert document is not None
    seq, tables = checked_tables(document, org.org_id)
    assert seq == body.snapshot.server_seq
    assert [t.name for t in tables] == [t.name for t in body.snapshot.tables]


def test_a_byte_template_cannot_drift_from_its_model() -> None:
    assert object_template(PulledOp, server_seq=b"%d", op=b"%s") == b'{"server_seq":%d,"op":%s}'
    assert (
        object_template(RedactedPulledOp, server_seq=b"%d", op=b"%s")
        == b'{"server_seq":%d,"op":%s,"redacted":true}'
    )
    assert object_template(SnapshotBody, canonical=True, snapshot=b"%s", signature=b"%s") == (
        b'{"signature":%s,"snapshot":%s}'
    )
    with pytest.raises(TypeError, match=r"PulledOp\.op is required"):
        object_template(PulledOp, server_seq=b"%d")
    with pytest.raises(TypeError, match="PulledOp has no field seq"):
        object_template(PulledOp, seq=b"%d", op=b"%s")


# -- every answer against the document -----------------------------------------------------


def _closed(schemas: dict[str, Any]) -> dict[str, Any]:
    """The schemas with every object that lists its properties closed to others: an answer
    may hold no field the document does not name (a payload's own schema says if it may)."""
    closed = copy.deepcopy(schemas)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(closed)
    return closed


def _problems(doc: dict[str, Any], schemas: dict[str, Any], answer: Answer) -> list[str]:
    method, path, status, raw = answer
    responses = doc["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, undocumented"
    ref = responses[str(status)]["content"]["application/json"]["schema"]["$ref"]
    name = ref.removeprefix(REF)
    _written_back(MODELS[name], raw)
    root = {"$ref": ref, "components": {"schemas": schemas}}
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{method} {path} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(json.loads(raw))
    ]


async def _answer(resp: Any, method: str, path: str) -> Answer:
    assert resp.content_type == "application/json", (method, path)
    return method, path, resp.status, await resp.read()


async def _sign_in_answers(world: ServerWorld, org: Org, lp_email: str) -> list[Answer]:
    post, found = world.post, []
    email = org.founder.email
    for body in ({"email": email, "password": PASSWORD}, {"email": email, "password": "no"}):
        found.append(await _answer(await post("/v1/auth/login", body), "POST", "/v1/auth/login"))
    found.append(
        await _answer(
            await post("/v1/auth/magic-link", {"email": lp_email}), "POST", "/v1/auth/magic-link"
        )
    )
    folder = world.settings.mail_drop_dir
    assert folder is not None
    *_, token = await wait_for_link(folder, lp_email, count=2)  # one signed the reader in
    for spent in (token, token):  # the second time it is used up
        resp = await post("/v1/auth/magic-link/consume", {"token": spent})
        found.append(await _answer(resp, "POST", "/v1/auth/magic-link/consume"))
    member = await org.member("gp_analyst")
    resp = await post(
        "/v1/auth/password",
        {"current_password": PASSWORD, "new_password": "a longer new passphrase"},
        member,
    )
    found.append(await _answer(resp, "POST", "/v1/auth/password"))
    found += await _invitation_answers(world, org)
    found += await _desktop_sign_in_answers(world, lp_email)
    return found


async def _desktop_sign_in_answers(world: ServerWorld, lp_email: str) -> list[Answer]:
    """The LP's desktop asks to sign in, polls, is approved (here in the table; the portal
    page's own tests press the button), collects its session, and polls once too often."""
    path, poll = "/v1/auth/desktop-link", "/v1/auth/desktop-link/poll"
    resp = await world.post(path, {"email": lp_email, "device_name": "Pension's laptop"})
    found = [await _answer(resp, "POST", path)]
    asked = json.loads(found[0][3])
    body = {"request_id": asked["request_id"], "poll_secret": asked["poll_secret"]}
    found.append(await _answer(await world.post(poll, body), "POST", poll))
    for _ in range(200):  # the row is written after the answer
        with world.owner.begin() as conn:
            approved = conn.execute(
                text("UPDATE desktop_sign_ins SET approved_at = now() WHERE request_id = :r"),
                {"r": asked["request_id"]},
            ).rowcount
        if approved:
            break
        await asyncio.sleep(0.05)
    for _ in range(2):  # the second time it is collected already
        found.append(await _answer(await world.post(poll, body), "POST", poll))
    assert [status for _, _, status, _ in found] == [202, 202, 200, 401]
    return found


async def _invitation_answers(world: ServerWorld, org: Org) -> list[Answer]:
    """An analyst invited by op accepts the invitation's code, then tries it again."""
    email = f"ines+{new_id()[-12:]}@harborpoint.example"
    user_id = await org.submit_wire(
        "user.invite", {"email": email, "display_name": "Ines", "roles": ["gp_analyst"]}
    )
    code, digest = new_code()  # as the sender makes it when it emails the invitation
    with world.owner.begin() as conn:
        conn.execute(
            text(
                "UPDATE notice_outbox SET status = 'sent', code_hash = :digest, "
                "code_expires_at = now() + interval '1 day' "
                "WHERE org_id = :org AND notice_id = :user"
            ),
            {"digest": digest, "org": org.org_id, "user": user_id},
        )
    found = []
    for _ in range(2):  # the second time the code is used up
        body = {"email": email, "code": code, "password": "ines's long passphrase"}
        resp = await world.post("/v1/auth/invitation/accept", body)
        found.append(await _answer(resp, "POST", "/v1/auth/invitation/accept"))
    assert [status for _, _, status, _ in found] == [200, 401]
    return found


async def _device_and_sync_answers(org: Org, reader: Member) -> list[Answer]:
    world, founder, found = org.world, org.founder, []
    key = DeviceKey.generate()
    proof = device_proof(key, org.org_id, founder.user_id)
    for public_key in (key.public_key, "not a key"):
        body = {"public_key": public_key, "name": "desk", "proof": proof}
        resp = await world.post("/v1/devices", body, founder)
        found.append(await _answer(resp, "POST", "/v1/devices"))
    deal = org.op("deal.create", {"name": "Dock 9", "currency": "USD"})
    stale = org.op("deal.update", {"fields": {}}, entity_id=deal.entity_id, base_version=7)
    resp = await org.push(deal, deal, stale, {"op_id": "not-an-op"})
    found.append(await _answer(resp, "POST", "/v1/sync/push"))
    statuses = [r["status"] for r in json.loads(found[-1][3])["results"]]
    assert statuses == ["accepted", "duplicate", "rejected", "rejected"]
    for who in (founder, reader):
        for path in ("/v1/sync/pull", "/v1/sync/state", "/v1/sync/snapshot"):
            found.append(await _answer(await world.get(path, who), "GET", path))
    resp = await world.get("/v1/sync/pull?limit=0", founder)
    found.append(await _answer(resp, "GET", "/v1/sync/pull"))
    found.append(await _answer(await world.get("/v1/sync/state"), "GET", "/v1/sync/state"))
    for path in ("/v1/server-key", "/healthz", "/readyz"):
        found.append(await _answer(await world.get(path), "GET", path))
    path = "/v1/notices/deliveries"  # the build issued a call and a distribution
    for who in (founder, reader):
        found.append(await _answer(await world.get(path, who), "GET", path))
    path = "/v1/invitations"
    for who in (founder, reader):
        found.append(await _answer(await world.get(path, who), "GET", path))
    return found


async def _attach_answers(
    world: ServerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[Answer]:
    """The attach, then its history in two parts (and one out of order)."""
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    address = f"gp+{new_id()[-12:]}@acme.example"
    ws = Workspace.init(tmp_path / "acme", org_name="Acme", email=address, display_name="Ada")
    with ws.store.transaction() as conn:
        raw = conn.execute(select(op_log.c.envelope).order_by(op_log.c.local_seq)).first()
    assert raw is not None
    genesis = json.loads(raw[0])
    code = invite_org(world.owner, admin_email=address, ttl_seconds=600)
    resp = await world.post(
        "/v1/orgs/attach",
        {"attach_code": code, "genesis": genesis, "password": "offline gp passphrase"},
    )
    found = [await _answer(resp, "POST", "/v1/orgs/attach")]
    attached = AttachResult.model_validate_json(found[0][3])
    admit_service_account(ws, attached.service_account)
    with ws.store.transaction() as conn:
        rows = conn.execute(select(op_log.c.envelope).order_by(op_log.c.local_seq)).all()
    history = [json.loads(r[0]) for r in rows[1:]]
    ws.close()
    bearer = {"Authorization": f"Bearer {attached.session_token}"}
    path = "/v1/orgs/attach/history"
    for position, ops, complete in (
        (0, history[:1], False),
        (5, [], False),
        (1, history[1:], True),
    ):
        body = {"position": position, "ops": ops, "complete": complete}
        found.append(await _answer(await world.post(path, body, headers=bearer), "POST", path))
    assert [status for _, _, status, _ in found] == [201, 200, 409, 200]
    return found


async def _blob_answers(org: Org, reader: Member) -> list[Answer]:
    """A document file stored, stored again, refused for its hash, for its uploader and
    unknown to a reader (PROTOCOL "Document blobs")."""
    world, found = org.world, []
    data = b"%PDF-1.7 a memorandum"
    path = f"/v1/blobs/{hashlib.sha256(data).hexdigest()}"
    for who, body in ((org.founder, data), (org.founder, data), (org.founder, b"other")):
        headers = {**who.auth, "Content-Type": "application/pdf"}
        resp = await world.client.put(path, data=body, headers=headers)
        found.append(await _answer(resp, "PUT", "/v1/blobs/{sha256}"))
    resp = await world.client.put(path, data=data, headers=reader.auth)
    found.append(await _answer(resp, "PUT", "/v1/blobs/{sha256}"))
    found.append(await _answer(await world.get(path, reader), "GET", "/v1/blobs/{sha256}"))
    assert [status for _, _, status, _ in found] == [201, 200, 422, 403, 404]
    return found


async def test_every_answer_is_its_model_and_what_the_document_says(
    world: ServerWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lp = await build(world, others=2)
    doc = await (await world.get("/v1/openapi.json")).json()
    schemas = _closed(doc["components"]["schemas"])
    answers = await _sign_in_answers(world, lp.org, lp.viewer.email)
    answers += await _device_and_sync_answers(lp.org, lp.viewer)
    answers += await _attach_answers(world, tmp_path, monkeypatch)
    answers += await _blob_answers(lp.org, lp.viewer)
    problems = [p for answer in answers for p in _problems(doc, schemas, answer)]
    assert problems == []
    # Every JSON answer the document names was given at least once, success and refusal.
    seen = {(m.lower(), p, str(s)) for m, p, s, _ in answers}
    named = {
        (method, path, status)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        for status, response in op["responses"].items()
        if "application/json" in response.get("content", {})
        and status < "300"
        and path != "/v1/openapi.json"
    }
    assert named <= seen, sorted(named - seen)
    assert {s for _, _, s, _ in answers} >= {200, 201, 202, 401, 403, 422}
