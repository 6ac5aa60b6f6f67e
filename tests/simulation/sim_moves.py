"""The changes a person makes on a staff device, one op each, chosen by the seed from what
that device holds now: a deal made, renamed, given a field or a document, moved along its
stages and voted on at IC; an LP and its commitment made, renamed or transferred; a fund
renamed, marked to a NAV, given a four-eyes threshold or closed; a call or a distribution
drafted, revised, deleted, approved and issued; a payment against a call; a deal granted to
counsel. Each move returns the op (kind, entity, payload), or None when the device holds
nothing it applies to.

What is chosen is always read in the simulation's own order (the ids it made, in the order
it made them), never in the order of random ids, so a seed replays exactly.

Not simulated, and why: ``org.create``, ``device.enroll`` and ``user.invite`` happen at
set-up (the world is made through them); ``role.grant``/``role.revoke`` and
``device.revoke`` would end a device's session and so the device's part in the run (their
tests are in tests/sync_server); ``entitlement.revoke`` is covered by the server's redaction
tests; an LP's or counsel's replica signs nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.commands.workspace import Workspace
from core.domain.lifecycle import Stage, allowed_targets
from core.ids import new_id
from core.store.schema import metadata

__all__ = ["MOVES", "Ctx", "Made", "Proposal", "rows_of"]

START = dt.date(2026, 2, 2)


@dataclass
class Made:
    """What the simulation made in one organization, by kind of thing, in order."""

    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, what: str, entity: str) -> None:
        self.ids.setdefault(what, []).append(entity)

    def of(self, what: str) -> list[str]:
        return self.ids.get(what, [])


@dataclass(frozen=True)
class Proposal:
    kind: str
    entity_id: str
    payload: dict[str, Any]
    makes: str | None = None  # the kind of thing a create adds to Made


def rows_of(ws: Workspace, table: str, **where: Any) -> dict[str, dict[str, Any]]:
    """The device's rows of ``table`` matching ``where``, by their first key column."""
    t = metadata.tables[table]
    key = next(c for c in t.primary_key.columns if c.name != "org_id")
    stmt = select(t)
    for name, value in where.items():
        stmt = stmt.where(t.c[name] == value)
    with ws.store.engine.connect() as conn:
        return {str(r._mapping[key.name]): dict(r._mapping) for r in conn.execute(stmt)}


def _pick(
    rng: random.Random, made: list[str], held: dict[str, dict[str, Any]], ok: Callable[..., bool]
) -> str | None:
    fits = [i for i in made if i in held and ok(held[i])]
    return rng.choice(fits) if fits else None


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randrange(low, high, 1000)}.00"


def _day(step: int, later: int = 0) -> str:
    return (START + dt.timedelta(days=step + later)).isoformat()


@dataclass(frozen=True)
class Ctx:
    """What a move sees: the seed's generator, the device's workspace, what the
    simulation made in its organization, the step, and the organization's counsel."""

    rng: random.Random
    ws: Workspace
    made: Made
    step: int
    counsel: str | None = None  # counsel's user id

    def __iter__(self) -> Any:
        return iter((self.rng, self.ws, self.made, self.step))


def deal_create(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    funds = list(rows_of(ws, "funds"))
    payload: dict[str, Any] = {"name": f"Deal {step}-{rng.randrange(1000)}", "currency": "USD"}
    if funds and rng.random() < 0.5:
        payload["fund_id"] = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    return Proposal("deal.create", new_id(), payload, makes="deal")


def deal_update(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    deal = _pick(rng, made.of("deal"), rows_of(ws, "deals"), lambda r: True)
    if deal is None:
        return None
    if rng.random() < 0.5:
        return Proposal("deal.update", deal, {"name": f"Deal {step} renamed"})
    name = rng.choice(["sponsor", "city", "market", "notes", "units"])
    value = str(rng.randrange(10, 500)) if name == "units" else f"{name} {step}"
    return Proposal("deal.update", deal, {"fields": {name: {"value": value}}})


def deal_transition(c: Ctx) -> Proposal | None:
    rng, ws, made, _ = c
    deals = rows_of(ws, "deals")
    deal = _pick(rng, made.of("deal"), deals, lambda r: bool(allowed_targets(Stage(r["stage"]))))
    if deal is None:
        return None
    target = rng.choice(allowed_targets(Stage(deals[deal]["stage"])))
    payload: dict[str, Any] = {"to": target.value}
    if target is Stage.CLOSED and deals[deal]["fund_id"] is None:
        fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
        if fund is not None:
            payload["fund_id"] = fund
    return Proposal("deal.transition", deal, payload)


def ic_vote(c: Ctx) -> Proposal | None:
    rng, ws, made, _ = c
    deal = _pick(rng, made.of("deal"), rows_of(ws, "deals"), lambda r: r["stage"] == "ic_review")
    if deal is None:
        return None
    decision = rng.choice(["approve", "approve", "reject", "abstain"])
    payload = {"approval_id": new_id(), "approval_type": "ic_vote", "decision": decision}
    return Proposal("approval.record", deal, payload)


def document_add(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    payload: dict[str, Any] = {
        "filename": f"memo-{step}.pdf",
        "media_type": "application/pdf",
        "size_bytes": rng.randrange(1000, 90_000),
        "sha256": rng.randbytes(32).hex(),
    }
    deal = _pick(rng, made.of("deal"), rows_of(ws, "deals"), lambda r: True)
    if deal is not None and rng.random() < 0.6:
        payload["deal_id"] = deal
    else:
        fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
        if fund is None:
            return None
        payload |= {"fund_id": fund, "audience": rng.choice(["lps", "internal"])}
    return Proposal("document.add", new_id(), payload, makes="document")


def lp_create(c: Ctx) -> Proposal | None:
    rng, _, _, step = c
    name = f"Investor {step}-{rng.randrange(1000)}"
    return Proposal("lp.create", new_id(), {"name": name, "lp_type": "family_office"}, "lp")


def lp_update(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    lp = _pick(rng, made.of("lp"), rows_of(ws, "lps"), lambda r: True)
    return None if lp is None else Proposal("lp.update", lp, {"name": f"Investor {step} renamed"})


def commitment_create(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    committed = {r["lp_id"] for r in rows_of(ws, "commitments", fund_id=fund).values()}
    lp = _pick(rng, made.of("lp"), rows_of(ws, "lps"), lambda r: r["lp_id"] not in committed)
    if lp is None:
        return None
    payload = {
        "fund_id": fund,
        "lp_id": lp,
        "amount": _money(rng, 100_000, 900_000),
        "currency": "USD",
        "committed_on": _day(step),
    }
    return Proposal("commitment.create", new_id(), payload, makes="commitment")


def commitment_transfer(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    held = rows_of(ws, "commitments")
    one = _pick(rng, made.of("commitment"), held, lambda r: True)
    to = _pick(rng, made.of("lp"), rows_of(ws, "lps"), lambda r: True)
    if one is None or to is None or to == held[one]["lp_id"]:
        return None
    payload = {
        "fund_id": held[one]["fund_id"],
        "from_lp_id": held[one]["lp_id"],
        "to_lp_id": to,
        "amount": _money(rng, 10_000, 200_000),
        "currency": "USD",
        "effective_date": _day(step),
    }
    return Proposal("commitment.transfer", new_id(), payload)


def fund_update(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    return None if fund is None else Proposal("fund.update", fund, {"name": f"Fund {step}"})


def fund_nav(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    payload = {
        "valuation_id": new_id(),
        "as_of": _day(step),
        "nav": _money(rng, 100_000, 3_000_000),
        "currency": "USD",
    }
    return Proposal("fund.nav.record", fund, payload)


def four_eyes(c: Ctx) -> Proposal | None:
    rng, ws, made, _ = c
    fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    threshold = rng.choice([None, "150000.00", "400000.00"])
    return Proposal("fund.four_eyes.set", fund, {"threshold": threshold, "currency": "USD"})


def fund_close(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None or rng.random() < 0.7:  # rarer than its weight says: it ends closings
        return None
    return Proposal("fund.close", fund, {"final_close_date": _day(step)})


def call_create(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    payload = {
        "fund_id": fund,
        "amount": _money(rng, 10_000, 300_000),
        "currency": "USD",
        "basis": rng.choice(["commitment", "unfunded"]),
        "call_date": _day(step),
        "due_date": _day(step, 30),
        "split_rule": "as_of_date",
    }
    return Proposal("capital_call.create", new_id(), payload, makes="call")


def _call(c: Ctx, status: str) -> tuple[str, dict[str, Any]] | None:
    rng, ws, made, _ = c
    calls = rows_of(ws, "capital_calls")
    call = _pick(rng, made.of("call"), calls, lambda r: r["status"] == status)
    return None if call is None else (call, calls[call])


def call_revise(c: Ctx) -> Proposal | None:
    rng, _, _, step = c
    found = _call(c, "draft")
    if found is None:
        return None
    call, row = found
    payload = {
        "amount": _money(rng, 10_000, 300_000),
        "currency": "USD",
        "basis": row["basis"],
        "call_date": row["call_date"],
        "due_date": row["due_date"],
        "purpose": f"revised at step {step}",
        "split_rule": "as_of_date",
    }
    return Proposal("capital_call.revise", call, payload)


def call_delete(c: Ctx) -> Proposal | None:
    found = _call(c, "draft")
    return None if found is None else Proposal("capital_call.delete", found[0], {"reason": "x"})


def call_approve(c: Ctx) -> Proposal | None:
    found = _call(c, "draft")
    return None if found is None else Proposal("capital_call.approve", found[0], {})


def call_issue(c: Ctx) -> Proposal | None:
    found = _call(c, "draft")
    return None if found is None else Proposal("capital_call.issue", found[0], {})


def call_payment(c: Ctx) -> Proposal | None:
    rng, ws, _, step = c
    issued = _call(c, "issued")
    if issued is None:
        return None
    call = issued[0]
    t = metadata.tables["call_allocations"]
    with ws.store.engine.connect() as conn:
        shares = conn.execute(select(t).where(t.c.call_id == call).order_by(t.c.lp_id)).all()
    owed = [(r.lp_id, Decimal(r.amount) - Decimal(r.paid)) for r in shares]
    owed = [(lp, due) for lp, due in owed if due > 0]
    if not owed:
        return None
    lp, due = rng.choice(owed)
    amount = due if rng.random() < 0.6 else (due / 2).quantize(Decimal("0.01"))
    payload = {
        "payment_id": new_id(),
        "lp_id": lp,
        "amount": format(amount, "f"),
        "currency": "USD",
        "paid_on": _day(step),
    }
    return Proposal("capital_call.payment", call, payload)


def distribution_create(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = _pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    payload: dict[str, Any] = {
        "fund_id": fund,
        "amount": _money(rng, 5_000, 250_000),
        "currency": "USD",
        "basis": rng.choice(["paid_in", "commitment", "waterfall"]),
        "distribution_date": _day(step),
        "source": rng.choice(["income", "exit", "return_of_capital"]),
        "split_rule": "as_of_date",
    }
    if payload["basis"] != "waterfall" and rng.random() < 0.3:
        payload["recallable"] = True
    return Proposal("distribution.create", new_id(), payload, makes="distribution")


def _distribution(c: Ctx, status: str) -> str | None:
    rng, ws, made, _ = c
    held = rows_of(ws, "distributions")
    return _pick(rng, made.of("distribution"), held, lambda r: r["status"] == status)


def distribution_issue(c: Ctx) -> Proposal | None:
    found = _distribution(c, "draft")
    return None if found is None else Proposal("distribution.issue", found, {})


def distribution_approve(c: Ctx) -> Proposal | None:
    found = _distribution(c, "draft")
    return None if found is None else Proposal("distribution.approve", found, {})


def distribution_delete(c: Ctx) -> Proposal | None:
    found = _distribution(c, "draft")
    return None if found is None else Proposal("distribution.delete", found, {"reason": "x"})


def counsel_grant(c: Ctx) -> Proposal | None:
    """The admin opens one more deal to counsel."""
    if c.counsel is None:
        return None
    deal = _pick(c.rng, c.made.of("deal"), rows_of(c.ws, "deals"), lambda r: True)
    if deal is None:
        return None
    payload = {"user_id": c.counsel, "scope_type": "deal", "scope_id": deal}
    return Proposal("entitlement.grant", new_id(), payload)


def _first(*moves: Callable[[Ctx], Proposal | None]) -> Callable[[Ctx], Proposal | None]:
    """The first of ``moves`` that applies: a GP pays what is called, else issues what is
    drafted, else drafts — as money moves through a fund, whatever the device holds yet."""

    def move(c: Ctx) -> Proposal | None:
        return next((p for m in moves if (p := m(c)) is not None), None)

    move.__name__ = moves[0].__name__
    return move


# (move, weight, roles that may make it)
MOVES: list[tuple[Callable[[Ctx], Proposal | None], int, frozenset[str]]] = []
_STAFF = frozenset({"gp", "gp_analyst"})
_GP = frozenset({"gp"})
for _move, _weight, _who in (
    (deal_create, 5, _STAFF),
    (deal_update, 4, _STAFF),
    (deal_transition, 5, _STAFF),
    (ic_vote, 3, _GP),
    (document_add, 3, _STAFF),
    (lp_create, 2, _STAFF),
    (lp_update, 2, _STAFF),
    (commitment_create, 3, _GP),
    (commitment_transfer, 1, _GP),
    (fund_update, 1, _GP),
    (fund_nav, 2, _GP),
    (four_eyes, 1, frozenset({"admin"})),
    (fund_close, 1, _GP),
    (call_create, 4, _STAFF),
    (call_revise, 2, _STAFF),
    (call_delete, 1, _STAFF),
    (call_approve, 4, _GP),
    (_first(call_issue, call_create), 8, _GP),
    (_first(call_payment, call_issue, call_create), 12, _GP),
    (distribution_create, 5, _STAFF),
    (distribution_approve, 2, _GP),
    (_first(distribution_issue, distribution_create), 6, _GP),
    (distribution_delete, 1, _STAFF),
    (counsel_grant, 1, frozenset({"admin"})),
):
    MOVES.append((_move, _weight, _who))
