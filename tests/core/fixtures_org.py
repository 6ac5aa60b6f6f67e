"""Build a small fund manager's organization op by op, as the people who work in it.

Every op is a real signed envelope (Ed25519, PyNaCl) applied through the one apply path,
either over a :class:`MemoryProjection` (fast) or a real SQLite :class:`Workspace`.

    org = OrgBuilder.in_memory()
    analyst = org.user("gp_analyst")
    deal = org.deal(by=analyst)
    org.move(deal, "screening", "underwriting", by=analyst)
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sinks import MemorySink, WorkspaceSink

from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ids import new_id
from core.ops.envelope import Envelope, UnsignedOp, utc_now_rfc3339
from core.ops.kinds import KINDS
from core.ops.signing import DeviceKey
from core.store.projection import Row

__all__ = [
    "EUROPEAN_TERMS",
    "Actor",
    "MemorySink",
    "OrgBuilder",
    "WorkspaceSink",
    "document_payload",
]

AUTO: Any = object()  # base_version: null for a create, the entity's current version otherwise


@dataclass
class Actor:
    """A user of the organization working on one enrolled device."""

    user_id: str
    device_id: str
    key: DeviceKey
    roles: tuple[str, ...]
    seq: Iterator[int] = field(default_factory=lambda: itertools.count(1))


def genesis_payload(key: DeviceKey, currency: str) -> dict[str, Any]:
    return {
        "name": "Harbor Point Capital",
        "base_currency": currency,
        "founder": {"email": "maria@harborpoint.example", "display_name": "Maria Founder"},
        "device": {"public_key": key.public_key, "name": "Maria's laptop"},
    }


# Harbor Point Fund I's LPA: European, an 8 % compounded preferred return, a full GP
# catch-up and 80/20 carried interest — the terms most waterfall tests run under.
EUROPEAN_TERMS: dict[str, Any] = {
    "style": "european",
    "preferred_return": "0.08",
    "compounding": "compound",
    "carried_interest": "0.20",
    "catch_up": "1",
    "gp_name": "Harbor Point GP",
}


class OrgBuilder:
    """One organization, its founder (GP + admin) and helpers that read like a fund's day."""

    def __init__(
        self, sink: MemorySink | WorkspaceSink, org_id: str, founder: Actor, currency: str = "USD"
    ) -> None:
        self.sink = sink
        self.org_id = org_id
        self.founder = founder
        self.currency = currency
        self._names = itertools.count(1)
        self.accepted: list[Envelope] = []  # every envelope applied, in order

    # -- construction ------------------------------------------------------------------

    @classmethod
    def in_memory(cls, currency: str = "USD") -> OrgBuilder:
        org_id = new_id()
        founder = Actor(new_id(), new_id(), DeviceKey.generate(), ("gp", "admin"))
        org = cls(MemorySink(org_id), org_id, founder, currency)
        org.submit_wire("org.create", genesis_payload(founder.key, currency), entity_id=org_id)
        return org

    @classmethod
    def on_workspace(cls, ws: Workspace, currency: str = "USD") -> OrgBuilder:
        key = ws.keys.device_key(ws.device_id)
        founder = Actor(ws.user_id, ws.device_id, key, ("gp", "admin"), itertools.count(1_000_000))
        return cls(WorkspaceSink(ws), ws.org_id, founder, currency)

    # -- ops ---------------------------------------------------------------------------

    def envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        by: Actor | None = None,
        entity_id: str | None = None,
        base_version: Any = AUTO,
        org_id: str | None = None,
        issued_at: str | None = None,
    ) -> Envelope:
        actor = by or self.founder
        entity_id = entity_id or new_id()
        if base_version is AUTO:
            spec = KINDS[kind]
            create = spec.concurrency == "create"
            base_version = None if create else self.version(entity_id)
        op = UnsignedOp(
            op_id=new_id(),
            org_id=org_id or self.org_id,
            device_id=actor.device_id,
            device_seq=next(actor.seq),
            actor_id=actor.user_id,
            kind=kind,
            entity_id=entity_id,
            base_version=base_version,
            payload=payload,
            issued_at=issued_at or utc_now_rfc3339(),
        )
        return actor.key.sign(op)

    def submit_wire(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        by: Actor | None = None,
        entity_id: str | None = None,
        base_version: Any = AUTO,
        org_id: str | None = None,
        issued_at: str | None = None,
    ) -> str:
        """Sign and apply one op; returns its entity id. Raises ``OpRejected``."""
        envelope = self.envelope(
            kind,
            payload,
            by=by,
            entity_id=entity_id,
            base_version=base_version,
            org_id=org_id,
            issued_at=issued_at,
        )
        self.sink.apply(envelope)
        self.accepted.append(envelope)
        return envelope.entity_id

    def refused(self, kind: str, payload: dict[str, Any], **kw: Any) -> OpRejected:
        """Submit an op that must be refused; assert it changed nothing."""
        before = self.sink.state()
        with pytest.raises(OpRejected) as info:
            self.submit_wire(kind, payload, **kw)
        assert self.sink.state() == before, f"refused {kind} changed the store"
        return info.value

    def version(self, entity_id: str) -> int | None:
        row = self.sink.get("entities", {"entity_id": entity_id})
        return None if row is None else int(row["version"])

    def row(self, table: str, **key: Any) -> Row | None:
        return self.sink.get(table, key)

    def rows(self, table: str, **where: Any) -> list[Row]:
        return self.sink.rows(table, where)

    # -- people ------------------------------------------------------------------------

    def user(self, *roles: str, name: str | None = None) -> Actor:
        """Invite a user holding ``roles`` and enroll a device for them (as the admin)."""
        name = name or f"user{next(self._names)}"
        user_id = self.submit_wire(
            "user.invite",
            {
                "email": f"{name}@harborpoint.example",
                "display_name": name.title(),
                "roles": list(roles),
            },
        )
        key = DeviceKey.generate()
        device_id = self.submit_wire(
            "device.enroll",
            {
                "user_id": user_id,
                "public_key": key.public_key,
                "name": f"{name}'s laptop",
            },
        )
        return Actor(user_id, device_id, key, roles)

    def entitle(self, user: Actor, scope_type: str, scope_id: str) -> str:
        return self.submit_wire(
            "entitlement.grant",
            {
                "user_id": user.user_id,
                "scope_type": scope_type,
                "scope_id": scope_id,
            },
        )

    # -- funds, LPs, deals ---------------------------------------------------------------

    def fund(self, currency: str | None = None, *, by: Actor | None = None) -> str:
        return self.submit_wire(
            "fund.create",
            {
                "name": f"Harbor Point Fund {next(self._names)}",
                "currency": currency or self.currency,
                "vintage_year": 2026,
            },
            by=by,
        )

    def lp(
        self, name: str | None = None, *, by: Actor | None = None, entity_id: str | None = None
    ) -> str:
        return self.submit_wire(
            "lp.create",
            {
                "name": name or f"LP {next(self._names)}",
                "lp_type": "institution",
            },
            by=by,
            entity_id=entity_id,
        )

    def commit(
        self,
        fund_id: str,
        lp_id: str,
        amount: str,
        currency: str | None = None,
        committed_on: str = "2026-01-15",
    ) -> str:
        return self.submit_wire(
            "commitment.create",
            {
                "fund_id": fund_id,
                "lp_id": lp_id,
                "amount": amount,
                "currency": currency or self.currency,
                "committed_on": committed_on,
            },
        )

    def fund_with_lps(
        self, *amounts: str, currency: str | None = None, committed_on: str = "2026-01-15"
    ) -> tuple[str, list[str]]:
        """A fund and one LP per commitment amount, LP ids in the given order."""
        fund_id = self.fund(currency)
        lps = [self.lp() for _ in amounts]
        for lp_id, amount in zip(lps, amounts, strict=True):
            self.commit(fund_id, lp_id, amount, currency, committed_on)
        return fund_id, lps

    def deal(
        self, *, fund_id: str | None = None, by: Actor | None = None, currency: str | None = None
    ) -> str:
        payload: dict[str, Any] = {
            "name": f"Deal {next(self._names)}",
            "currency": currency or self.currency,
        }
        if fund_id is not None:
            payload["fund_id"] = fund_id
        return self.submit_wire("deal.create", payload, by=by)

    def move(
        self, deal_id: str, *stages: str, by: Actor | None = None, fund_id: str | None = None
    ) -> None:
        for stage in stages:
            payload: dict[str, Any] = {"to": stage}
            if fund_id is not None and stage == "closed":
                payload["fund_id"] = fund_id
            self.submit_wire("deal.transition", payload, by=by, entity_id=deal_id)

    def vote(
        self,
        deal_id: str,
        decision: str = "approve",
        *,
        kind: str = "ic_vote",
        by: Actor | None = None,
    ) -> str:
        approval_id = new_id()
        self.submit_wire(
            "approval.record",
            {
                "approval_id": approval_id,
                "approval_type": kind,
                "decision": decision,
            },
            by=by,
            entity_id=deal_id,
        )
        return approval_id

    def counsel(self, deal_id: str) -> Actor:
        """Outside counsel entitled to ``deal_id``."""
        lawyer = self.user("counsel")
        self.entitle(lawyer, "deal", deal_id)
        return lawyer

    def deal_in(self, stage: str, *, fund_id: str | None = None) -> str:
        """A deal driven by the founder (and counsel where needed) up to ``stage``."""
        path = ["screening", "underwriting", "ic_review", "approved", "closing", "closed", "exited"]
        deal_id = self.deal()
        if stage == "dead":
            self.move(deal_id, "dead")
            return deal_id
        for step in path[: path.index(stage) + 1] if stage != "draft" else []:
            if step == "approved":
                self.vote(deal_id)
            if step == "closed":
                self.vote(deal_id, kind="legal_signoff", by=self.counsel(deal_id))
                self.move(deal_id, step, fund_id=fund_id or self.fund())
                continue
            self.move(deal_id, step)
        return deal_id

    # -- money ---------------------------------------------------------------------------

    def call(
        self,
        fund_id: str,
        amount: str,
        *,
        basis: str = "commitment",
        by: Actor | None = None,
        **extra: Any,
    ) -> str:
        return self.submit_wire(
            "capital_call.create",
            {
                "fund_id": fund_id,
                "amount": amount,
                "currency": extra.pop("currency", None) or self.currency,
                "basis": basis,
                "call_date": "2026-03-01",
                "due_date": "2026-03-31",
                "split_rule": "as_of_date",
                **extra,
            },
            by=by,
        )

    def issue(self, entity_id: str, *, by: Actor | None = None) -> None:
        kind = (
            "capital_call.issue"
            if self.row("capital_calls", call_id=entity_id)
            else ("distribution.issue")
        )
        self.submit_wire(kind, {"note": "issued"}, by=by, entity_id=entity_id)

    def pay(
        self,
        call_id: str,
        lp_id: str,
        amount: str,
        *,
        by: Actor | None = None,
        paid_on: str = "2026-03-20",
    ) -> str:
        payment_id = new_id()
        self.submit_wire(
            "capital_call.payment",
            {
                "payment_id": payment_id,
                "lp_id": lp_id,
                "amount": amount,
                "currency": self.currency,
                "paid_on": paid_on,
            },
            by=by,
            entity_id=call_id,
        )
        return payment_id

    def distribution(
        self,
        fund_id: str,
        amount: str,
        *,
        basis: str = "paid_in",
        by: Actor | None = None,
        **extra: Any,
    ) -> str:
        return self.submit_wire(
            "distribution.create",
            {
                "fund_id": fund_id,
                "amount": amount,
                "currency": self.currency,
                "basis": basis,
                "distribution_date": "2026-09-30",
                "source": "income",
                "split_rule": "as_of_date",
                **extra,
            },
            by=by,
        )

    def paid_in_fund(self, *amounts: str) -> tuple[str, list[str]]:
        """A fund whose LPs have each paid in a tenth of their commitment."""
        fund_id, lps = self.fund_with_lps(*amounts)
        total = sum(int(a.split(".")[0]) for a in amounts)
        call_id = self.call(fund_id, f"{total // 10}.00")
        self.issue(call_id)
        for lp_id in lps:
            owed = self.row("call_allocations", call_id=call_id, lp_id=lp_id)
            assert owed is not None
            self.pay(call_id, lp_id, owed["amount"])
        return fund_id, lps


def document_payload(deal_id: str) -> dict[str, Any]:
    return {
        "deal_id": deal_id,
        "filename": "offering-memorandum.pdf",
        "title": "OM",
        "media_type": "application/pdf",
        "size_bytes": 482_113,
        "sha256": hashlib.sha256(b"OM").hexdigest(),
    }
