"""A batch of typed commands on a real workspace (what a spreadsheet import submits): an
LP and its commitment go in together or not at all, and a dry run of the batch sees each
step on the state the steps before it left, then leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.commands.workspace import Step, Workspace
from core.errors import OpRejected
from core.ids import new_id
from core.money import Money
from core.ops.payloads.deals import FundCreatePayload
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from core.store.local_schema import audit_log, op_log, outbox
from core.store.schema import commitments, lps


def _counts(ws: Workspace) -> tuple[int, int, int, int, int]:
    with ws.store.transaction() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (op_log, outbox, audit_log, lps, commitments)
        )


def _batch(fund_id: str, amounts: list[str]) -> list[Step]:
    """One new LP per amount, each committing that amount to the fund."""
    steps = []
    for number, amount in enumerate(amounts, start=1):
        lp_id = new_id()
        steps.append(Step(LpCreatePayload(name=f"LP {number}", lp_type="institution"), lp_id))
        steps.append(
            Step(
                CommitmentCreatePayload(
                    fund_id=fund_id,
                    lp_id=lp_id,
                    amount=Money(Decimal(amount), "USD"),
                    currency="USD",
                    committed_on=dt.date(2026, 1, 15),
                )
            )
        )
    return steps


def test_a_batch_is_recorded_whole(workspace: Workspace) -> None:
    fund = workspace.submit(FundCreatePayload(name="Fund I", currency="USD")).entity_id
    before = _counts(workspace)
    trial = workspace.dry_run_all(_batch(fund, ["1000000.00", "500000.00"]))
    assert trial.accepted
    assert len(trial.results) == 4
    assert _counts(workspace) == before  # a dry run writes nothing, not even to the audit
    results = workspace.submit_all(_batch(fund, ["1000000.00", "500000.00"]))
    assert [r.kind for r in results] == ["lp.create", "commitment.create"] * 2
    ops, queued, audit, held_lps, held = _counts(workspace)
    assert (ops, queued, held_lps, held) == (before[0] + 4, before[1] + 4, 2, 2)
    assert audit == before[2] + 4
    assert workspace.verify_audit().ok
    assert workspace.rebuild() == workspace.digest()


def test_a_refused_step_leaves_nothing_of_the_batch(workspace: Workspace) -> None:
    fund = workspace.submit(FundCreatePayload(name="Fund I", currency="USD")).entity_id
    steps = _batch(fund, ["1000000.00", "0.00"])  # the second commitment is not positive
    trial = workspace.dry_run_all(steps)
    assert trial.refused_step == 3
    assert len(trial.results) == 3
    assert trial.refusal is not None
    assert trial.refusal.message == "a commitment is a positive amount"
    before = _counts(workspace)
    with pytest.raises(OpRejected) as refused:
        workspace.submit_all(steps)
    assert refused.value.details["step"] == 3
    assert refused.value.field == "payload.amount"
    ops, queued, audit, held_lps, held = _counts(workspace)
    # Nothing of the batch is kept; the refusal itself is audited (DESIGN §4).
    assert (ops, queued, held_lps, held) == (before[0], before[1], 0, 0)
    assert audit == before[2] + 1
    assert workspace.verify_audit().ok
