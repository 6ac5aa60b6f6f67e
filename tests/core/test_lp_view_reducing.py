"""An LP's replica reduces what it pulled, whenever it pulled it (core.reducers.lp_view).

Harbor Point's Fund with LP A (ours), B and C. The GP drafts a call, revises it, drafts a
second it deletes, issues the first, takes payments and issues a waterfall distribution.
A's officer pulls after every op — seeing each draft's creation while it is a draft — and
a second replica of A pulls once at the end. Both hold the issued call and distribution
with A's figures as the GP has them, nothing of the drafts, and the same digest.
"""

from __future__ import annotations

import datetime as dt

from fixtures_org import EUROPEAN_TERMS, OrgBuilder

from core.domain.roles import Role
from core.ops.envelope import Envelope, RedactedEnvelope
from core.ops.signing import DeviceKey
from core.positions import positions_as_of
from core.redaction import Viewer, entitlements_of, redact, sign_redacted
from core.reducers.lp_view import apply_redacted
from core.store.digest import digest_of
from core.store.memory import MemoryProjection
from core.store.schema import PROJECTION_TABLES

SERVER = DeviceKey.generate()


def _pull(org: OrgBuilder, viewer: Viewer, ops: list[Envelope], into: MemoryProjection) -> None:
    store = org.sink.store  # type: ignore[union-attr]
    ents = entitlements_of(store, viewer.user_id)
    for op in ops:
        shown = redact(store, viewer, ents, op.wire())
        if shown is not None:
            apply_redacted(into, RedactedEnvelope.model_validate(sign_redacted(shown, SERVER)))


def _digest(store: MemoryProjection) -> str:
    return digest_of((t.name, store.rows(t.name, {})) for t in PROJECTION_TABLES)


def test_drafts_never_reach_an_lps_replica_and_pull_timing_changes_nothing(
    org: OrgBuilder,
) -> None:
    fund, (a, b, c) = org.fund_with_lps("1000000.00", "3000000.00", "6000000.00")
    org.submit_wire("fund.terms.set", EUROPEAN_TERMS, entity_id=fund)
    officer = org.user("lp")
    org.entitle(officer, "lp", a)
    viewer = Viewer(officer.user_id, frozenset({Role.LP}))
    early = MemoryProjection(org.org_id)
    _pull(org, viewer, list(org.accepted), early)
    pulled = len(org.accepted)

    def step() -> None:
        nonlocal pulled
        _pull(org, viewer, org.accepted[pulled:], early)
        pulled = len(org.accepted)

    call = org.call(fund, "400000.00")
    step()
    assert early.rows("capital_calls", {}) == []  # a draft is the GP's
    revised = {
        "amount": "500000.00",
        "currency": "USD",
        "basis": "commitment",
        "call_date": "2026-03-01",
        "due_date": "2026-03-31",
        "split_rule": "as_of_date",
    }
    org.submit_wire("capital_call.revise", revised, entity_id=call)
    dropped = org.call(fund, "100000.00")
    step()
    org.submit_wire("capital_call.delete", {}, entity_id=dropped)
    org.issue(call)
    step()
    for lp in (a, b, c):
        owed = org.row("call_allocations", call_id=call, lp_id=lp)
        assert owed is not None
        org.pay(call, lp, owed["amount"])
        step()
    waterfall = org.distribution(fund, "800000.00", basis="waterfall", source="exit")
    step()
    assert early.rows("distributions", {}) == []
    org.issue(waterfall)
    step()

    late = MemoryProjection(org.org_id)
    _pull(org, viewer, list(org.accepted), late)
    assert _digest(early) == _digest(late)
    assert [r["call_id"] for r in early.rows("capital_calls", {})] == [call]
    assert early.get("capital_calls", {"call_id": call})["amount"] == "50000.00"  # type: ignore[index]
    assert early.get("entities", {"entity_id": dropped}) is None
    assert {r["lp_id"] for r in early.rows("call_allocations", {})} == {a}
    gp = org.sink.store  # type: ignore[union-attr]
    for day in (dt.date(2026, 3, 31), dt.date(2026, 12, 31)):
        assert positions_as_of(early, fund, day).of(a) == positions_as_of(gp, fund, day).of(a)
    tiers = early.rows("distribution_allocation_tiers", {"distribution_id": waterfall})
    assert tiers == gp.rows(
        "distribution_allocation_tiers", {"distribution_id": waterfall, "lp_id": a}
    )
    name = gp.get("lps", {"lp_id": a})["name"]
    lines = [r["text"] for r in early.rows("distribution_explanations", {})]
    assert lines
    assert all(f"LP {name}" in line for line in lines)  # only the lines about A


def test_each_side_of_a_transfer_sees_its_own_commitment_and_never_the_other_side(
    org: OrgBuilder,
) -> None:
    fund, (a, b) = org.fund_with_lps("6000000.00", "4000000.00")
    c = org.lp("Cedar Family Office")
    officers = {}
    for lp in (a, b, c):
        officer = org.user("lp")
        org.entitle(officer, "lp", lp)
        officers[lp] = Viewer(officer.user_id, frozenset({Role.LP}))
    org.submit_wire("fund.close", {"final_close_date": "2026-06-30"}, entity_id=fund)
    transfer = org.submit_wire(
        "commitment.transfer",
        {
            "fund_id": fund,
            "from_lp_id": a,
            "to_lp_id": c,
            "amount": "2000000.00",
            "currency": "USD",
            "effective_date": "2026-08-01",
        },
    )
    gp = org.sink.store  # type: ignore[union-attr]
    replicas = {}
    for lp, viewer in officers.items():
        replica = MemoryProjection(org.org_id)
        _pull(org, viewer, list(org.accepted), replica)
        replicas[lp] = replica
    for lp in (a, b, c):
        mine = sorted(replicas[lp].rows("commitments", {}), key=lambda r: r["commitment_id"])
        assert mine == sorted(
            gp.rows("commitments", {"lp_id": lp}), key=lambda r: r["commitment_id"]
        ), lp
        assert {r["lp_id"] for r in replicas[lp].rows("commitments", {})} == {lp}
        assert replicas[lp].get("funds", {"fund_id": fund})["final_close_date"] == "2026-06-30"  # type: ignore[index]
    # B is not a side: nothing of the transfer reaches it.
    assert replicas[b].get("entities", {"entity_id": transfer}) is None
    assert positions_as_of(replicas[c], fund, None, with_nav=False).of(c).commitment == 2000000
    assert positions_as_of(replicas[a], fund, None, with_nav=False).of(a).commitment == 4000000
