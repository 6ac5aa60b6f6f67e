"""Overdue calls are flagged where a GP looks: the calls list and each LP's row, with the
figures of the positions read model. Cedar Ridge II called $150,000.00 due 2024-02-15;
Ash Pension paid its $100,000.00, Birch Trust $20,000.00 of its $50,000.00."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.commands.workspace import Workspace
from core.ids import new_id
from core.money import Money
from core.ops.payloads.capital import (
    CapitalCallCreatePayload,
    CapitalCallIssuePayload,
    CapitalCallPaymentPayload,
)
from core.ops.payloads.deals import FundCreatePayload
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from core.views.capital_view import list_calls
from core.views.investors_view import list_investors
from core.views.viewer import current_viewer


def _pay(ws: Workspace, call: str, version: int, lp: str, amount: int) -> int:
    return ws.submit(
        CapitalCallPaymentPayload(
            payment_id=new_id(),
            lp_id=lp,
            amount=Money(Decimal(amount), "USD"),
            currency="USD",
            paid_on=dt.date(2024, 2, 10),
        ),
        entity_id=call,
        base_version=version,
    ).version


def test_a_call_past_due_and_partly_unpaid_is_overdue_on_the_call_and_the_lp(
    workspace: Workspace,
) -> None:
    ws = workspace
    fund = ws.submit(FundCreatePayload(name="Cedar Ridge II", currency="USD")).entity_id
    lps = {}
    for name, amount in (("Ash Pension", 1_000_000), ("Birch Trust", 500_000)):
        lps[name] = ws.submit(LpCreatePayload(name=name, lp_type="institution")).entity_id
        ws.submit(
            CommitmentCreatePayload(
                fund_id=fund,
                lp_id=lps[name],
                amount=Money(Decimal(amount), "USD"),
                currency="USD",
                committed_on=dt.date(2024, 1, 10),
            )
        )
    call = ws.submit(
        CapitalCallCreatePayload(
            fund_id=fund,
            amount=Money(Decimal(150_000), "USD"),
            currency="USD",
            basis="commitment",
            call_date=dt.date(2024, 2, 1),
            due_date=dt.date(2024, 2, 15),
            split_rule="as_of_date",
        )
    ).entity_id
    version = ws.submit(CapitalCallIssuePayload(), entity_id=call, base_version=1).version
    version = _pay(ws, call, version, lps["Ash Pension"], 100_000)
    _pay(ws, call, version, lps["Birch Trust"], 20_000)

    [line] = list_calls(ws)
    assert (line.paid, line.overdue, line.state) == (
        Decimal("120000.00"),
        Decimal("30000.00"),
        "overdue",
    )
    rows = {r.name: r for r in list_investors(ws, current_viewer(ws))}
    assert rows["Ash Pension"].overdue == {}
    assert rows["Birch Trust"].overdue == {"USD": Decimal("30000.00")}
