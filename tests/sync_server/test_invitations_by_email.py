"""Inviting someone on the server emails them how to sign in, once, over real SMTP.

Harbor Point Capital is on the server; Maria (GP and admin) invites people by pushing
``user.invite``. Staff get a one-time sign-in code that sets their password at
``POST /v1/auth/invitation/accept``; LPs are sent to the investor portal, counsel to the
sign-in by emailed link, neither with a code. The mail server is aiosmtpd on a socket.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from scenario import Member, Org
from server_process import free_port
from smtp_inbox import Inbox
from sqlalchemy import text

from core.ids import new_id
from sync_server.openapi import openapi_document
from sync_server.settings import RateLimits, Settings

PUBLIC = "https://sync.harborpoint.example"
NEW_PASSWORD = "a long analyst passphrase"
ACCEPT = "/v1/auth/invitation/accept"
WRONG_CODE = "the invitation code is wrong, already used or expired"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def settings(base_settings: Settings, inbox: Inbox) -> Settings:
    limits = base_settings.rate_limits
    return base_settings.with_(
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_starttls=False,
        smtp_timeout_seconds=5.0,
        public_base_url=PUBLIC,
        notice_poll_seconds=0.1,
        rate_limits=RateLimits(
            **{
                **{f: getattr(limits, f) for f in limits.__dataclass_fields__},
                "invitation_accept_per_account_ip": 4,
            }
        ),
    )


def _body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def _code(body: str) -> str:
    found = re.search(r"--code ([A-Z2-7]{4}(?:-[A-Z2-7]{4}){7})\n", body)
    assert found is not None, body
    return found.group(1)


async def _invite(org: Org, name: str, *roles: str) -> tuple[str, str]:
    """Maria invites ``name``; the new user's id and address."""
    email = f"{name.lower()}+{new_id()[-10:]}@harborpoint.example"
    user_id = await org.submit_wire(
        "user.invite", {"email": email, "display_name": name, "roles": list(roles)}
    )
    return user_id, email


async def _mail_to(inbox: Inbox, address: str) -> EmailMessage:
    for _ in range(200):
        if inbox.to(address):
            break
        await asyncio.sleep(0.05)
    [message] = inbox.to(address)
    return message


def _rows(org: Org, user_id: str) -> list[dict[str, Any]]:
    with org.world.owner.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT notice_kind, lp_id, recipient, status, code_hash, code_expires_at, "
                "code_used_at FROM notice_outbox WHERE org_id = :org AND notice_id = :user"
            ),
            {"org": org.org_id, "user": user_id},
        )
        return [dict(r._mapping) for r in rows]


def _password_set(org: Org, user_id: str) -> bool:
    with org.world.owner.begin() as conn:
        found = conn.execute(
            text("SELECT 1 FROM credentials WHERE org_id = :org AND user_id = :user"),
            {"org": org.org_id, "user": user_id},
        ).first()
    return found is not None


async def _accept(org: Org, email: str, code: str, password: str = NEW_PASSWORD) -> Any:
    return await org.world.post(ACCEPT, {"email": email, "code": code, "password": password})


async def test_an_invited_analyst_gets_one_code_that_sets_a_password_once(
    org: Org, inbox: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id, email = await _invite(org, "Alex", "gp_analyst")
    message = await _mail_to(inbox, email)
    body = _body(message)
    code = _code(body)
    assert message["Subject"] == "Harbor Point Capital invites you to Deal OS"
    assert "Dear Alex," in body
    assert "Harbor Point Capital has invited you to Deal OS as GP analyst." in body
    assert f"dealos enroll --server {PUBLIC} --email {email} --code {code}" in body
    assert 'choose "Sign in to a server"' in body
    assert org.founder.email not in body  # nobody else's data: only the organization's name
    assert "Maria" not in body
    [row] = _rows(org, user_id)
    assert (row["notice_kind"], row["lp_id"], row["status"]) == ("invitation", None, "sent")
    assert row["code_hash"] is not None
    assert code not in row["code_hash"]
    week = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    assert abs((row["code_expires_at"] - week).total_seconds()) < 120

    # A wrong code, or the right one for another address: 401 in words, nothing changes.
    for who, tried in (
        (email, code[:-1] + ("A" if code[-1] != "A" else "B")),
        (org.founder.email, code),
    ):
        resp = await _accept(org, who, tried)
        assert resp.status == 401, await resp.text()
        error = (await resp.json())["error"]
        assert (error["code"], error["message"]) == ("invalid_or_expired_code", WRONG_CODE)
    assert not _password_set(org, user_id)
    assert _rows(org, user_id)[0]["code_used_at"] is None
    # Too short a password is refused before the code is looked at.
    resp = await _accept(org, email, code, password="short")
    assert resp.status == 422
    assert (await resp.json())["error"]["field"] == "password"
    assert _rows(org, user_id)[0]["code_used_at"] is None

    # The right code, typed in small letters without its dashes, answers as a login.
    resp = await _accept(org, email, code.replace("-", "").lower())
    assert resp.status == 200, await resp.text()
    granted = await resp.json()
    assert (granted["user_id"], granted["org_id"], granted["roles"]) == (
        user_id,
        org.org_id,
        ["gp_analyst"],
    )
    schema = openapi_document()["paths"][ACCEPT]["post"]["responses"]["200"]
    ref = schema["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**ref, "components": openapi_document()["components"]})
    assert [e.message for e in validator.iter_errors(granted)] == []
    assert _rows(org, user_id)[0]["code_used_at"] is not None

    # Alex signs in with the new password, enrolls a laptop and signs ops.
    alex = await org.login(email, NEW_PASSWORD)
    await org.enroll(alex)
    deal = org.op("deal.create", {"name": "Dock 9", "currency": "USD"}, by=alex)
    [result] = await org.push_ok(deal, by=alex)
    assert result["status"] == "accepted"

    # The same code again: refused in words, the password Alex chose stands.
    resp = await _accept(org, email, code, password="someone else's passphrase")
    assert resp.status == 401
    assert (await resp.json())["error"]["message"] == WRONG_CODE
    await org.login(email, NEW_PASSWORD)

    # Maria sees the invitation went out and was used.
    resp = await org.world.get("/v1/invitations", org.founder)
    assert resp.status == 200, await resp.text()
    answer = await resp.json()
    [seen] = [i for i in answer["invitations"] if i["user_id"] == user_id]
    assert (seen["display_name"], seen["recipient"], seen["status"]) == ("Alex", email, "sent")
    assert seen["accepted_at"] is not None
    documented = openapi_document()["paths"]["/v1/invitations"]["get"]["responses"]["200"]
    ref = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**ref, "components": openapi_document()["components"]})
    assert [e.message for e in validator.iter_errors(answer)] == []
    # Notices' deliveries list notices only.
    notices = await (await org.world.get("/v1/notices/deliveries", org.founder)).json()
    assert notices == {"deliveries": []}

    logged = capsys.readouterr().err
    assert '"event": "invitation.accepted"' in logged
    for secret in (email, code, code.replace("-", ""), "Alex"):
        assert secret not in logged


async def test_an_lp_is_sent_to_the_portal_and_counsel_to_the_emailed_link_without_a_code(
    org: Org, inbox: Inbox
) -> None:
    lp_user, lp_email = await _invite(org, "Priya", "lp")
    counsel_user, counsel_email = await _invite(org, "Morgan", "counsel")

    lp_body = _body(await _mail_to(inbox, lp_email))
    assert "Harbor Point Capital has invited you to Deal OS as LP." in lp_body
    assert f"\n    {PUBLIC}/portal\n" in lp_body
    assert "the investor sign-in does the same" in " ".join(lp_body.split())
    counsel_body = _body(await _mail_to(inbox, counsel_email))
    assert "as counsel" in counsel_body
    assert f"dealos lp-signin --server {PUBLIC} --email {counsel_email}" in counsel_body
    for body in (lp_body, counsel_body):
        assert "code" not in body.lower()
        assert "#token=" not in body
    for user_id in (lp_user, counsel_user):
        [row] = _rows(org, user_id)
        assert (row["status"], row["code_hash"]) == ("sent", None)


async def test_a_code_never_signs_in_someone_external_or_removed_nor_after_it_expires(
    org: Org, inbox: Inbox
) -> None:
    """Sam was invited as auditor, then made an LP instead; Lee was invited as GP and lost
    the role before opening the email; Kim's code ran out. Every code is refused alike."""
    sam, sam_email = await _invite(org, "Sam", "auditor")
    lee, lee_email = await _invite(org, "Lee", "gp")
    kim, kim_email = await _invite(org, "Kim", "gp")
    people = ((sam, sam_email), (lee, lee_email), (kim, kim_email))
    codes = {u: _code(_body(await _mail_to(inbox, e))) for u, e in people}
    await org.submit_wire("role.grant", {"role": "lp"}, entity_id=sam)
    await org.submit_wire("role.revoke", {"role": "auditor"}, entity_id=sam)
    await org.submit_wire("role.revoke", {"role": "gp"}, entity_id=lee)
    with org.world.owner.begin() as conn:
        conn.execute(
            text(
                "UPDATE notice_outbox SET code_expires_at = now() - interval '1 second' "
                "WHERE org_id = :org AND notice_id = :user"
            ),
            {"org": org.org_id, "user": kim},
        )
    for user_id, email in people:
        resp = await _accept(org, email, codes[user_id])
        assert resp.status == 401
        assert (await resp.json())["error"]["message"] == WRONG_CODE
        assert not _password_set(org, user_id)


async def test_a_duplicate_or_refused_invite_sends_nothing_more(org: Org, inbox: Inbox) -> None:
    analyst = await org.member("gp_analyst")
    await _mail_to(inbox, analyst.email)  # the member's own invitation
    email = f"jo+{new_id()[-10:]}@harborpoint.example"
    invite = org.op("user.invite", {"email": email, "display_name": "Jo", "roles": ["gp"]})
    [first] = await org.push_ok(invite)
    assert first["status"] == "accepted"
    await _mail_to(inbox, email)
    [again] = await org.push_ok(invite)
    assert again["status"] == "duplicate"
    # An analyst may not invite anyone: refused, nothing queued.
    other = f"pat+{new_id()[-10:]}@harborpoint.example"
    refused = org.op(
        "user.invite", {"email": other, "display_name": "Pat", "roles": ["gp"]}, by=analyst
    )
    [no] = await org.push_ok(refused, by=analyst)
    assert no["status"] == "rejected"
    await asyncio.sleep(0.8)
    assert len(inbox.to(email)) == 1
    assert inbox.to(other) == []
    assert len(_rows(org, invite.entity_id)) == 1
    assert _rows(org, refused.entity_id) == []
    # The server's own service account was never invited.
    with org.world.owner.begin() as conn:
        service = conn.execute(
            text(
                "SELECT count(*) FROM notice_outbox o JOIN service_accounts s "
                "ON s.org_id = o.org_id AND s.user_id = o.notice_id WHERE o.org_id = :org"
            ),
            {"org": org.org_id},
        ).scalar_one()
    assert service == 0


async def test_guessing_codes_is_throttled_per_address_and_account(org: Org, inbox: Inbox) -> None:
    user_id, email = await _invite(org, "Robin", "gp_analyst")
    code = _code(_body(await _mail_to(inbox, email)))
    for _ in range(4):
        resp = await _accept(org, email, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
        assert resp.status == 401
    resp = await _accept(org, email, code)  # even the right code waits its turn
    assert resp.status == 429
    error = (await resp.json())["error"]
    assert error["code"] == "rate_limited"
    assert int(resp.headers["Retry-After"]) == error["details"]["retry_after_seconds"] > 0
    assert not _password_set(org, user_id)
    assert _rows(org, user_id)[0]["code_used_at"] is None


async def test_only_staff_read_how_invitations_went(org: Org, inbox: Inbox) -> None:
    reader: Member = await org.member("counsel", enroll=False)
    resp = await org.world.get("/v1/invitations", reader)
    assert resp.status == 403
    assert (await resp.json())["error"]["message"] == (
        "how invitations were emailed is shown to the organization's staff only"
    )
