"""Two firms on one real server, with a person of every role, for the generated attack suites.

Harbor Point Capital (the attackers' side) runs Harbor Fund I: Pension Fund and Granite
Family Office each commit; Call No. 1 goes to both, Call No. 2 to Granite alone, a
distribution to both. Two deals: Open Door, which counsel and the lender are entitled to,
and Quiet Harbor, which they are not, each with a document whose bytes are on the server.
Harbor Point has a user of every role of DESIGN §4, each signed in on an enrolled device;
Pension Fund's officer is the LP user "lp", entitled to Pension Fund only, and Granite's
officer is another LP user.

Northwind Partners (the victim) runs the same kind of fund in another organization.

Everything travels as clients send it: HTTP over a socket to the server (running in a
thread, :mod:`live_server`), ops signed with real Ed25519 keys.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Any

import httpx
from live_server import LiveServer, create_org
from signed_member import Member

from core.ids import new_id
from core.ops.envelope import Envelope
from core.ops.kinds import KINDS
from core.ops.signing import device_proof
from sync_server.credentials import Passwords, set_password
from sync_server.database import owner_engine, set_org

__all__ = [
    "PASSWORD",
    "ROLES",
    "Firm",
    "Member",
    "Siege",
    "build_siege",
]

PASSWORD = "correct horse battery staple"
# DESIGN §4's roles, as the server names them.
ROLES = ("gp", "gp_analyst", "admin", "counsel", "lender", "lp", "auditor", "regulator")


class Firm:
    """One organization on the server, driven through its HTTP API."""

    def __init__(self, http: httpx.Client, server: LiveServer, name: str) -> None:
        self.http = http
        self.server = server
        self.name = name
        self.founder_email = f"maria+{new_id()[-12:]}@{name.split()[0].lower()}.example"
        self.org_id = create_org(
            server.settings, name=name, email=self.founder_email, password=PASSWORD
        )
        self.versions: dict[str, int] = {}
        self._names = itertools.count(1)
        self.founder = self.login(self.founder_email)
        self.enroll(self.founder)

    # -- people --------------------------------------------------------------------------

    def login(self, email: str) -> Member:
        resp = self.http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return Member(email, body["user_id"], body["session_token"], body["roles"])

    def fresh_session(self, member: Member) -> Member:
        """Another session for the same person and device (a route may end the first)."""
        again = self.login(member.email)
        return Member(member.email, member.user_id, again.token, member.roles,
                      member.device_id, member.key, member.seq)  # fmt: skip

    def enroll(self, member: Member) -> None:
        proof = device_proof(member.key, self.org_id, member.user_id)
        body = {"public_key": member.key.public_key, "name": "laptop", "proof": proof}
        resp = self.http.post("/v1/devices", json=body, headers=member.auth)
        assert resp.status_code == 201, resp.text
        member.device_id = resp.json()["device_id"]

    def member(self, *roles: str, name: str) -> Member:
        """A user with ``roles``, invited by the founder, with a password and a device."""
        email = f"{name}+{new_id()[-12:]}@{self.name.split()[0].lower()}.example"
        user_id = self.submit(
            "user.invite", {"email": email, "display_name": name.title(), "roles": list(roles)}
        )
        settings = self.server.settings
        engine = owner_engine(settings.database_url)
        try:
            with engine.begin() as conn:
                set_org(conn, self.org_id)
                set_password(
                    conn, self.org_id, user_id, Passwords(settings.password_cost).hash(PASSWORD)
                )
        finally:
            engine.dispose()
        member = self.login(email)
        self.enroll(member)
        return member

    # -- ops -----------------------------------------------------------------------------

    def op(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        by: Member | None = None,
        entity_id: str | None = None,
        base_version: Any = "auto",
        **overrides: Any,
    ) -> Envelope:
        actor = by or self.founder
        entity_id = entity_id or new_id()
        if base_version == "auto":
            create = KINDS[kind].concurrency == "create"
            base_version = None if create else self.versions.get(entity_id, 1)
        return actor.sign(self.org_id, kind, entity_id, base_version, payload, overrides)

    def push(self, ops: list[Any], *, by: Member | None = None) -> httpx.Response:
        actor = by or self.founder
        wire = [o.wire() if isinstance(o, Envelope) else o for o in ops]
        body = {"device_id": actor.device_id, "ops": wire}
        return self.http.post("/v1/sync/push", json=body, headers=actor.auth)

    def results(self, ops: list[Any], *, by: Member | None = None) -> list[dict[str, Any]]:
        resp = self.push(ops, by=by)
        assert resp.status_code == 200, resp.text
        results: list[dict[str, Any]] = resp.json()["results"]
        for op, result in zip(ops, results, strict=True):
            if result["status"] == "accepted":
                entity = op.entity_id if isinstance(op, Envelope) else op["entity_id"]
                self.versions[entity] = self.versions.get(entity, 0) + 1
        return results

    def submit(self, kind: str, payload: dict[str, Any], **kw: Any) -> str:
        """One op that must be accepted; its entity id."""
        envelope = self.op(kind, payload, **kw)
        [result] = self.results([envelope], by=kw.get("by"))
        assert result["status"] == "accepted", (kind, result)
        return envelope.entity_id

    def state(self, who: Member | None = None) -> dict[str, Any]:
        resp = self.http.get("/v1/sync/state", headers=(who or self.founder).auth)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def pull_all(self, who: Member | None = None) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        after = 0
        while True:
            resp = self.http.get(
                f"/v1/sync/pull?after={after}&limit=1000", headers=(who or self.founder).auth
            )
            assert resp.status_code == 200, resp.text
            page = resp.json()
            ops += page["ops"]
            after = page["next_after"]
            if not page["has_more"]:
                return ops

    # -- the fund's world --------------------------------------------------------------

    def lp(self, name: str) -> str:
        contact = {"contact_id": new_id(), "name": name, "email": f"{new_id()[-8:]}@lp.example"}
        return self.submit(
            "lp.create", {"name": name, "lp_type": "institution", "contacts": [contact]}
        )

    def commit(self, fund: str, lp: str, amount: str) -> str:
        return self.submit(
            "commitment.create",
            {"fund_id": fund, "lp_id": lp, "amount": amount, "currency": "USD",
             "committed_on": "2026-01-15"},
        )  # fmt: skip

    def call(self, fund: str, amount: str, **extra: Any) -> str:
        call = self.submit(
            "capital_call.create",
            {"fund_id": fund, "amount": amount, "currency": "USD", "basis": "commitment",
             "call_date": "2026-03-01", "due_date": "2026-03-31", **extra},
        )  # fmt: skip
        self.submit("capital_call.issue", {}, entity_id=call)
        return call

    def distribution(self, fund: str, amount: str) -> str:
        dist = self.submit(
            "distribution.create",
            {"fund_id": fund, "amount": amount, "currency": "USD", "basis": "commitment",
             "distribution_date": "2026-06-30", "source": "income"},
        )  # fmt: skip
        self.submit("distribution.issue", {}, entity_id=dist)
        return dist

    def document(self, text: str, *, deal: str | None = None, fund: str | None = None) -> Any:
        """A deal's document (internal), or a fund's shared with its LPs, with its bytes on
        the server; (document id, sha256)."""
        data = text.encode()
        sha = hashlib.sha256(data).hexdigest()
        resp = self.http.put(
            f"/v1/blobs/{sha}",
            content=data,
            headers={**self.founder.auth, "Content-Type": "application/pdf"},
        )
        assert resp.status_code in (200, 201), resp.text
        doc = self.submit(
            "document.add",
            {"deal_id": deal, "fund_id": fund, "filename": "memo.pdf",
             "media_type": "application/pdf", "size_bytes": len(data), "sha256": sha,
             "audience": "lps" if fund else "internal"},
        )  # fmt: skip
        return doc, sha


@dataclass
class Siege:
    """Harbor Point (``home``, every role in ``people``) and Northwind (``victim``), with the
    ids each attack aims at."""

    home: Firm
    victim: Firm
    people: dict[str, Member]  # role → the Harbor Point user holding it alone
    own: dict[str, str]  # what Pension Fund's officer may open: lp, fund, call, ...
    other_lp: dict[str, str]  # what only Granite may open: its lp id, the call it alone owes
    hidden: dict[str, str]  # the deal counsel and the lender are not entitled to, its document
    foreign: dict[str, str]  # Northwind's ids of each kind
    granite_officer: Member


def _northwind(victim: Firm) -> dict[str, str]:
    fund = victim.submit("fund.create", {"name": "Northwind Fund", "currency": "USD"})
    lp = victim.lp("Northwind Pension")
    commitment = victim.commit(fund, lp, "500000.00")
    call = victim.call(fund, "100000.00")
    dist = victim.distribution(fund, "20000.00")
    deal = victim.submit("deal.create", {"name": "Northwind Deal", "currency": "USD"})
    document, sha = victim.document("Northwind's annual letter", fund=fund)
    deal_document, deal_sha = victim.document("Northwind's offering memorandum", deal=deal)
    lp_user = victim.member("lp", name="northwind-officer")
    grant = victim.submit(
        "entitlement.grant", {"user_id": lp_user.user_id, "scope_type": "lp", "scope_id": lp}
    )
    return {
        "fund": fund, "lp": lp, "commitment": commitment, "call": call, "distribution": dist,
        "deal": deal, "document": document, "sha256": sha, "deal_document": deal_document,
        "deal_sha256": deal_sha, "device": victim.founder.device_id,
        "user": victim.founder.user_id, "entitlement": grant, "org": victim.org_id,
    }  # fmt: skip


def build_siege(http: httpx.Client, server: LiveServer) -> Siege:
    victim = Firm(http, server, "Northwind Partners")
    foreign = _northwind(victim)
    home = Firm(http, server, "Harbor Point Capital")
    people = {role: home.member(role, name=role.replace("_", "-")) for role in ROLES}
    fund = home.submit("fund.create", {"name": "Harbor Fund I", "currency": "USD"})
    pension, granite = home.lp("Pension Fund"), home.lp("Granite Family Office")
    home.commit(fund, pension, "1000000.00")
    granite_commitment = home.commit(fund, granite, "3000000.00")
    call = home.call(fund, "400000.00")
    granite_call = home.call(fund, "50000.00", excluded_lp_ids=[pension])
    dist = home.distribution(fund, "80000.00")
    seen = home.submit("deal.create", {"name": "Open Door", "currency": "USD"})
    quiet = home.submit("deal.create", {"name": "Quiet Harbor", "currency": "USD"})
    seen_doc, seen_sha = home.document("Open Door's term sheet", deal=seen)
    quiet_doc, quiet_sha = home.document("Quiet Harbor's rent roll", deal=quiet)
    lp_doc, lp_sha = home.document("Harbor Fund I's annual letter", fund=fund)
    for role in ("counsel", "lender"):
        home.submit(
            "entitlement.grant",
            {"user_id": people[role].user_id, "scope_type": "deal", "scope_id": seen},
        )
    pension_grant = home.submit(
        "entitlement.grant",
        {"user_id": people["lp"].user_id, "scope_type": "lp", "scope_id": pension},
    )
    officer = home.member("lp", name="granite-officer")
    home.submit(
        "entitlement.grant", {"user_id": officer.user_id, "scope_type": "lp", "scope_id": granite}
    )
    own = {
        "fund": fund, "lp": pension, "call": call, "distribution": dist, "deal": seen,
        "document": lp_doc, "sha256": lp_sha, "deal_document": seen_doc,
        "deal_sha256": seen_sha, "entitlement": pension_grant,
    }  # fmt: skip
    other_lp = {
        "lp": granite, "call": granite_call, "commitment": granite_commitment,
        "user": officer.user_id, "device": officer.device_id,
    }  # fmt: skip
    hidden = {"deal": quiet, "document": quiet_doc, "sha256": quiet_sha}
    return Siege(home, victim, people, own, other_lp, hidden, foreign, officer)
