"""Typed commands on a real workspace: the class names the kind, Money and dates become
the wire's strings, every kind declares the areas it changes, and a dry run goes through
the same reducers and leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest
from sqlalchemy import Connection, func, select

from core.commands.workspace import OpResult, Workspace
from core.errors import OpRejected
from core.money import Money
from core.ops.changes import Area, OpChanges
from core.ops.kinds import KINDS, spec_of
from core.ops.payloads.capital import CapitalCallCreatePayload, CapitalCallIssuePayload
from core.ops.payloads.deals import DealCreatePayload, FundCreatePayload
from core.ops.payloads.investors import CommitmentCreatePayload, LpCreatePayload
from core.store.local_schema import audit_log, op_log
from core.store.schema import call_allocations
from core.views.capital_view import preview_call


def _fund_with_two_lps(ws: Workspace) -> tuple[str, list[str]]:
    fund = ws.submit(FundCreatePayload(name="Cedar Ridge II", currency="USD")).entity_id
    lps = []
    for name, amount in (("Ash Pension", "1000000"), ("Birch Trust", "500000")):
        lp = ws.submit(LpCreatePayload(name=name, lp_type="institution")).entity_id
        ws.submit(
            CommitmentCreatePayload(
                fund_id=fund,
                lp_id=lp,
                amount=Money(Decimal(amount), "USD"),
                committed_on=dt.date(2024, 1, 10),
            )
        )
        lps.append(lp)
    return fund, lps


def _call(fund: str, amount: str, currency: str = "USD") -> CapitalCallCreatePayload:
    return CapitalCallCreatePayload(
        fund_id=fund,
        amount=Money(Decimal(amount), currency),
        basis="commitment",
        call_date=dt.date(2024, 2, 1),
        due_date=dt.date(2024, 2, 15),
        split_rule="as_of_date",
    )


def _counts(ws: Workspace) -> tuple[int, int]:
    with ws.store.transaction() as conn:
        ops = conn.execute(select(func.count()).select_from(op_log)).scalar_one()
        audit = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    return int(ops), int(audit)


def test_the_command_class_names_the_kind_for_every_kind() -> None:
    for kind, spec in KINDS.items():
        assert spec.areas, f"{kind} declares no area it changes"
        fields = spec.payload.model_fields
        assert spec.payload.__name__.endswith("Payload")
        assert spec_of(spec.payload.model_construct(**dict.fromkeys(fields))).kind == kind
    with pytest.raises(TypeError, match="not the payload of any op kind"):
        spec_of(KINDS["capital_call.create"].redacted.model_construct())  # type: ignore[union-attr]


def test_money_and_dates_become_the_wire_strings(workspace: Workspace) -> None:
    fund, _ = _fund_with_two_lps(workspace)
    call = _call(fund, "150000")
    assert (call.amount, call.currency, call.call_date) == ("150000.00", "USD", "2024-02-01")
    result = workspace.submit(call)
    assert (result.kind, result.version, result.areas) == (
        "capital_call.create",
        1,
        frozenset({Area.CALLS}),
    )
    with sqlite3.connect(workspace.store.path) as raw:
        (payload,) = raw.execute(
            "SELECT json_extract(envelope, '$.payload') FROM op_log WHERE op_id = ?",
            (result.op_id,),
        ).fetchone()
    assert '"amount":"150000.00"' in payload
    assert '"currency":"USD"' in payload


def test_amounts_in_two_currencies_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match=r"more than one currency \(EUR, USD\)"):
        CapitalCallCreatePayload(
            fund_id="0190c8a0-0000-7000-8000-000000000001",
            amount=Money(Decimal(5), "USD"),
            currency="EUR",
            basis="commitment",
            call_date=dt.date(2024, 2, 1),
            due_date=dt.date(2024, 2, 15),
        )


def test_a_change_must_name_its_entity(workspace: Workspace) -> None:
    with pytest.raises(ValueError, match=r"capital_call\.issue changes an existing entity"):
        workspace.submit(CapitalCallIssuePayload())


def test_a_dry_run_applies_the_reducers_and_leaves_nothing(workspace: Workspace) -> None:
    fund, lps = _fund_with_two_lps(workspace)
    digest, counts = workspace.digest(), _counts(workspace)

    def shares(conn: Connection, result: OpResult) -> dict[str, str]:
        rows = conn.execute(
            select(call_allocations.c.lp_id, call_allocations.c.amount).where(
                call_allocations.c.call_id == result.entity_id
            )
        )
        return {lp: amount for lp, amount in rows}

    trial = workspace.dry_run(_call(fund, "150000"), inspect=shares)
    assert trial.accepted
    assert trial.result is not None
    assert trial.seen == {lps[0]: "100000.00", lps[1]: "50000.00"}
    assert (workspace.digest(), _counts(workspace)) == (digest, counts)

    refused = workspace.dry_run(_call(fund, "1500000.01"))
    assert not refused.accepted
    assert refused.result is None
    assert isinstance(refused.refusal, OpRejected)
    assert "calls never exceed commitments" in refused.refusal.message
    assert (workspace.digest(), _counts(workspace)) == (digest, counts)
    # What the dry run said is what the op does.
    with pytest.raises(OpRejected, match="calls never exceed commitments"):
        workspace.submit(_call(fund, "1500000.01"))
    assert workspace.submit(_call(fund, "150000")).areas == trial.result.areas


def test_changes_say_which_areas_ops_touched(workspace: Workspace) -> None:
    deal = workspace.submit(DealCreatePayload(name="Mill Street", currency="USD"))
    fund = workspace.submit(FundCreatePayload(name="Cedar Ridge II", currency="USD"))
    changes = OpChanges.of([deal, fund], source="local")
    assert changes.touches(Area.DEALS)
    assert changes.touches(Area.CALLS, Area.FUNDS)
    assert not changes.touches(Area.CALLS, Area.DISTRIBUTIONS)
    assert changes.entity_ids == {deal.entity_id, fund.entity_id}
    assert OpChanges.all(source="sync").touches(Area.NAV)


def test_the_call_preview_is_the_reducers_own_split_and_refusal(workspace: Workspace) -> None:
    fund, lps = _fund_with_two_lps(workspace)
    on = dt.date(2024, 2, 1)
    preview = preview_call(
        workspace, fund_id=fund, amount="150000", basis="commitment", call_date=on
    )
    assert preview.problem is None
    shares = {line.lp_id: line.share for line in preview.lines}
    assert shares == {lps[0]: Decimal("100000.00"), lps[1]: Decimal("50000.00")}
    too_much = preview_call(
        workspace, fund_id=fund, amount="1500000.01", basis="commitment", call_date=on
    )
    with pytest.raises(OpRejected) as refused:
        workspace.submit(_call(fund, "1500000.01"))
    assert too_much.problem == refused.value.message
    assert too_much.lines == ()
