"""Situations in which one op of each kind is valid, but for who submits it.

Each builds on Harbor Point Capital what the op needs — the drafted call to issue, the IC
vote before approval, counsel's entitlement to the deal it signs off — and returns the op
(kind, entity id or None for a new one, payload) for ``actor`` to submit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fixtures_org import EUROPEAN_TERMS, Actor, OrgBuilder, document_payload

from core.domain.roles import EXTERNAL_ROLES, Role
from core.ids import new_id
from core.ops.signing import DeviceKey

__all__ = ["SITUATIONS", "Op"]

Op = tuple[str, str | None, dict[str, Any]]  # kind, entity id (None: a new one), payload


def _user_invite(org: OrgBuilder, actor: Actor) -> Op:
    return (
        "user.invite",
        None,
        {"email": "nina@harborpoint.example", "display_name": "Nina", "roles": ["gp_analyst"]},
    )


def _role_grant(org: OrgBuilder, actor: Actor) -> Op:
    return "role.grant", org.user("lender").user_id, {"role": "lp"}


def _role_revoke(org: OrgBuilder, actor: Actor) -> Op:
    return "role.revoke", org.user("lender", "lp").user_id, {"role": "lp"}


def _device_enroll(org: OrgBuilder, actor: Actor) -> Op:
    user = org.user("gp_analyst")
    key = DeviceKey.generate().public_key
    return "device.enroll", None, {"user_id": user.user_id, "public_key": key, "name": "tablet"}


def _device_revoke(org: OrgBuilder, actor: Actor) -> Op:
    return "device.revoke", org.user("gp_analyst").device_id, {"reason": "laptop stolen"}


def _entitlement_grant(org: OrgBuilder, actor: Actor) -> Op:
    lawyer = org.user("counsel")
    return (
        "entitlement.grant",
        None,
        {"user_id": lawyer.user_id, "scope_type": "deal", "scope_id": org.deal()},
    )


def _entitlement_revoke(org: OrgBuilder, actor: Actor) -> Op:
    lawyer = org.user("counsel")
    return "entitlement.revoke", org.entitle(lawyer, "deal", org.deal()), {"reason": "done"}


def _fund_create(org: OrgBuilder, actor: Actor) -> Op:
    return "fund.create", None, {"name": "Harbor Point Fund II", "currency": "USD"}


def _fund_update(org: OrgBuilder, actor: Actor) -> Op:
    instructions = {
        "bank_name": "First Harbor Bank",
        "account_name": "Harbor Point Fund I",
        "account_number": "00012345678",
        "swift": "FHBKUS33",
    }
    return "fund.update", org.fund(), {"payment_instructions": instructions}


def _fund_terms_set(org: OrgBuilder, actor: Actor) -> Op:
    terms = dict(EUROPEAN_TERMS)
    return "fund.terms.set", org.fund(), terms


def _fund_four_eyes_set(org: OrgBuilder, actor: Actor) -> Op:
    return "fund.four_eyes.set", org.fund(), {"threshold": "1000000.00", "currency": "USD"}


def _fund_close(org: OrgBuilder, actor: Actor) -> Op:
    return "fund.close", org.fund(), {"final_close_date": "2026-06-30"}


def _fund_nav_record(org: OrgBuilder, actor: Actor) -> Op:
    return (
        "fund.nav.record",
        org.fund(),
        {"valuation_id": new_id(), "as_of": "2026-09-30", "nav": "10500000.00", "currency": "USD"},
    )


def _deal_create(org: OrgBuilder, actor: Actor) -> Op:
    return "deal.create", None, {"name": "Riverside Apartments", "currency": "USD"}


def _shown(org: OrgBuilder, actor: Actor, deal_id: str) -> str:
    """The deal, entitled to counsel or a lender: only their role may stop them (a deal
    they may not see answers not_found, like a deal that does not exist)."""
    if Role(actor.roles[0]) in (Role.COUNSEL, Role.LENDER):
        org.entitle(actor, "deal", deal_id)
    return deal_id


def _deal_update(org: OrgBuilder, actor: Actor) -> Op:
    return "deal.update", _shown(org, actor, org.deal()), {"fields": {"city": {"value": "Austin"}}}


def _advance(org: OrgBuilder, actor: Actor) -> Op:
    return "deal.transition", _shown(org, actor, org.deal()), {"to": "screening"}


def _decide(org: OrgBuilder, actor: Actor) -> Op:
    deal_id = _shown(org, actor, org.deal_in("ic_review"))
    org.vote(deal_id, "approve")
    return "deal.transition", deal_id, {"to": "approved"}


def _document_add(org: OrgBuilder, actor: Actor) -> Op:
    return "document.add", None, document_payload(org.deal())


def _ic_vote(org: OrgBuilder, actor: Actor) -> Op:
    return (
        "approval.record",
        _shown(org, actor, org.deal_in("ic_review")),
        {"approval_id": new_id(), "approval_type": "ic_vote", "decision": "approve"},
    )


def _legal_signoff(org: OrgBuilder, actor: Actor) -> Op:
    deal_id = org.deal_in("approved")
    if Role(actor.roles[0]) in EXTERNAL_ROLES:
        org.entitle(actor, "deal", deal_id)
    return (
        "approval.record",
        deal_id,
        {"approval_id": new_id(), "approval_type": "legal_signoff", "decision": "approve"},
    )


def _lp_create(org: OrgBuilder, actor: Actor) -> Op:
    return "lp.create", None, {"name": "Texas Teachers", "lp_type": "institution"}


def _lp_update(org: OrgBuilder, actor: Actor) -> Op:
    return "lp.update", org.lp(), {"name": "Texas Teachers Retirement System"}


def _commitment_create(org: OrgBuilder, actor: Actor) -> Op:
    return (
        "commitment.create",
        None,
        {
            "fund_id": org.fund(),
            "lp_id": org.lp(),
            "amount": "5000000.00",
            "currency": "USD",
            "committed_on": "2026-01-15",
        },
    )


def _commitment_transfer(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, (holder,) = org.fund_with_lps("5000000.00")
    return (
        "commitment.transfer",
        None,
        {
            "fund_id": fund_id,
            "from_lp_id": holder,
            "to_lp_id": org.lp(),
            "amount": "1000000.00",
            "currency": "USD",
            "effective_date": "2026-04-01",
        },
    )


def _call_create(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.fund_with_lps("6000000.00", "4000000.00")
    return (
        "capital_call.create",
        None,
        {
            "fund_id": fund_id,
            "amount": "1000000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-03-31",
        },
    )


def _call_issue(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.fund_with_lps("6000000.00")
    return "capital_call.issue", org.call(fund_id, "600000.00"), {"note": "notices sent"}


def _call_approve(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.fund_with_lps("6000000.00")
    drafter = org.user("gp_analyst")  # the approver is a second person
    return "capital_call.approve", org.call(fund_id, "600000.00", by=drafter), {"note": "ok"}


def _call_payment(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, (lp_id,) = org.fund_with_lps("6000000.00")
    call_id = org.call(fund_id, "600000.00")
    org.issue(call_id)
    return (
        "capital_call.payment",
        call_id,
        {
            "payment_id": new_id(),
            "lp_id": lp_id,
            "amount": "600000.00",
            "currency": "USD",
            "paid_on": "2026-03-20",
        },
    )


def _distribution_create(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.paid_in_fund("6000000.00", "4000000.00")
    return (
        "distribution.create",
        None,
        {
            "fund_id": fund_id,
            "amount": "125000.00",
            "currency": "USD",
            "basis": "paid_in",
            "distribution_date": "2026-09-30",
            "source": "income",
        },
    )


def _distribution_approve(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.paid_in_fund("6000000.00")
    drafter = org.user("gp_analyst")
    return "distribution.approve", org.distribution(fund_id, "1000.00", by=drafter), {}


def _distribution_issue(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.paid_in_fund("6000000.00")
    return "distribution.issue", org.distribution(fund_id, "1000.00"), {}


def _call_revise(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.fund_with_lps("6000000.00", "4000000.00")
    return (
        "capital_call.revise",
        org.call(fund_id, "600000.00"),
        {
            "amount": "900000.00",
            "currency": "USD",
            "basis": "commitment",
            "call_date": "2026-03-01",
            "due_date": "2026-04-15",
        },
    )


def _call_delete(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.fund_with_lps("6000000.00")
    return "capital_call.delete", org.call(fund_id, "600000.00"), {"reason": "drafted twice"}


def _distribution_revise(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.paid_in_fund("6000000.00", "4000000.00")
    return (
        "distribution.revise",
        org.distribution(fund_id, "1000.00"),
        {
            "amount": "2500.00",
            "currency": "USD",
            "basis": "paid_in",
            "distribution_date": "2026-09-30",
            "source": "income",
        },
    )


def _distribution_delete(org: OrgBuilder, actor: Actor) -> Op:
    fund_id, _ = org.paid_in_fund("6000000.00")
    return "distribution.delete", org.distribution(fund_id, "1000.00"), {}


SITUATIONS: dict[str, Callable[[OrgBuilder, Actor], Op]] = {
    "user.invite": _user_invite,
    "role.grant": _role_grant,
    "role.revoke": _role_revoke,
    "device.enroll": _device_enroll,
    "device.revoke": _device_revoke,
    "entitlement.grant": _entitlement_grant,
    "entitlement.revoke": _entitlement_revoke,
    "fund.create": _fund_create,
    "fund.update": _fund_update,
    "fund.terms.set": _fund_terms_set,
    "fund.four_eyes.set": _fund_four_eyes_set,
    "fund.close": _fund_close,
    "fund.nav.record": _fund_nav_record,
    "deal.create": _deal_create,
    "deal.update": _deal_update,
    "deal.transition:advance": _advance,
    "deal.transition:decide": _decide,
    "document.add": _document_add,
    "approval.record:ic_vote": _ic_vote,
    "approval.record:legal_signoff": _legal_signoff,
    "lp.create": _lp_create,
    "lp.update": _lp_update,
    "commitment.create": _commitment_create,
    "commitment.transfer": _commitment_transfer,
    "capital_call.create": _call_create,
    "capital_call.approve": _call_approve,
    "capital_call.issue": _call_issue,
    "capital_call.payment": _call_payment,
    "capital_call.revise": _call_revise,
    "capital_call.delete": _call_delete,
    "distribution.create": _distribution_create,
    "distribution.approve": _distribution_approve,
    "distribution.issue": _distribution_issue,
    "distribution.revise": _distribution_revise,
    "distribution.delete": _distribution_delete,
}
