"""Four-eyes on money (DESIGN §4): above Harbor Point Fund I's threshold, a capital call or
distribution is issued only once a second GP — neither its drafter nor its issuer — has
approved it.

The fund: a pension committed $6,000,000.00. Alex (GP analyst) drafts; Maria (GP and
admin) and Sam (GP) are the two GPs; Ines is the administrator who sets the threshold.
The call is $600,000.00; the distribution $1,000.00.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fixtures_org import Actor, OrgBuilder

from core.errors import OpRejected

CALL = "600000.00"
DISTRIBUTION = "1000.00"


class Fund:
    def __init__(self, org: OrgBuilder) -> None:
        self.org = org
        self.alex = org.user("gp_analyst", name="Alex")
        self.sam = org.user("gp", name="Sam")
        self.ines = org.user("admin", name="Ines")
        self.maria = org.founder
        self.fund_id, _ = org.paid_in_fund("6000000.00")

    def threshold(self, amount: str | None, *, by: Actor | None = None) -> None:
        self.org.submit_wire(
            "fund.four_eyes.set",
            {"threshold": amount, "currency": "USD"},
            by=by or self.ines,
            entity_id=self.fund_id,
        )

    def draft(self, what: str, *, by: Actor | None = None) -> str:
        drafter = by or self.alex
        if what == "call":
            return self.org.call(self.fund_id, CALL, by=drafter)
        return self.org.distribution(self.fund_id, DISTRIBUTION, by=drafter)

    def approve(self, what: str, entity_id: str, by: Actor) -> None:
        kind = "capital_call.approve" if what == "call" else "distribution.approve"
        self.org.submit_wire(kind, {"note": "checked the notices"}, by=by, entity_id=entity_id)

    def issue(self, entity_id: str, by: Actor) -> None:
        self.org.issue(entity_id, by=by)

    def status(self, what: str, entity_id: str) -> Any:
        if what == "call":
            return self.org.row("capital_calls", call_id=entity_id)["status"]
        return self.org.row("distributions", distribution_id=entity_id)["status"]


@pytest.fixture
def fund(org: OrgBuilder) -> Fund:
    return Fund(org)


WHAT = ["call", "distribution"]


@pytest.mark.parametrize("what", WHAT)
@pytest.mark.parametrize(
    ("threshold", "alone"),
    [
        (None, True),  # no control
        ("600000.00", True),  # at the threshold is not above it
        ("1000000.00", True),
        ("999.99", False),
        ("0.00", False),  # every issue needs a second GP
    ],
)
def test_a_gp_issues_alone_only_at_or_below_the_threshold(
    fund: Fund, what: str, threshold: str | None, alone: bool
) -> None:
    amount = CALL if what == "call" else DISTRIBUTION
    above = threshold is not None and Decimal(amount) > Decimal(threshold)
    assert alone is not above
    fund.threshold(threshold)
    entity_id = fund.draft(what)
    if alone:
        fund.issue(entity_id, by=fund.maria)
        assert fund.status(what, entity_id) == "issued"
        return
    with pytest.raises(OpRejected) as refused:
        fund.issue(entity_id, by=fund.maria)
    assert refused.value.code == "lifecycle_gate"
    assert "four-eyes threshold" in refused.value.message
    assert "a second GP must approve it" in refused.value.message
    assert fund.status(what, entity_id) == "draft"
    fund.approve(what, entity_id, by=fund.sam)
    fund.issue(entity_id, by=fund.maria)
    assert fund.status(what, entity_id) == "issued"


@pytest.mark.parametrize("what", WHAT)
@pytest.mark.parametrize(
    ("approver", "code"),
    [
        ("alex", "forbidden"),  # an analyst may draft, never approve
        ("ines", "forbidden"),  # the administrator sets the control, is not a GP
        ("maria_drafted", "invariant_violation"),  # the drafter cannot approve her own
    ],
)
def test_who_may_not_approve(fund: Fund, what: str, approver: str, code: str) -> None:
    fund.threshold("0.00")
    drafter = fund.maria if approver == "maria_drafted" else fund.alex
    entity_id = fund.draft(what, by=drafter)
    by = {"alex": fund.alex, "ines": fund.ines, "maria_drafted": fund.maria}[approver]
    kind = "capital_call.approve" if what == "call" else "distribution.approve"
    refusal = fund.org.refused(kind, {}, by=by, entity_id=entity_id)
    assert refusal.code == code


@pytest.mark.parametrize("what", WHAT)
def test_the_approver_cannot_also_be_the_issuer(fund: Fund, what: str) -> None:
    fund.threshold("0.00")
    entity_id = fund.draft(what)
    fund.approve(what, entity_id, by=fund.sam)
    with pytest.raises(OpRejected) as refused:
        fund.issue(entity_id, by=fund.sam)
    assert "another GP must issue it" in refused.value.message
    fund.issue(entity_id, by=fund.maria)
    assert fund.status(what, entity_id) == "issued"


def test_an_approval_lapses_when_its_approver_is_no_longer_a_gp(fund: Fund) -> None:
    fund.threshold("0.00")
    call_id = fund.draft("call")
    fund.approve("call", call_id, by=fund.sam)
    fund.org.submit_wire("role.revoke", {"role": "gp"}, entity_id=fund.sam.user_id)
    with pytest.raises(OpRejected) as refused:
        fund.issue(call_id, by=fund.maria)
    assert "no longer holds the GP role" in refused.value.message


def test_approving_twice_or_after_issue_is_refused(fund: Fund) -> None:
    fund.threshold("0.00")
    call_id = fund.draft("call")
    fund.approve("call", call_id, by=fund.sam)
    assert fund.org.refused("capital_call.approve", {}, by=fund.maria, entity_id=call_id)
    fund.issue(call_id, by=fund.maria)
    refusal = fund.org.refused("capital_call.approve", {}, by=fund.sam, entity_id=call_id)
    assert refusal.code == "lifecycle_gate"


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"threshold": "100.001", "currency": "USD"}, "invalid_payload", "payload.threshold"),
        ({"threshold": "-1.00", "currency": "USD"}, "invalid_payload", "payload.threshold"),
        ({"threshold": "100.00", "currency": "EUR"}, "invariant_violation", "payload.currency"),
    ],
)
def test_a_bad_threshold_is_refused_naming_the_field(
    fund: Fund, payload: dict[str, Any], code: str, field: str
) -> None:
    refusal = fund.org.refused("fund.four_eyes.set", payload, by=fund.ines, entity_id=fund.fund_id)
    assert (refusal.code, refusal.field) == (code, field)


def test_only_an_administrator_sets_the_threshold(fund: Fund) -> None:
    for gp in (fund.sam, fund.alex):
        refusal = fund.org.refused(
            "fund.four_eyes.set",
            {"threshold": None, "currency": "USD"},
            by=gp,
            entity_id=fund.fund_id,
        )
        assert refusal.code == "forbidden"
    fund.threshold("5000.00")
    assert fund.org.row("funds", fund_id=fund.fund_id)["four_eyes_threshold"] == "5000.00"
    fund.threshold(None)
    assert fund.org.row("funds", fund_id=fund.fund_id)["four_eyes_threshold"] is None
