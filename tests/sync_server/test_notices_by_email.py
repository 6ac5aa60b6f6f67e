"""Issuing a notice emails each LP in it, once, over real SMTP.

Harbor Point Capital runs Harbor Fund I, its wire instructions recorded. Pension Fund of
Harbor County committed $1,000,000.00, Lakeside Family Office $2,000,000.00 and Northgate
Endowment $3,000,000.00. Maria drafts a $600,000.00 call due 31 March 2026 and issues it:
the server queues one email per LP in the push's transaction and its sender hands each
to a real SMTP server (aiosmtpd) on a socket, which misbehaves on cue — down, 451, 550.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from jsonschema import Draft202012Validator
from notice_world import BANK, deliveries, fund_with_lps, outbox_rows, settled
from scenario import Org
from server_process import free_port
from smtp_inbox import Inbox

from core.ids import new_id
from sync_server.openapi import openapi_document
from sync_server.settings import Settings

PORTAL = "https://investors.harborpoint.example"
THREE = {
    "Pension Fund of Harbor County": "1000000.00",
    "Lakeside Family Office": "2000000.00",
    "Northgate Endowment": "3000000.00",
}
SHARES = {
    "Pension Fund of Harbor County": "$100,000.00",
    "Lakeside Family Office": "$200,000.00",
    "Northgate Endowment": "$300,000.00",
}


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def settings(base_settings: Settings, inbox: Inbox) -> Settings:
    return base_settings.with_(
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_starttls=False,
        smtp_timeout_seconds=5.0,
        public_base_url=PORTAL,
        notice_poll_seconds=0.1,
        notice_retry_seconds=0.2,
        notice_retry_max_seconds=1.0,
        notice_max_attempts=4,
    )


def _body(message: object) -> str:
    from email.message import EmailMessage

    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _notices(inbox: Inbox) -> list[EmailMessage]:
    """The notice emails received (people invited get an invitation email of their own)."""
    with inbox.lock:
        return [
            m for m in inbox.messages if not str(m["Subject"]).endswith("invites you to Deal OS")
        ]


def _figure(body: str, label: str) -> str:
    """The value on the line ``label:`` of the letter's table of figures."""
    found = re.search(rf"^  {re.escape(label)}: +(.+?)\r?$", body, re.MULTILINE)
    assert found is not None, body
    return found.group(1)


async def test_issuing_a_call_emails_each_lp_its_own_share_once(
    org: Org, inbox: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    fund = await fund_with_lps(org, THREE)
    call = await fund.call("600000.00")
    issue = await fund.issue(call)

    messages = await inbox.arrived(3)
    assert sorted(str(m["To"]) for m in messages) == sorted(fund.emails.values())
    for name, address in fund.emails.items():
        [message] = inbox.to(address)
        body = _body(message)
        assert message["Subject"] == "Capital call notice from Harbor Fund 1"
        assert f"Dear {name}," in body
        assert _figure(body, "Your share of this call") == SHARES[name]
        assert _figure(body, "Due date") == "31 March 2026"
        assert _figure(body, "Call date") == "1 March 2026"
        assert f"\n{PORTAL}/portal\n" in body.replace("\r\n", "\n")
        for detail in BANK.values():
            assert detail not in body
        for other, share in SHARES.items():
            if other != name:
                assert other not in body
                assert share not in body
        assert message["Message-ID"].endswith("@dealos.invalid>")

    rows = await settled(org, call, 3)
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 1)] * 3
    resp = await deliveries(org, call_id=call)
    assert resp.status == 200, await resp.text()
    answer = await resp.json()
    assert sorted((d["lp_name"], d["status"]) for d in answer["deliveries"]) == sorted(
        (name, "sent") for name in THREE
    )
    document = openapi_document()
    documented = document["paths"]["/v1/notices/deliveries"]["get"]["responses"]["200"]
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    assert [e.message for e in validator.iter_errors(answer)] == []

    # The same push again is a duplicate: nothing more is queued or sent.
    again = await org.push(issue)
    assert (await again.json())["results"][0]["status"] == "duplicate"
    await asyncio.sleep(0.8)
    assert len(inbox.messages) == 3
    assert len(outbox_rows(org, call)) == 3

    logged = capsys.readouterr().err
    assert '"event": "notice.sent"' in logged
    for name, address in fund.emails.items():
        assert address not in logged
        assert name not in logged
        assert SHARES[name] not in logged
        assert SHARES[name][1:].replace(",", "") not in logged


async def test_a_refused_issue_queues_nothing(org: Org, inbox: Inbox) -> None:
    fund = await fund_with_lps(org, {"Pension Fund of Harbor County": "1000000.00"})
    analyst = await org.member("gp_analyst")
    call = await fund.call("100000.00")
    # An analyst may draft but not issue: refused, nothing queued.
    [refused] = await org.push_ok(
        org.op("capital_call.issue", {}, entity_id=call, by=analyst), by=analyst
    )
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "forbidden"
    assert outbox_rows(org, call) == []
    await fund.issue(call)
    await settled(org, call, 1)
    # Issuing it again is refused by the lifecycle: still the one email.
    [twice] = await org.push_ok(org.op("capital_call.issue", {}, entity_id=call))
    assert twice["status"] == "rejected"
    assert twice["error"]["code"] == "lifecycle_gate"
    await asyncio.sleep(0.5)
    assert len(outbox_rows(org, call)) == 1
    assert len(_notices(inbox)) == 1


async def test_recipients_are_contacts_and_portal_users_each_once(org: Org, inbox: Inbox) -> None:
    """Pension Fund's officer signs in to the portal with the contact's address in other
    capitals: one email. Lakeside's portal user has an address of her own: two. Northgate
    has no contact and no portal user: nobody to write to, shown as failed."""
    fund = await fund_with_lps(
        org, {"Pension Fund of Harbor County": "1000000.00", "Lakeside Family Office": "1000000.00"}
    )
    northgate = await org.submit_wire(
        "lp.create", {"name": "Northgate Endowment", "lp_type": "institution", "contacts": []}
    )
    await org.commit(fund.fund_id, northgate, "2000000.00")
    pension, lakeside = (
        fund.lps["Pension Fund of Harbor County"],
        fund.lps["Lakeside Family Office"],
    )
    officer_address = fund.emails["Pension Fund of Harbor County"].upper()
    officer = await org.submit_wire(
        "user.invite", {"email": officer_address, "display_name": "Officer", "roles": ["lp"]}
    )
    partner = await org.member("lp", enroll=False, name="partner")
    for user, lp in ((officer, pension), (partner.user_id, lakeside)):
        await org.submit_wire(
            "entitlement.grant", {"user_id": user, "scope_type": "lp", "scope_id": lp}
        )
    dist = await org.submit_wire(
        "distribution.create",
        {
            "fund_id": fund.fund_id,
            "amount": "400000.00",
            "currency": "USD",
            "basis": "commitment",
            "distribution_date": "2026-09-30",
            "source": "income",
        },
    )
    await org.submit_wire("distribution.issue", {}, entity_id=dist)

    rows = await settled(org, dist, 4)
    by_lp: dict[str, list[str]] = {}
    for r in rows:
        by_lp.setdefault(r["lp_id"], []).append(r["status"])
    assert sorted(by_lp[pension]) == ["sent"]
    assert sorted(by_lp[lakeside]) == ["sent", "sent"]
    assert by_lp[northgate] == ["failed"]
    [nobody] = [r for r in rows if r["lp_id"] == northgate]
    assert nobody["recipient"] == ""
    assert nobody["attempts"] == 0
    assert nobody["last_error"].startswith("nobody to send it to")
    await inbox.arrived(5)  # and the officer's and the partner's invitations
    notices = _notices(inbox)
    assert sorted(Counter(str(m["To"]) for m in notices).values()) == [1, 1, 1]
    assert partner.email in {str(m["To"]) for m in notices}
    [pension_mail] = [m for m in notices if str(m["To"]).lower() == officer_address.lower()]
    body = _body(pension_mail)
    assert pension_mail["Subject"] == "Distribution notice from Harbor Fund 1"
    assert _figure(body, "Your distribution") == "$100,000.00"
    assert _figure(body, "Distribution date") == "30 September 2026"

    answer = await (await deliveries(org, distribution_id=dist)).json()
    [shown] = [d for d in answer["deliveries"] if d["lp_name"] == "Northgate Endowment"]
    assert shown["recipient"] is None
    assert shown["status"] == "failed"


async def test_smtp_down_is_retried_with_backoff_then_sent_once(org: Org, inbox: Inbox) -> None:
    inbox.stop()
    fund = await fund_with_lps(org, {"Pension Fund of Harbor County": "1000000.00"})
    call = await fund.call("250000.00")
    await fund.issue(call)
    waits = []
    for attempts in (1, 2):
        for _ in range(100):
            [row] = outbox_rows(org, call)
            if row["attempts"] >= attempts and row["status"] == "queued":
                break
            await asyncio.sleep(0.05)
        assert row["status"] == "queued"
        assert row["attempts"] == attempts
        assert row["last_error"] == "the mail server refused the connection"
        waits.append(row["next_attempt_at"])
    assert waits[1] > waits[0]  # the second wait is longer: 0.2 s, then 0.4 s
    inbox.start()
    [row] = await settled(org, call, 1)
    assert row["status"] == "sent"
    assert row["last_error"] is None
    assert 3 <= row["attempts"] <= 4
    await asyncio.sleep(0.5)
    assert len(inbox.messages) == 1


async def test_a_451_is_retried_and_a_550_fails_with_the_reason_in_words(
    org: Org, inbox: Inbox
) -> None:
    fund = await fund_with_lps(
        org, {"Pension Fund of Harbor County": "1000000.00", "Lakeside Family Office": "1000000.00"}
    )
    lakeside = fund.emails["Lakeside Family Office"]
    inbox.behaviour.rcpt_replies[lakeside] = f"550 5.1.1 <{lakeside}>: mailbox unavailable"
    inbox.behaviour.data_replies = ["451 4.3.0 try again later", "451 4.3.0 try again later"]
    call = await fund.call("200000.00")
    await fund.issue(call)
    rows = {r["recipient"]: r for r in await settled(org, call, 2)}
    pension = rows[fund.emails["Pension Fund of Harbor County"]]
    assert (pension["status"], pension["attempts"]) == ("sent", 3)
    failed = rows[lakeside]
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["last_error"] == (
        "the mail server answered 550: 5.1.1 <[email]>: mailbox unavailable"
    )
    assert [str(m["To"]) for m in inbox.messages] == [fund.emails["Pension Fund of Harbor County"]]


async def test_a_mail_server_never_back_is_given_up_after_the_most_attempts(
    org: Org, inbox: Inbox
) -> None:
    inbox.stop()
    fund = await fund_with_lps(org, {"Pension Fund of Harbor County": "1000000.00"})
    call = await fund.call("250000.00")
    await fund.issue(call)
    [row] = await settled(org, call, 1, timeout=30)
    assert (row["status"], row["attempts"]) == ("failed", 4)
    assert row["last_error"] == (
        "given up after 4 attempts: the mail server refused the connection"
    )
    answer = await (await deliveries(org, call_id=call)).json()
    [shown] = answer["deliveries"]
    assert shown["last_error"] == row["last_error"]
    assert shown["sent_at"] is None


async def test_the_delivery_status_is_for_staff_only(org: Org, inbox: Inbox) -> None:
    fund = await fund_with_lps(org, {"Pension Fund of Harbor County": "1000000.00"})
    call = await fund.call("100000.00")
    await fund.issue(call)
    await settled(org, call, 1)
    analyst = await org.member("gp_analyst", enroll=False)
    auditor = await org.member("auditor", enroll=False)
    counsel = await org.member("counsel", enroll=False)
    investor = await org.member("lp", enroll=False)
    await org.submit_wire(
        "entitlement.grant",
        {
            "user_id": investor.user_id,
            "scope_type": "lp",
            "scope_id": fund.lps["Pension Fund of Harbor County"],
        },
    )
    for staff in (analyst, auditor):
        resp = await deliveries(org, staff, call_id=call)
        assert resp.status == 200, await resp.text()
        assert [d["status"] for d in (await resp.json())["deliveries"]] == ["sent"]
    for outsider in (counsel, investor):
        for query in ({"call_id": call}, {"call_id": new_id()}, {}):
            resp = await deliveries(org, outsider, **query)
            assert resp.status == 403, await resp.text()
            error = (await resp.json())["error"]
            assert error["code"] == "forbidden"
            assert error["message"] == (
                "how notices were emailed is shown to the organization's staff only"
            )
    resp = await deliveries(org, call_id=new_id())
    assert resp.status == 404
    assert (await resp.json())["error"]["message"] == (
        "no capital call with this id in your organization"
    )
    resp = await deliveries(org, call_id=call, distribution_id=new_id())
    assert resp.status == 422
    assert "not both" in (await resp.json())["error"]["message"]
    resp = await deliveries(org, call_id="not-an-id")
    assert resp.status == 422
    resp = await org.world.client.get("/v1/notices/deliveries")
    assert resp.status == 401
    every = await (await deliveries(org)).json()
    assert call in {d["notice_id"] for d in every["deliveries"]}
    assert json.dumps(every).count(call) >= 1
    assert "100000" not in json.dumps(every)  # amounts never travel in the status answer
