"""An op on a draft deleted before it is refused in words, never a crash.

Found by the seeded sync simulation (seed 7): Sam issued a draft call and recorded a
payment on it on his laptop while Jo, on his, deleted the draft. When Sam's laptop pushed,
the issue was refused as stale, but the payment named the version the issue would have
made, which the deletion had made too: it passed the version check and reached a reducer
that asserted the call's row was there. The server answered 500
instead of a refusal, and a replica replaying the same op would have failed its rebuild.
Every op on a deleted draft (issue, payment, approval, revision, deletion) is now refused
``not_found``, saying the draft was deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ids import new_id
from core.money import Money
from core.ops.payloads.base import Payload
from core.ops.payloads.capital import (
    CapitalCallApprovePayload,
    CapitalCallCreatePayload,
    CapitalCallDeletePayload,
    CapitalCallIssuePayload,
    CapitalCallPaymentPayload,
    CapitalCallRevisePayload,
    DistributionApprovePayload,
    DistributionCreatePayload,
    DistributionDeletePayload,
    DistributionIssuePayload,
)
from core.ops.payloads.deals import FundCreatePayload
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload

CALL = {
    "amount": Money(Decimal("100000"), "USD"),
    "currency": "USD",
    "basis": "commitment",
    "call_date": dt.date(2026, 3, 1),
    "due_date": dt.date(2026, 3, 31),
}


def _refused_as_deleted(ws: Workspace, entity: str, version: int, command: Payload) -> str:
    with pytest.raises(OpRejected) as refused:
        ws.submit(command, entity_id=entity, base_version=version)
    assert (refused.value.code, refused.value.field) == ("not_found", "entity_id")
    return refused.value.message


def test_every_op_on_a_deleted_draft_is_refused_in_words(workspace: Workspace) -> None:
    fund = workspace.submit(FundCreatePayload(name="Fund I", currency="USD")).entity_id
    lp = workspace.submit(LpCreatePayload(name="Acme", lp_type="institution")).entity_id
    workspace.submit(
        CommitmentCreatePayload(
            fund_id=fund,
            lp_id=lp,
            amount=Money(Decimal("1000000"), "USD"),
            currency="USD",
            committed_on=dt.date(2026, 1, 15),
        )
    )
    call = workspace.submit(CapitalCallCreatePayload(fund_id=fund, **CALL))
    gone = workspace.submit(
        CapitalCallDeletePayload(reason="drafted twice"),
        entity_id=call.entity_id,
        base_version=call.version,
    )
    payment = CapitalCallPaymentPayload(
        payment_id=new_id(),
        lp_id=lp,
        amount=Money(Decimal("100000"), "USD"),
        currency="USD",
        paid_on=dt.date(2026, 3, 20),
    )
    for command in (
        CapitalCallIssuePayload(),
        payment,
        CapitalCallApprovePayload(),
        CapitalCallRevisePayload(**CALL),
        CapitalCallDeletePayload(),
    ):
        said = _refused_as_deleted(workspace, call.entity_id, gone.version, command)
        assert said == (
            "the capital call was deleted as a draft; nothing more can be recorded against it"
        )
    dist = workspace.submit(
        DistributionCreatePayload(
            fund_id=fund,
            amount=Money(Decimal("5000"), "USD"),
            currency="USD",
            basis="commitment",
            distribution_date=dt.date(2026, 4, 1),
            source="income",
        )
    )
    gone = workspace.submit(
        DistributionDeletePayload(), entity_id=dist.entity_id, base_version=dist.version
    )
    for command in (DistributionIssuePayload(), DistributionApprovePayload()):
        said = _refused_as_deleted(workspace, dist.entity_id, gone.version, command)
        assert said.startswith("the distribution was deleted as a draft")
    assert workspace.rebuild() == workspace.digest()
