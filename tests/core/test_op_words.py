"""The audit log says what happened in words: which call, whose payment, how much — never a
kind, an entity id or a field path."""

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
from core.views.audit_view import AuditFilter, audit_page


def test_each_accepted_op_reads_as_a_sentence_naming_its_records(workspace: Workspace) -> None:
    ws = workspace
    fund = ws.submit(FundCreatePayload(name="Cedar Ridge II", currency="USD")).entity_id
    ash = ws.submit(LpCreatePayload(name="Ash Pension", lp_type="institution")).entity_id
    ws.submit(
        CommitmentCreatePayload(
            fund_id=fund,
            lp_id=ash,
            amount=Money(Decimal(1_000_000), "USD"),
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
        )
    ).entity_id
    ws.submit(CapitalCallIssuePayload(note="notices sent"), entity_id=call, base_version=1)
    ws.submit(
        CapitalCallPaymentPayload(
            payment_id=new_id(),
            lp_id=ash,
            amount=Money(Decimal("150000"), "USD"),
            currency="USD",
            paid_on=dt.date(2024, 2, 10),
        ),
        entity_id=call,
        base_version=2,
    )
    lines = audit_page(ws, AuditFilter(event="op.accepted"), offset=0, limit=6)
    assert [(line.event_words, line.kind_words, line.what) for line in lines] == [
        (
            "Accepted",
            "Payment recorded",
            "Payment of USD 150,000.00 from Ash Pension on the capital call of 2024-02-01 "
            "(Cedar Ridge II)",
        ),
        (
            "Accepted",
            "Capital call issued",
            "The capital call of 2024-02-01 (Cedar Ridge II) issued — notices sent",
        ),
        (
            "Accepted",
            "Capital call drafted",
            "Capital call drafted USD 150,000.00 dated 2024-02-01, due 2024-02-15 — Cedar Ridge II",
        ),
        (
            "Accepted",
            "Commitment recorded",
            "Ash Pension committed USD 1,000,000.00 to Cedar Ridge II on 2024-01-10",
        ),
        ("Accepted", "Investor added", "Investor Ash Pension added"),
        ("Accepted", "Fund created", "Fund Cedar Ridge II (USD) created"),
    ]
