"""Drafts of calls and distributions can be revised and deleted until they are issued.

On a real workspace: a $150,000.00 draft call is revised to $300,000.00 — allocated again
without counting its own old allocation against the ceiling, with the second GP's approval
withdrawn — then deleted; an issued call is refused both, in words; a waterfall
distribution's draft is revised and its tiers and explanation follow.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.commands.workspace import Workspace
from core.errors import OpRejected
from core.ids import new_id
from core.money import Money
from core.ops.payloads.capital import (
    CapitalCallCreatePayload,
    CapitalCallDeletePayload,
    CapitalCallIssuePayload,
    CapitalCallPaymentPayload,
    CapitalCallRevisePayload,
    DistributionCreatePayload,
    DistributionDeletePayload,
    DistributionRevisePayload,
)
from core.ops.payloads.deals import FundCreatePayload
from core.ops.payloads.funds import FundTermsSetPayload
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from core.store.schema import (
    call_allocations,
    capital_calls,
    distribution_allocation_tiers,
    distribution_allocations,
    distributions,
)


def _fund(ws: Workspace) -> tuple[str, list[str]]:
    fund = ws.submit(FundCreatePayload(name="Cedar Ridge II", currency="USD")).entity_id
    lps = []
    for name, amount in (("Ash Pension", 1_000_000), ("Birch Trust", 500_000)):
        lp = ws.submit(LpCreatePayload(name=name, lp_type="institution")).entity_id
        ws.submit(
            CommitmentCreatePayload(
                fund_id=fund,
                lp_id=lp,
                amount=Money(Decimal(amount), "USD"),
                currency="USD",
                committed_on=dt.date(2024, 1, 10),
            )
        )
        lps.append(lp)
    return fund, lps


def _terms(amount: str) -> dict[str, object]:
    return {
        "amount": Money(Decimal(amount), "USD"),
        "currency": "USD",
        "basis": "commitment",
        "call_date": dt.date(2024, 2, 1),
        "due_date": dt.date(2024, 2, 15),
        "split_rule": "as_of_date",
    }


def _count(ws: Workspace, table: object, **where: str) -> int:
    with ws.store.transaction() as conn:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        for column, value in where.items():
            query = query.where(table.c[column] == value)  # type: ignore[attr-defined]
        return int(conn.execute(query).scalar_one())


def _shares(ws: Workspace, call_id: str) -> dict[str, str]:
    with ws.store.transaction() as conn:
        rows = conn.execute(
            select(call_allocations.c.lp_id, call_allocations.c.amount).where(
                call_allocations.c.call_id == call_id
            )
        )
        return {lp: amount for lp, amount in rows}


def test_a_draft_call_is_revised_then_deleted(workspace: Workspace) -> None:
    fund, (ash, birch) = _fund(workspace)
    call = workspace.submit(CapitalCallCreatePayload(fund_id=fund, **_terms("1200000")))
    # 1,200,000 of 1,500,000 committed is drafted; a new draft of 600,000 would exceed it,
    # but the same call revised to 1,500,000 does not count its own old allocation.
    revised = workspace.submit(
        CapitalCallRevisePayload(**_terms("1500000")),
        entity_id=call.entity_id,
        base_version=call.version,
    )
    assert (revised.kind, revised.version) == ("capital_call.revise", 2)
    assert _shares(workspace, call.entity_id) == {ash: "1000000.00", birch: "500000.00"}
    with pytest.raises(OpRejected, match="calls never exceed commitments"):
        workspace.submit(
            CapitalCallRevisePayload(**_terms("1500000.01")),
            entity_id=call.entity_id,
            base_version=revised.version,
        )
    assert _shares(workspace, call.entity_id) == {ash: "1000000.00", birch: "500000.00"}

    deleted = workspace.submit(
        CapitalCallDeletePayload(reason="wrong fund"),
        entity_id=call.entity_id,
        base_version=revised.version,
    )
    assert deleted.version == 3
    assert _count(workspace, capital_calls, call_id=call.entity_id) == 0
    assert _count(workspace, call_allocations, call_id=call.entity_id) == 0
    # The commitment is free again for a new call, and the log replays to the same state.
    workspace.submit(CapitalCallCreatePayload(fund_id=fund, **_terms("1500000")))
    assert workspace.rebuild() == workspace.digest()


def test_an_issued_call_cannot_be_revised_or_deleted(workspace: Workspace) -> None:
    fund, _ = _fund(workspace)
    call = workspace.submit(CapitalCallCreatePayload(fund_id=fund, **_terms("150000")))
    issued = workspace.submit(
        CapitalCallIssuePayload(), entity_id=call.entity_id, base_version=call.version
    )
    for command in (CapitalCallRevisePayload(**_terms("1000")), CapitalCallDeletePayload()):
        with pytest.raises(OpRejected) as refused:
            workspace.submit(command, entity_id=call.entity_id, base_version=issued.version)
        assert refused.value.message == (
            "the capital call is already issued; only a draft can be changed or deleted"
        )
    assert _count(workspace, call_allocations, call_id=call.entity_id) == 2


def test_a_waterfall_draft_is_revised_with_its_tiers_and_then_deleted(
    workspace: Workspace,
) -> None:
    fund, _ = _fund(workspace)
    workspace.submit(
        FundTermsSetPayload(
            style="european",
            preferred_return="0.08",
            compounding="simple",
            carried_interest="0.20",
            catch_up="1",
            gp_name="Cedar Ridge Partners",
        ),
        entity_id=fund,
        base_version=1,
    )
    call = workspace.submit(CapitalCallCreatePayload(fund_id=fund, **_terms("600000")))
    version = workspace.submit(
        CapitalCallIssuePayload(), entity_id=call.entity_id, base_version=1
    ).version
    for lp, owed in _shares(workspace, call.entity_id).items():
        version = workspace.submit(
            CapitalCallPaymentPayload(
                payment_id=new_id(),
                lp_id=lp,
                amount=owed,
                currency="USD",
                paid_on=dt.date(2024, 2, 10),
            ),
            entity_id=call.entity_id,
            base_version=version,
        ).version
    terms = {
        "currency": "USD",
        "basis": "waterfall",
        "distribution_date": dt.date(2025, 6, 30),
        "source": "exit",
        "split_rule": "as_of_date",
    }
    draft = workspace.submit(
        DistributionCreatePayload(fund_id=fund, amount=Money(Decimal(700_000), "USD"), **terms)
    )
    revised = workspace.submit(
        DistributionRevisePayload(amount=Money(Decimal(900_000), "USD"), **terms),
        entity_id=draft.entity_id,
        base_version=draft.version,
    )
    with workspace.store.transaction() as conn:
        total = sum(
            Decimal(a)
            for (a,) in conn.execute(
                select(distribution_allocations.c.amount).where(
                    distribution_allocations.c.distribution_id == draft.entity_id
                )
            )
        )
        gp_carry = conn.execute(
            select(distributions.c.carried_interest).where(
                distributions.c.distribution_id == draft.entity_id
            )
        ).scalar_one()
    assert total + Decimal(gp_carry or 0) == Decimal("900000.00")
    assert _count(workspace, distribution_allocation_tiers, distribution_id=draft.entity_id)
    workspace.submit(
        DistributionDeletePayload(),
        entity_id=draft.entity_id,
        base_version=revised.version,
    )
    assert _count(workspace, distributions, distribution_id=draft.entity_id) == 0
    assert _count(workspace, distribution_allocation_tiers, distribution_id=draft.entity_id) == 0
    assert workspace.rebuild() == workspace.digest()
