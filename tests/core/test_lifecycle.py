"""The deal lifecycle: every pair of stages, who may take each step, and its gates.

Harbor Point's pipeline: Sam (GP analyst) screens and underwrites deals and takes them to
IC; Maria (GP) decides at IC, closes, exits and kills; outside counsel signs off before a
deal closes into Harbor Point Fund I.
"""

from __future__ import annotations

import itertools

import pytest
from fixtures_org import OrgBuilder

from core.domain.lifecycle import Stage, allowed_targets, transition_rule
from core.domain.roles import Action
from core.ids import new_id

STAGES = (
    "draft",
    "screening",
    "underwriting",
    "ic_review",
    "approved",
    "closing",
    "closed",
    "exited",
    "dead",
)
OPEN = ("draft", "screening", "underwriting", "ic_review", "approved", "closing")

# Written from DESIGN §2a/§4 and the lifecycle docstring: (from, to) -> who may do it.
ADVANCE, DECIDE = "gp_analyst", "gp"
ALLOWED = {
    ("draft", "screening"): ADVANCE,
    ("screening", "underwriting"): ADVANCE,
    ("underwriting", "ic_review"): ADVANCE,
    ("ic_review", "underwriting"): DECIDE,  # IC sends it back
    ("ic_review", "approved"): DECIDE,
    ("approved", "closing"): DECIDE,
    ("closing", "closed"): DECIDE,
    ("closed", "exited"): DECIDE,
    **{(stage, "dead"): DECIDE for stage in OPEN},
}


def _prepare(org: OrgBuilder, source: str, target: str) -> tuple[str, dict[str, str]]:
    """A deal in ``source`` with whatever ``target`` requires on record; the payload."""
    deal_id = org.deal_in(source)
    payload = {"to": target}
    if (source, target) == ("ic_review", "approved"):
        org.vote(deal_id, "approve")
    if (source, target) == ("closing", "closed"):
        org.vote(deal_id, "approve", kind="legal_signoff", by=org.counsel(deal_id))
        payload["fund_id"] = org.fund()
    return deal_id, payload


def test_the_state_machine_is_the_one_designed() -> None:
    for source, target in itertools.product(STAGES, STAGES):
        rule = transition_rule(Stage(source), Stage(target))
        if (source, target) not in ALLOWED:
            assert rule is None, (source, target)
            continue
        assert rule is not None
        expected = (
            Action.ADVANCE_TO_IC if ALLOWED[source, target] == ADVANCE else (Action.DECIDE_DEAL)
        )
        assert rule.action is expected, (source, target)
    assert allowed_targets(Stage.CLOSED) == (Stage.EXITED,)
    assert allowed_targets(Stage.EXITED) == allowed_targets(Stage.DEAD) == ()


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_each_allowed_step_is_accepted_for_its_role_and_forbidden_below_it(
    source: str, target: str
) -> None:
    org = OrgBuilder.in_memory()
    deal_id, payload = _prepare(org, source, target)
    if ALLOWED[source, target] == DECIDE:
        analyst = org.user("gp_analyst")
        refusal = org.refused("deal.transition", payload, by=analyst, entity_id=deal_id)
        assert (refusal.code, refusal.details["action"]) == ("forbidden", "decide_deal")
    mover = org.user(ALLOWED[source, target])
    version = org.version(deal_id)
    org.submit_wire("deal.transition", payload, by=mover, entity_id=deal_id)
    deal = org.row("deals", deal_id=deal_id)
    assert (deal["stage"], org.version(deal_id)) == (target, version + 1)
    assert deal["stage_version"] == version + 1


DISALLOWED = [p for p in itertools.product(STAGES, STAGES) if p not in ALLOWED]


def test_fourteen_moves_exist_and_the_other_67_of_81_pairs_do_not() -> None:
    assert (len(ALLOWED), len(DISALLOWED)) == (14, 67)


@pytest.mark.parametrize(("source", "target"), DISALLOWED)
def test_every_other_move_is_a_lifecycle_gate_even_for_a_gp(source: str, target: str) -> None:
    org = OrgBuilder.in_memory()
    deal_id = org.deal_in(source)
    refusal = org.refused("deal.transition", {"to": target}, entity_id=deal_id)
    assert (refusal.code, refusal.field) == ("lifecycle_gate", "payload.to")
    assert org.row("deals", deal_id=deal_id)["stage"] == source


def test_an_analyst_takes_a_deal_to_ic_but_cannot_approve_it(org: OrgBuilder) -> None:
    sam = org.user("gp_analyst", name="sam")
    deal_id = org.deal(by=sam)
    org.move(deal_id, "screening", "underwriting", "ic_review", by=sam)
    org.vote(deal_id, "approve")
    refusal = org.refused("deal.transition", {"to": "approved"}, by=sam, entity_id=deal_id)
    assert refusal.code == "forbidden"
    org.move(deal_id, "approved")
    assert org.row("deals", deal_id=deal_id)["stage"] == "approved"


@pytest.mark.parametrize(
    "votes",
    [(), ("reject",), ("abstain",), ("approve", "reject"), ("approve", "reject", "abstain")],
    ids=["no-vote", "rejected", "abstained", "approve-then-reject", "reject-last-counts"],
)
def test_approval_needs_an_approving_ic_vote_as_the_latest_word(
    org: OrgBuilder, votes: tuple[str, ...]
) -> None:
    deal_id = org.deal_in("ic_review")
    for decision in votes:
        org.vote(deal_id, decision)
    refusal = org.refused("deal.transition", {"to": "approved"}, entity_id=deal_id)
    assert (refusal.code, refusal.field) == ("lifecycle_gate", "payload.to")


def test_a_reject_then_approve_vote_approves(org: OrgBuilder) -> None:
    deal_id = org.deal_in("ic_review")
    org.vote(deal_id, "reject")
    org.vote(deal_id, "approve")
    org.vote(deal_id, "abstain")
    org.move(deal_id, "approved")
    assert org.row("deals", deal_id=deal_id)["stage"] == "approved"


def test_an_approve_vote_from_an_earlier_ic_round_does_not_count(org: OrgBuilder) -> None:
    deal_id = org.deal_in("ic_review")
    org.vote(deal_id, "approve")
    org.move(deal_id, "underwriting", "ic_review")  # sent back, re-underwritten, resubmitted
    refusal = org.refused("deal.transition", {"to": "approved"}, entity_id=deal_id)
    assert (refusal.code, refusal.field) == ("lifecycle_gate", "payload.to")
    org.vote(deal_id, "approve")
    org.move(deal_id, "approved")
    assert org.row("deals", deal_id=deal_id)["stage"] == "approved"


@pytest.mark.parametrize("stage", [s for s in STAGES if s != "ic_review"])
def test_ic_votes_are_cast_only_in_ic_review(org: OrgBuilder, stage: str) -> None:
    deal_id = org.deal_in(stage)
    refusal = org.refused(
        "approval.record",
        {
            "approval_id": new_id(),
            "approval_type": "ic_vote",
            "decision": "approve",
        },
        entity_id=deal_id,
    )
    assert (refusal.code, refusal.field) == ("lifecycle_gate", "payload.approval_type")


@pytest.mark.parametrize("stage", [s for s in STAGES if s not in ("approved", "closing")])
def test_legal_signoff_is_given_between_approval_and_closing(org: OrgBuilder, stage: str) -> None:
    deal_id = org.deal_in(stage)
    lawyer = org.counsel(deal_id)
    refusal = org.refused(
        "approval.record",
        {
            "approval_id": new_id(),
            "approval_type": "legal_signoff",
            "decision": "approve",
        },
        by=lawyer,
        entity_id=deal_id,
    )
    assert (refusal.code, refusal.field) == ("lifecycle_gate", "payload.approval_type")


def test_closing_needs_counsel_signoff_and_a_fund(org: OrgBuilder) -> None:
    fund_id = org.fund()
    deal_id = org.deal_in("closing")
    lawyer = org.counsel(deal_id)
    no_signoff = org.refused(
        "deal.transition", {"to": "closed", "fund_id": fund_id}, entity_id=deal_id
    )
    assert (no_signoff.code, no_signoff.field) == ("lifecycle_gate", "payload.to")
    org.vote(deal_id, "reject", kind="legal_signoff", by=lawyer)
    rejected = org.refused(
        "deal.transition", {"to": "closed", "fund_id": fund_id}, entity_id=deal_id
    )
    assert (rejected.code, rejected.field) == ("lifecycle_gate", "payload.to")
    org.vote(deal_id, "approve", kind="legal_signoff", by=lawyer)
    no_fund = org.refused("deal.transition", {"to": "closed"}, entity_id=deal_id)
    assert (no_fund.code, no_fund.field) == ("lifecycle_gate", "payload.fund_id")
    org.move(deal_id, "closed", fund_id=fund_id)
    deal = org.row("deals", deal_id=deal_id)
    assert (deal["stage"], deal["fund_id"]) == ("closed", fund_id)


def test_a_deal_created_in_a_fund_closes_into_it_without_naming_it(org: OrgBuilder) -> None:
    fund_id = org.fund()
    deal_id = org.deal(fund_id=fund_id)
    org.move(deal_id, "screening", "underwriting", "ic_review")
    org.vote(deal_id)
    org.move(deal_id, "approved", "closing")
    org.vote(deal_id, kind="legal_signoff", by=org.counsel(deal_id))
    org.move(deal_id, "closed")
    assert org.row("deals", deal_id=deal_id)["fund_id"] == fund_id


def test_a_fund_is_named_only_when_closing_and_in_the_deals_currency(org: OrgBuilder) -> None:
    deal_id = org.deal()
    early = org.refused(
        "deal.transition", {"to": "screening", "fund_id": org.fund()}, entity_id=deal_id
    )
    assert (early.code, early.field) == ("invalid_payload", "payload.fund_id")
    closing = org.deal_in("closing")
    org.vote(closing, kind="legal_signoff", by=org.counsel(closing))
    euro = org.refused(
        "deal.transition", {"to": "closed", "fund_id": org.fund("EUR")}, entity_id=closing
    )
    assert (euro.code, euro.field) == ("invariant_violation", "payload.fund_id")
    missing = org.refused(
        "deal.transition", {"to": "closed", "fund_id": new_id()}, entity_id=closing
    )
    assert (missing.code, missing.field) == ("not_found", "payload.fund_id")


@pytest.mark.parametrize("stage", OPEN)
def test_a_gp_kills_a_deal_from_every_open_stage(stage: str) -> None:
    org = OrgBuilder.in_memory()
    deal_id = org.deal_in(stage)
    analyst = org.user("gp_analyst")
    assert (
        org.refused("deal.transition", {"to": "dead"}, by=analyst, entity_id=deal_id).code
        == "forbidden"
    )
    org.move(deal_id, "dead")
    assert org.row("deals", deal_id=deal_id)["stage"] == "dead"


@pytest.mark.parametrize(
    ("source", "exits"), [("closed", {"exited"}), ("exited", set()), ("dead", set())]
)
def test_finished_deals_go_nowhere_but_closed_to_exited(
    org: OrgBuilder, source: str, exits: set[str]
) -> None:
    deal_id = org.deal_in(source)
    for target in STAGES:
        if target in exits:
            continue
        refusal = org.refused("deal.transition", {"to": target}, entity_id=deal_id)
        assert refusal.code == "lifecycle_gate", target
    for target in exits:
        org.move(deal_id, target)
        assert org.row("deals", deal_id=deal_id)["stage"] == target
