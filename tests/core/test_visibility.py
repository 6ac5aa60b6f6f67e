"""The read models and the redacted feed show an outside reader the same organization.

Harbor Point Capital runs Funds A, B and C. Four LPs are committed: the first to A, the
second to A and B, the third to B, the fourth to C. Six deals are on the pipeline — two in
Fund A, one each in Funds B and C, two in no fund yet — each with its offering memorandum,
Fund B keeps its LPA as an internal fund document, and Funds A and C each share a letter
with their LPs. Fund A has issued a capital call, which the
second LP has paid.

Outside counsel, a lender, an LP user and a user who is both an LP and counsel are each
granted deals, funds and LP positions drawn at random (a fixed seed per case; an LP user
gets deal and fund grants too, which open nothing to it). For each of them, what the views
list — the pipeline's deals, the funds, the investors, each deal's and each fund's
documents — is exactly what :func:`core.redaction.redact` lets through of the op log. Both read the
one definition in :mod:`core.visibility`; this test fails as soon as either strays from it.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass

import pytest
from fixtures_org import Actor, OrgBuilder, document_payload
from sqlalchemy import select

from core.commands.workspace import Workspace
from core.documents import list_documents
from core.domain.roles import Role
from core.errors import DealOSError
from core.redaction import redact
from core.store.local_schema import op_log
from core.store.sql_projection import SqlProjection
from core.views.deal_view import deal_detail
from core.views.investors_view import list_investors, lp_detail
from core.views.pipeline import DealFilter, DealSort, count_deals, deal_ids
from core.views.viewer import viewer_of, visible_funds
from core.visibility import Viewer, entitlements_of

ROLE_SETS = (("counsel",), ("lender",), ("lp",), ("lp", "counsel"))
Seen = dict[str, set[str]]


@dataclass(frozen=True)
class Harbor:
    funds: list[str]
    lps: list[str]
    deals: list[str]
    shared: dict[str, set[str]]  # each fund's documents shared with its LPs


def _add_document(org: OrgBuilder, payload: dict[str, object]) -> str:
    envelope = org.envelope("document.add", payload)
    org.sink.apply(envelope)
    org.accepted.append(envelope)
    return envelope.entity_id


def _harbor(org: OrgBuilder) -> Harbor:
    a, b, c = org.fund(), org.fund(), org.fund()
    lps = [org.lp() for _ in range(4)]
    for lp_id, funds in zip(lps, ((a,), (a, b), (b,), (c,)), strict=True):
        for fund_id in funds:
            org.commit(fund_id, lp_id, "1000000.00")
    deals = [org.deal(fund_id=f) for f in (a, a, b, c)] + [org.deal(), org.deal()]
    for deal_id in deals:
        _add_document(org, document_payload(deal_id))
    lpa = {**document_payload(deals[0]), "filename": "lpa.pdf", "fund_id": b}
    del lpa["deal_id"]
    _add_document(org, lpa)
    shared: dict[str, set[str]] = defaultdict(set)
    for fund_id in (a, c):  # a letter to each fund's LPs, shared with them
        letter = {**lpa, "filename": "letter.pdf", "fund_id": fund_id, "audience": "lps"}
        shared[fund_id].add(_add_document(org, letter))
    call = org.call(a, "300000.00")
    org.issue(call)
    owed = org.row("call_allocations", call_id=call, lp_id=lps[1])
    assert owed is not None
    org.pay(call, lps[1], owed["amount"])
    return Harbor([a, b, c], lps, deals, shared)


def _granted(org: OrgBuilder, harbor: Harbor, roles: tuple[str, ...], rng: random.Random) -> Actor:
    user = org.user(*roles)
    for deal_id in rng.sample(harbor.deals, rng.randint(0, 2)):
        org.entitle(user, "deal", deal_id)
    for fund_id in rng.sample(harbor.funds, rng.randint(0, 2)):
        org.entitle(user, "fund", fund_id)
    if "lp" in roles:
        for lp_id in rng.sample(harbor.lps, rng.randint(1, 2)):
            org.entitle(user, "lp", lp_id)
    return user


def _redacted(ws: Workspace, user: Actor) -> Seen:
    """The deals, funds, LPs and deal documents whose ops the server would send ``user``."""
    created = {"deal.create": "deals", "fund.create": "funds", "lp.create": "lps"}
    seen: Seen = defaultdict(set)
    with ws.store.transaction() as conn:
        store = SqlProjection(conn, ws.org_id)
        viewer = Viewer(user.user_id, frozenset(Role(r) for r in user.roles))
        ents = entitlements_of(store, user.user_id)
        logged = conn.execute(select(op_log.c.envelope).order_by(op_log.c.local_seq)).scalars()
        for raw in logged.all():
            op = redact(store, viewer, ents, json.loads(raw))
            if op is None:
                continue
            if op["kind"] in created:
                seen[created[op["kind"]]].add(op["entity_id"])
            if op["kind"] == "document.add":
                held = "documents" if op["payload"].get("deal_id") else "fund_documents"
                seen[held].add(op["entity_id"])
    return seen


def _listed(ws: Workspace, harbor: Harbor, user: Actor) -> Seen:
    """The same, as the views list them to ``user``; every hidden one is refused."""
    viewer = viewer_of(ws, user.user_id)
    deals = set(deal_ids(ws, viewer, DealFilter(), DealSort()))
    assert count_deals(ws, viewer, DealFilter()) == len(deals)
    funds = {f.fund_id for f in visible_funds(ws, viewer)}
    lps = {line.lp_id for line in list_investors(ws, viewer)}
    documents: set[str] = set()
    for deal_id in harbor.deals:
        if deal_id not in deals:
            with pytest.raises(DealOSError):
                deal_detail(ws, viewer, deal_id)
            continue
        detail = deal_detail(ws, viewer, deal_id)
        documents |= {d.document_id for d in detail.documents}
        assert (detail.fund_name is not None) == (detail.fund_id in funds)
    for lp_id in harbor.lps:
        if lp_id not in lps:
            with pytest.raises(DealOSError):
                lp_detail(ws, viewer, lp_id)
            continue
        assert {a.fund_id for a in lp_detail(ws, viewer, lp_id).accounts} <= funds
    fund_documents = {
        d.document_id
        for fund_id in funds
        for d in list_documents(ws, fund_id=fund_id, scope=viewer.scope)
    }
    deal_documents = {
        d.document_id
        for deal_id in deals
        for d in list_documents(ws, deal_id=deal_id, scope=viewer.scope)
    }
    assert deal_documents == documents
    return {
        "deals": deals,
        "funds": funds,
        "lps": lps,
        "documents": documents,
        "fund_documents": fund_documents,
    }


@pytest.mark.parametrize("seed", range(4))
def test_every_outside_reader_is_listed_exactly_what_its_feed_carries(
    ws_org: OrgBuilder, seed: int
) -> None:
    rng = random.Random(seed)
    harbor = _harbor(ws_org)
    readers = [_granted(ws_org, harbor, roles, rng) for roles in ROLE_SETS]
    ws = ws_org.sink.ws  # type: ignore[union-attr]
    for user in readers:
        listed, redacted = _listed(ws, harbor, user), _redacted(ws, user)
        for kind in ("deals", "funds", "lps", "documents", "fund_documents"):
            assert listed[kind] == redacted[kind], (user.roles, kind)
        if "lp" not in user.roles:
            assert listed["lps"] == set()
        if not {"counsel", "lender"} & set(user.roles):
            assert listed["deals"] == set()
            assert listed["documents"] == set()
            # An LP reads its funds' letters to their LPs, never Fund B's internal LPA.
            assert listed["fund_documents"] == {
                d for f in listed["funds"] for d in harbor.shared[f]
            }


def test_staff_are_listed_the_whole_organization(ws_org: OrgBuilder) -> None:
    harbor = _harbor(ws_org)
    auditor = ws_org.user("auditor")
    ws = ws_org.sink.ws  # type: ignore[union-attr]
    listed = _listed(ws, harbor, auditor)
    assert listed["deals"] == set(harbor.deals)
    assert listed["funds"] == set(harbor.funds)
    assert listed["lps"] == set(harbor.lps)
    assert listed == _redacted(ws, auditor)
