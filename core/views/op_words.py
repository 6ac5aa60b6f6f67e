"""Ops in the words a GP reads: what each kind is called, and one sentence per op naming
the records by their names — "Payment of USD 50,000.00 from Ash Pension on the capital call
of 2026-01-15 (Harbor Peak Fund I)" rather than a kind and an entity id.

Used by the audit log and by a deal's history. Names come from the projections through
:class:`RecordNames`, loaded once per page of lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import Connection, select

from core.domain.deal_fields import DEAL_FIELDS
from core.domain.lifecycle import STAGE_LABELS
from core.money import CURRENCY_EXPONENTS, money_text
from core.ops.kinds import spec_for
from core.store.schema import capital_calls, deals, distributions, funds, lps, users

__all__ = ["RecordNames", "describe", "event_label", "kind_label"]

_EVENTS: Final[dict[str, str]] = {
    "op.accepted": "Accepted",
    "op.refused": "Refused",
    "op.discarded": "Discarded",
    "conflict.opened": "Conflict",
    "conflict.reapplied": "Conflict re-applied",
    "conflict.discarded": "Conflict discarded",
    "snapshot.loaded": "Snapshot loaded",
    "history.verified": "History verified",
}


def event_label(event: str) -> str:
    """``op.refused`` → ``Refused``; an event without a word of its own reads plainly."""
    return _EVENTS.get(event, event.replace(".", " ").replace("_", " ").capitalize())


def kind_label(kind: str | None) -> str:
    """``capital_call.payment`` → ``Payment recorded``."""
    if kind is None:
        return ""
    spec = spec_for(kind)
    return spec.label if spec is not None and spec.label else kind


@dataclass(frozen=True)
class RecordNames:
    """The names a sentence needs: funds, LPs, deals, users, and the dates that name calls
    and distributions."""

    funds: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # name, currency
    lps: Mapping[str, str] = field(default_factory=dict)
    deals: Mapping[str, str] = field(default_factory=dict)
    users: Mapping[str, str] = field(default_factory=dict)
    calls: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # date, fund id
    distributions: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, org_id: str) -> RecordNames:
        def pairs(*columns: Any) -> Iterable[Any]:
            table = columns[0].table
            return conn.execute(select(*columns).where(table.c.org_id == org_id)).all()

        return cls(
            funds={f: (n, c) for f, n, c in pairs(funds.c.fund_id, funds.c.name, funds.c.currency)},
            lps=dict(pairs(lps.c.lp_id, lps.c.name)),
            deals=dict(pairs(deals.c.deal_id, deals.c.name)),
            users=dict(pairs(users.c.user_id, users.c.display_name)),
            calls={
                c: (d, f)
                for c, d, f in pairs(
                    capital_calls.c.call_id, capital_calls.c.call_date, capital_calls.c.fund_id
                )
            },
            distributions={
                d: (on, f)
                for d, on, f in pairs(
                    distributions.c.distribution_id,
                    distributions.c.distribution_date,
                    distributions.c.fund_id,
                )
            },
        )

    def fund(self, fund_id: str | None) -> str:
        found = self.funds.get(fund_id or "")
        return found[0] if found is not None else "a fund"

    def lp(self, lp_id: str | None) -> str:
        return self.lps.get(lp_id or "", "an investor")

    def call(self, call_id: str) -> str:
        if call_id not in self.calls:
            return "a capital call"
        on, fund_id = self.calls[call_id]
        return f"the capital call of {on} ({self.fund(fund_id)})"

    def distribution(self, distribution_id: str) -> str:
        if distribution_id not in self.distributions:
            return "a distribution"
        on, fund_id = self.distributions[distribution_id]
        return f"the distribution of {on} ({self.fund(fund_id)})"


def _money(raw: Any, currency: Any) -> str:
    if not isinstance(currency, str) or currency not in CURRENCY_EXPONENTS:
        return str(raw)
    try:
        return money_text(Decimal(str(raw)), currency, symbol=False)
    except (InvalidOperation, ValueError):
        return str(raw)


def _note(payload: Mapping[str, Any]) -> str:
    note = payload.get("note") or payload.get("reason")
    return f" — {note}" if note else ""


def describe(kind: str, entity_id: str, payload: Mapping[str, Any], names: RecordNames) -> str:
    """One sentence for one op, in the domain's words."""
    p, n = payload, names
    amount = _money(p.get("amount"), p.get("currency")) if "amount" in p else ""
    match kind:
        case "capital_call.create" | "capital_call.revise":
            verb = "drafted" if kind.endswith("create") else "changed to"
            due = f", due {p.get('due_date')}" if p.get("due_date") else ""
            fund = n.fund(p["fund_id"]) if "fund_id" in p else n.call(entity_id)
            return f"Capital call {verb} {amount} dated {p.get('call_date')}{due} — {fund}"
        case "capital_call.issue" | "capital_call.approve" | "capital_call.delete":
            verb = kind.rsplit(".", 1)[1]
            return f"{n.call(entity_id)[0].upper()}{n.call(entity_id)[1:]} {verb}d{_note(p)}"
        case "capital_call.payment":
            return f"Payment of {amount} from {n.lp(p.get('lp_id'))} on {n.call(entity_id)}"
        case "distribution.create" | "distribution.revise":
            verb = "drafted" if kind.endswith("create") else "changed to"
            source = str(p.get("source", "")).replace("_", " ")
            fund = n.fund(p["fund_id"]) if "fund_id" in p else n.distribution(entity_id)
            return f"Distribution {verb} {amount} ({source}) dated {p.get('distribution_date')}" + (
                f" — {fund}"
            )
        case "distribution.issue" | "distribution.approve" | "distribution.delete":
            verb = kind.rsplit(".", 1)[1]
            what = n.distribution(entity_id)
            return f"{what[0].upper()}{what[1:]} {verb}d{_note(p)}"
        case "commitment.create":
            return (
                f"{n.lp(p.get('lp_id'))} committed {amount} to {n.fund(p.get('fund_id'))} "
                f"on {p.get('committed_on')}"
            )
        case "fund.nav.record":
            nav = _money(p.get("nav"), p.get("currency"))
            return f"NAV of {n.fund(entity_id)}: {nav} as of {p.get('as_of')}"
        case "fund.create":
            return f"Fund {p.get('name')} ({p.get('currency')}) created"
        case "fund.terms.set":
            return f"LPA terms of {n.fund(entity_id)}: {p.get('style')} waterfall, " + (
                f"{_percent(p.get('preferred_return'))} preferred return, "
                f"{_percent(p.get('carried_interest'))} carried interest"
            )
        case "fund.four_eyes.set":
            limit = p.get("threshold")
            rule = (
                "no second approval"
                if limit is None
                else f"a second GP approves above {_money(limit, p.get('currency'))}"
            )
            return f"Four-eyes on {n.fund(entity_id)}: {rule}"
        case "fund.update":
            return f"{n.fund(entity_id)} changed: " + ", ".join(
                k.replace("_", " ") for k in sorted(p)
            )
        case "deal.transition":
            to = STAGE_LABELS.get(str(p.get("to")), str(p.get("to")))
            return f"{n.deals.get(entity_id, 'Deal')} moved to {to}{_note(p)}"
        case "deal.create" | "deal.update":
            fields = ", ".join(
                DEAL_FIELDS[f].label if f in DEAL_FIELDS else f.replace("_", " ")
                for f in sorted(p.get("fields", {}))
            )
            name = p.get("name") or n.deals.get(entity_id, "the deal")
            verb = "created" if kind == "deal.create" else "changed"
            return f"{name} {verb}" + (f": {fields}" if fields else "")
        case "document.add":
            return f"{p.get('filename')} added to {n.deals.get(p.get('deal_id') or '', 'a deal')}"
        case "approval.record":
            what = "IC vote" if p.get("approval_type") == "ic_vote" else "Legal sign-off"
            return f"{what} on {n.deals.get(entity_id, 'the deal')}: {p.get('decision')}" + (
                _note(p)
            )
        case "lp.create" | "lp.update":
            verb = "added" if kind == "lp.create" else "changed"
            return f"Investor {p.get('name') or n.lp(entity_id)} {verb}"
        case "user.invite":
            roles = ", ".join(str(r).replace("_", " ") for r in p.get("roles", []))
            return f"{p.get('display_name')} invited as {roles}"
        case "role.grant" | "role.revoke":
            role = str(p.get("role", "")).replace("_", " ")
            verb = "granted" if kind == "role.grant" else "revoked"
            return f"Role {role} {verb} for {n.users.get(entity_id, 'a user')}"
        case "entitlement.grant":
            scope = str(p.get("scope_type"))
            target = {"deal": n.deals, "lp": n.lps}.get(scope, {}).get(
                str(p.get("scope_id")), n.fund(str(p.get("scope_id")))
            )
            return f"{n.users.get(str(p.get('user_id')), 'A user')} may see {scope} {target}"
        case _:
            return kind_label(kind)


def _percent(raw: Any) -> str:
    try:
        return f"{(Decimal(str(raw)) * 100).normalize():f} %"
    except (InvalidOperation, ValueError):
        return str(raw)
