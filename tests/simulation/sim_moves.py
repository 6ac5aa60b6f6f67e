"""The changes a person makes on a staff device, one op each, chosen by the seed from what
that device holds now: a deal made, renamed, given a field or a document, moved along its
stages and voted on at IC; an LP and its commitment made, renamed or transferred; a fund
made, renamed, given LPA terms, marked to a NAV, given a four-eyes threshold or closed; a
call or a distribution drafted, revised, deleted, approved and issued; a payment against a
call. The administrator's moves (people, roles, devices, counsel's access) are in
sim_moves_admin.py, and the mix of both, with who may make each, in sim_mix.py. Each move
returns the op (kind, entity, payload), or None when the device holds nothing it applies to.

What is chosen is always read in the simulation's own order (the ids it made, in the order
it made them), never in the order of random ids, so a seed replays exactly.

Not simulated, and why: ``org.create`` and ``device.enroll`` happen at set-up (the world is
made through them: the server's service account signs each enrollment); an LP's or
counsel's replica signs nothing, so no legal sign-off is recorded and no deal closes.
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
from core.domain.lifecycle import (
    STAGE_ORDER,
    Stage,
    TransitionRule,
    allowed_targets,
    transition_rule,
)
from core.domain.roles import Role, allowed
from core.ids import new_id
from core.positions import ledger_book
from core.store.schema import metadata
from core.store.sql_projection import SqlProjection

__all__ = ["Ctx", "Made", "Proposal", "pick", "rows_of"]

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


def pick(
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
    spare: tuple[str, ...] = ()  # the organization's devices that never sign
    roles: frozenset[str] = frozenset({"gp"})  # the roles of the device's person

    def __iter__(self) -> Any:
        return iter((self.rng, self.ws, self.made, self.step))


def deal_create(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    funds = list(rows_of(ws, "funds"))
    payload: dict[str, Any] = {"name": f"Deal {step}-{rng.randrange(1000)}", "currency": "USD"}
    if funds and rng.random() < 0.5:
        payload["fund_id"] = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    return Proposal("deal.create", new_id(), payload, makes="deal")


def deal_update(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    deal = pick(rng, made.of("deal"), rows_of(ws, "deals"), lambda r: True)
    if deal is None:
        return None
    if rng.random() < 0.5:
        return Proposal("deal.update", deal, {"name": f"Deal {step} renamed"})
    name = rng.choice(["sponsor", "city", "market", "notes", "units"])
    value = str(rng.randrange(10, 500)) if name == "units" else f"{name} {step}"
    return Proposal("deal.update", deal, {"fields": {name: {"value": value}}})


def _rule(source: Stage, target: Stage) -> TransitionRule:
    rule = transition_rule(source, target)
    assert rule is not None
    return rule


def deal_transition(c: Ctx) -> Proposal | None:
    rng, ws, made, _ = c
    deals = rows_of(ws, "deals")
    deal = pick(rng, made.of("deal"), deals, lambda r: bool(allowed_targets(Stage(r["stage"]))))
    if deal is None:
        return None
    if rng.random() < 0.5:  # the team works on its most advanced open deal
        open_ = [
            d for d in made.of("deal") if d in deals and allowed_targets(Stage(deals[d]["stage"]))
        ]
        deal = max(open_, key=lambda d: STAGE_ORDER.index(Stage(deals[d]["stage"])))
    source = Stage(deals[deal]["stage"])
    roles = [Role(r) for r in c.roles]
    # A person takes the steps their role may (an analyst takes a deal up to IC, a GP
    # decides); a step the device refuses is not what anyone tries twice.
    targets = [t for t in allowed_targets(source) if allowed(roles, _rule(source, t).action)]
    if not targets:
        return None
    onward = [t for t in targets if t is not Stage.DEAD]
    # Most deals move on through their stages; one step in ten drops one (were the stage
    # drawn evenly, half the deals would die at each step and few would reach IC).
    target = rng.choice(onward if onward and rng.random() < 0.9 else targets)
    payload: dict[str, Any] = {"to": target.value}
    if target is Stage.CLOSED and deals[deal]["fund_id"] is None:
        fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
        if fund is not None:
            payload["fund_id"] = fund
    return Proposal("deal.transition", deal, payload)


def ic_vote(c: Ctx) -> Proposal | None:
    rng, ws, made, _ = c
    deal = pick(rng, made.of("deal"), rows_of(ws, "deals"), lambda r: r["stage"] == "ic_review")
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
    deal = pick(rng, made.of("deal"), rows_of(ws, "deals"), lambda r: True)
    if deal is not None and rng.random() < 0.6:
        payload["deal_id"] = deal
    else:
        fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
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
    lp = pick(rng, made.of("lp"), rows_of(ws, "lps"), lambda r: True)
    return None if lp is None else Proposal("lp.update", lp, {"name": f"Investor {step} renamed"})


def commitment_create(c: Ctx) -> Proposal | None:
    """A commitment of an LP not yet in the fund (sim_mix.py adds the LP first when the
    device holds none)."""
    rng, ws, made, step = c
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    committed = {r["lp_id"] for r in rows_of(ws, "commitments", fund_id=fund).values()}
    lp = pick(rng, made.of("lp"), rows_of(ws, "lps"), lambda r: r["lp_id"] not in committed)
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
    """An LP passes part of what it may still be called for to another LP: only unfunded
    commitment moves, never what draft calls reserve, on the day and on every later one."""
    rng, ws, made, step = c
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    on = START + dt.timedelta(days=step)
    with ws.store.engine.connect() as conn:
        book = ledger_book(SqlProjection(conn, ws.org_id), fund)
    now, ever = book.as_of(on, with_nav=False), book.as_of(None, with_nav=False)
    held = rows_of(ws, "lps")
    lps = [lp for lp in made.of("lp") if lp in held]
    room = {lp: min(now.of(lp).available_to_call, ever.of(lp).available_to_call) for lp in lps}
    givers = [lp for lp in lps if room[lp] >= 10_000]
    if not givers or len(lps) < 2:
        return None
    giver = rng.choice(givers)
    taker = rng.choice([lp for lp in lps if lp != giver])
    amount = min(room[giver], Decimal(rng.randrange(10_000, 250_000, 1000)))
    payload = {
        "fund_id": fund,
        "from_lp_id": giver,
        "to_lp_id": taker,
        "amount": format(amount.quantize(Decimal("0.01")), "f"),
        "currency": "USD",
        "effective_date": on.isoformat(),
    }
    return Proposal("commitment.transfer", new_id(), payload)


def fund_create(c: Ctx) -> Proposal | None:
    rng, _, _, step = c
    payload = {"name": f"Fund {step}-{rng.randrange(1000)}", "currency": "USD"}
    return Proposal("fund.create", new_id(), payload | {"vintage_year": 2026}, makes="fund")


def fund_terms(c: Ctx) -> Proposal | None:
    """A new version of a fund's LPA terms: its first for a fund made in the run, an
    amendment for the others, in force from the fund's start or from today."""
    rng, ws, made, step = c
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    carry = rng.choice(["0.15", "0.20"])
    payload: dict[str, Any] = {
        "style": rng.choice(["european", "european", "american"]),
        "preferred_return": rng.choice(["0.06", "0.08", "0.10"]),
        "compounding": rng.choice(["simple", "compound"]),
        "carried_interest": carry,
        "catch_up": rng.choice(["1", "0.5", None]),  # above the carry share, or none
        "gp_name": "the GP",
        "label": f"amended at step {step}",
    }
    if rng.random() < 0.5:
        payload["effective_date"] = _day(step)
    return Proposal("fund.terms.set", fund, payload)


def fund_update(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    return None if fund is None else Proposal("fund.update", fund, {"name": f"Fund {step}"})


def fund_nav(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
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
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    threshold = rng.choice([None, "150000.00", "400000.00"])
    return Proposal("fund.four_eyes.set", fund, {"threshold": threshold, "currency": "USD"})


def fund_close(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None or rng.random() < 0.7:  # rarer than its weight says: it ends closings
        return None
    return Proposal("fund.close", fund, {"final_close_date": _day(step)})


def call_create(c: Ctx) -> Proposal | None:
    rng, ws, made, step = c
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
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


def _call(
    c: Ctx, status: str, ok: Callable[..., bool] = lambda r: True
) -> tuple[str, dict[str, Any]] | None:
    rng, ws, made, _ = c
    calls = rows_of(ws, "capital_calls")
    call = pick(rng, made.of("call"), calls, lambda r: r["status"] == status and ok(r))
    return None if call is None else (call, calls[call])


def _second_gp(c: Ctx) -> Callable[..., bool]:
    """A draft a second GP may approve: another person drafted it, nobody approved it yet."""
    return lambda r: r["drafted_by"] != c.ws.user_id and r["approved_by"] is None


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
    found = _call(c, "draft", _second_gp(c))
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
    fund = pick(rng, made.of("fund"), rows_of(ws, "funds"), lambda r: True)
    if fund is None:
        return None
    with ws.store.engine.connect() as conn:
        now = ledger_book(SqlProjection(conn, ws.org_id), fund).as_of(
            START + dt.timedelta(days=step), with_nav=False
        )
    if not now.total("commitment"):
        return None  # nobody to distribute to
    # Pro rata to paid-in, or through the LPA's waterfall, once money has come in.
    bases = ["commitment"]
    if now.total("paid_in") > 0:
        bases += ["paid_in"] + (["waterfall"] if rows_of(ws, "fund_terms", fund_id=fund) else [])
    payload: dict[str, Any] = {
        "fund_id": fund,
        "amount": _money(rng, 5_000, 250_000),
        "currency": "USD",
        "basis": rng.choice(bases),
        "distribution_date": _day(step),
        "source": rng.choice(["income", "exit", "return_of_capital"]),
        "split_rule": "as_of_date",
    }
    if payload["basis"] != "waterfall" and rng.random() < 0.3:
        payload["recallable"] = True
    return Proposal("distribution.create", new_id(), payload, makes="distribution")


def _distribution(c: Ctx, status: str, ok: Callable[..., bool] = lambda r: True) -> str | None:
    rng, ws, made, _ = c
    held = rows_of(ws, "distributions")
    return pick(rng, made.of("distribution"), held, lambda r: r["status"] == status and ok(r))


def distribution_issue(c: Ctx) -> Proposal | None:
    found = _distribution(c, "draft")
    return None if found is None else Proposal("distribution.issue", found, {})


def distribution_approve(c: Ctx) -> Proposal | None:
    found = _distribution(c, "draft", _second_gp(c))
    return None if found is None else Proposal("distribution.approve", found, {})


def distribution_revise(c: Ctx) -> Proposal | None:
    rng, ws, _, step = c
    found = _distribution(c, "draft")
    if found is None:
        return None
    row = rows_of(ws, "distributions")[found]
    payload: dict[str, Any] = {
        "amount": _money(rng, 5_000, 250_000),
        "currency": "USD",
        "basis": row["basis"],
        "distribution_date": row["distribution_date"],
        "source": row["source"],
        "note": f"revised at step {step}",
        "split_rule": "as_of_date",
    }
    if row["recallable"]:
        payload["recallable"] = True
    return Proposal("distribution.revise", found, payload)


def distribution_delete(c: Ctx) -> Proposal | None:
    found = _distribution(c, "draft")
    return None if found is None else Proposal("distribution.delete", found, {"reason": "x"})
