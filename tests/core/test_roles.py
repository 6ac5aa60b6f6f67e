"""Who may do what: every op kind against every role (DESIGN §4), deny by default.

At Harbor Point Capital each cell of the matrix is tried by a colleague holding exactly
one role, in a situation where nothing but their role could stop the op: the call to
issue is drafted, the deal to approve has its IC vote, the counsel signing off is
entitled to the deal. The expected tables below are copied from DESIGN.md by hand, not
computed from ``core.domain.roles``.
"""

from __future__ import annotations

import pytest
from fixtures_org import OrgBuilder
from situations import SITUATIONS

from core.commands.workspace import Workspace
from core.domain.roles import EXTERNAL_ROLES, PERMISSIONS, Action, Role
from core.errors import OpRejected
from core.ids import new_id
from core.ops.kinds import KINDS

ROLES = ("gp", "gp_analyst", "admin", "counsel", "lender", "lp", "auditor", "regulator")

# DESIGN §4, row by row ("own positions" for the LP counts as a tick).
#                                  gp  gpa adm cou len lp  aud reg
DESIGN_TABLE = """
edit_deal                          Y   Y   .   .   .   .   .   .
advance_to_ic                      Y   Y   .   .   .   .   .   .
decide_deal                        Y   .   .   .   .   .   .   .
legal_signoff                      .   .   .   Y   .   .   .   .
draft_financial                    Y   Y   .   .   .   .   .   .
issue_financial                    Y   .   .   .   .   .   .   .
administer                         .   .   Y   .   .   .   .   .
read_org                           Y   Y   Y   .   .   .   Y   Y
read_entitled                      .   .   .   Y   Y   Y   .   .
read_audit                         Y   .   Y   .   .   .   Y   Y
"""

# Every op kind (org.create aside) as the DESIGN rows read: fund setup and commitments bind
# LP money (issue authority); LP records are drafted with the calls.
#                                  gp  gpa adm cou len lp  aud reg
OP_MATRIX = """
user.invite                        .   .   Y   .   .   .   .   .
role.grant                         .   .   Y   .   .   .   .   .
role.revoke                        .   .   Y   .   .   .   .   .
device.enroll                      .   .   Y   .   .   .   .   .
device.revoke                      .   .   Y   .   .   .   .   .
entitlement.grant                  .   .   Y   .   .   .   .   .
entitlement.revoke                 .   .   Y   .   .   .   .   .
fund.create                        Y   .   .   .   .   .   .   .
fund.update                        Y   .   .   .   .   .   .   .
fund.terms.set                     Y   .   .   .   .   .   .   .
fund.nav.record                    Y   .   .   .   .   .   .   .
fund.close                         Y   .   .   .   .   .   .   .
fund.four_eyes.set                 .   .   Y   .   .   .   .   .
deal.create                        Y   Y   .   .   .   .   .   .
deal.update                        Y   Y   .   .   .   .   .   .
deal.transition:advance            Y   Y   .   .   .   .   .   .
deal.transition:decide             Y   .   .   .   .   .   .   .
document.add                       Y   Y   .   .   .   .   .   .
approval.record:ic_vote            Y   .   .   .   .   .   .   .
approval.record:legal_signoff      .   .   .   Y   .   .   .   .
lp.create                          Y   Y   .   .   .   .   .   .
lp.update                          Y   Y   .   .   .   .   .   .
commitment.create                  Y   .   .   .   .   .   .   .
commitment.transfer                Y   .   .   .   .   .   .   .
capital_call.create                Y   Y   .   .   .   .   .   .
capital_call.approve               Y   .   .   .   .   .   .   .
capital_call.issue                 Y   .   .   .   .   .   .   .
capital_call.payment               Y   .   .   .   .   .   .   .
capital_call.revise                Y   Y   .   .   .   .   .   .
capital_call.delete                Y   Y   .   .   .   .   .   .
distribution.create                Y   Y   .   .   .   .   .   .
distribution.approve               Y   .   .   .   .   .   .   .
distribution.issue                 Y   .   .   .   .   .   .   .
distribution.revise                Y   Y   .   .   .   .   .   .
distribution.delete                Y   Y   .   .   .   .   .   .
"""


# Refused, an external reader is told ``forbidden`` only about what it may see: the deals
# the situations entitle counsel and lenders to. Anything else it may not see answers
# ``not_found``, exactly like an id that does not exist (DESIGN §4, no existence oracle).
SHOWN_TO_EXTERNALS = {
    ("deal.update", "counsel"),
    ("deal.update", "lender"),
    ("deal.transition:advance", "counsel"),
    ("deal.transition:advance", "lender"),
    ("deal.transition:decide", "counsel"),
    ("deal.transition:decide", "lender"),
    ("approval.record:ic_vote", "counsel"),
    ("approval.record:ic_vote", "lender"),
    ("approval.record:legal_signoff", "counsel"),
    ("approval.record:legal_signoff", "lender"),
}


def _refusal(case: str, role: str) -> str:
    if Role(role) not in EXTERNAL_ROLES:
        return "forbidden"
    creates = KINDS[case.split(":")[0]].concurrency == "create"
    return "forbidden" if creates or (case, role) in SHOWN_TO_EXTERNALS else "not_found"


def _cells(table: str) -> list[tuple[str, str, bool]]:
    cells = []
    for line in table.strip().splitlines():
        name, *marks = line.split()
        assert len(marks) == len(ROLES), line
        cells += [(name, role, mark == "Y") for role, mark in zip(ROLES, marks, strict=True)]
    return cells


def _attempt(org: OrgBuilder, case: str, role: str) -> str:
    """``accepted`` or the refusal's code; a refusal must leave the store as it was."""
    actor = org.user(role)
    kind, entity_id, payload = SITUATIONS[case](org, actor)
    before = org.sink.state()
    try:
        org.submit_wire(kind, payload, by=actor, entity_id=entity_id)
    except OpRejected as exc:
        assert org.sink.state() == before
        return exc.code
    return "accepted"


def test_every_kind_but_genesis_has_a_situation_and_a_matrix_row() -> None:
    assert {case.split(":")[0] for case in SITUATIONS} == set(KINDS) - {"org.create"}
    assert {name for name, _, _ in _cells(OP_MATRIX)} == set(SITUATIONS)


@pytest.mark.parametrize(("case", "role", "allowed"), _cells(OP_MATRIX))
def test_role_matrix_over_the_memory_store(case: str, role: str, allowed: bool) -> None:
    org = OrgBuilder.in_memory()
    assert _attempt(org, case, role) == ("accepted" if allowed else _refusal(case, role))


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_over_sqlite_gives_the_same_answers(workspace: Workspace, role: str) -> None:
    org = OrgBuilder.on_workspace(workspace)
    expected = {case: allowed for case, r, allowed in _cells(OP_MATRIX) if r == role}
    sample = [
        "user.invite",
        "device.revoke",
        "entitlement.grant",
        "fund.create",
        "deal.update",
        "deal.transition:advance",
        "deal.transition:decide",
        "approval.record:ic_vote",
        "approval.record:legal_signoff",
        "commitment.create",
        "capital_call.create",
        "capital_call.issue",
        "capital_call.payment",
        "distribution.issue",
    ]
    outcomes = {case: _attempt(org, case, role) for case in sample}
    assert outcomes == {c: "accepted" if expected[c] else _refusal(c, role) for c in sample}


@pytest.mark.parametrize(("action", "role", "allowed"), _cells(DESIGN_TABLE))
def test_permissions_match_the_design_table_cell_by_cell(
    action: str, role: str, allowed: bool
) -> None:
    assert (Role(role) in PERMISSIONS[Action(action)]) is allowed


def test_the_design_table_names_every_action_and_role() -> None:
    assert {a for a, _, _ in _cells(DESIGN_TABLE)} == {a.value for a in Action}
    assert set(ROLES) == {r.value for r in Role}
    assert {r.value for r in EXTERNAL_ROLES} == {"counsel", "lender", "lp"}


def test_a_user_with_no_role_left_may_do_nothing(org: OrgBuilder) -> None:
    analyst = org.user("gp_analyst")
    org.submit_wire("role.revoke", {"role": "gp_analyst"}, entity_id=analyst.user_id)
    refusal = org.refused("deal.create", {"name": "Orphan", "currency": "USD"}, by=analyst)
    assert (refusal.code, refusal.details) == ("forbidden", {"action": "edit_deal"})


def test_counsel_without_an_entitlement_cannot_see_the_deal_to_sign_it(org: OrgBuilder) -> None:
    deal_id = org.deal_in("approved")
    lawyer = org.user("counsel")
    org.entitle(lawyer, "deal", org.deal())  # entitled to another deal only
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
    assert (refusal.code, refusal.field) == ("not_found", "entity_id")


def test_counsel_entitled_to_the_fund_may_sign_off_its_deals(org: OrgBuilder) -> None:
    fund_id = org.fund()
    deal_id = org.deal(fund_id=fund_id)
    org.move(deal_id, "screening", "underwriting", "ic_review")
    org.vote(deal_id)
    org.move(deal_id, "approved")
    lawyer = org.user("counsel")
    org.entitle(lawyer, "fund", fund_id)
    approval_id = org.vote(deal_id, kind="legal_signoff", by=lawyer)
    assert org.row("approvals", approval_id=approval_id)["decided_by"] == lawyer.user_id


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("deal.update", {"fields": {"city": {"value": "Austin"}}}),
        ("deal.transition", {"to": "closed"}),
        (
            "approval.record",
            {"approval_id": "", "approval_type": "legal_signoff", "decision": "approve"},
        ),
    ],
)
@pytest.mark.parametrize("base_version", ["current", "stale"])
def test_a_deal_counsel_may_not_see_answers_exactly_like_one_that_does_not_exist(
    org: OrgBuilder, kind: str, payload: dict[str, object], base_version: str
) -> None:
    """No existence oracle (DESIGN §4): on a deal it is not entitled to, counsel is told
    neither ``forbidden`` nor ``version_conflict`` (with the deal's version), only what a
    random id would get."""
    hidden = org.deal_in("approved")
    lawyer = org.user("counsel")
    org.entitle(lawyer, "deal", org.deal())  # entitled to another deal only
    current = int(org.row("entities", entity_id=hidden)["version"])
    version = current if base_version == "current" else current - 2

    def attempt(deal_id: str) -> tuple[str, str | None, str]:
        body = {**payload, "approval_id": new_id()} if "approval_id" in payload else payload
        refusal = org.refused(kind, body, by=lawyer, entity_id=deal_id, base_version=version)
        return refusal.code, refusal.field, refusal.message.replace(deal_id, "<id>")

    assert attempt(hidden) == attempt(new_id()) == ("not_found", "entity_id", "no deal <id>")
