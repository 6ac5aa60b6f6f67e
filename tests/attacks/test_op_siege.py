"""Every op kind × every role × every foreign id, pushed; and every kind with fields its
model does not define. Generated from core's registry of kinds and their payload models.

For each kind of ``core.ops.kinds.KINDS`` a valid payload is built from its model
(op_payloads.py). Then, as each role of Harbor Point, one id at a time is aimed at what the
role may not see — the op's entity, each id its payload names, the envelope's ``org_id``,
``actor_id`` and ``device_id`` — at Northwind's record of that kind and, for counsel, the
lender and the LP, at Granite's records and the deal they are not entitled to. Each such op
is refused with exactly the answer the same op gets with a random id in that place (code,
field and message, the id aside: no existence oracle), and Northwind's state is unchanged.

Mass assignment: every kind, signed by the GP, with ``org_id`` (or ``roles``) smuggled into
its payload or an extra field in its envelope, is refused ``unknown_field``.
"""

from __future__ import annotations

from typing import Any

import pytest
from op_payloads import id_fields, valid_payload
from reliability_figures import record
from siege_world import ROLES, Member, Siege

from core.domain.roles import Action, Role, allowed
from core.ids import new_id
from core.ops.envelope import Envelope
from core.ops.kinds import KINDS, KindSpec

PUSH_LIMIT = 500
_RECORD_OF = {"capital_call": "call", "scope": "deal", "excluded_lp": "lp", "from_lp": "lp",
              "to_lp": "lp", "gp_commitment_lp": "lp"}  # fmt: skip


def _record(name: str) -> str:
    """``lp`` for ``from_lp_id``, ``call`` for the entity type ``capital_call``."""
    base = name.removesuffix("_ids").removesuffix("_id")
    return _RECORD_OF.get(base, base)


def _foreign(siege: Siege, role: str, name: str) -> list[tuple[str, str, int]]:
    """(what, id, its version) the role may not see, for a slot that names a ``name``."""
    kind = _record(name)
    if kind not in siege.foreign:
        return []  # the id of a new record (a payment, a valuation): nothing to aim at
    target = siege.foreign[kind]
    found = [("other organization", target, siege.victim.versions.get(target, 1))]
    if not allowed(frozenset({Role(role)}), Action.READ_ORG):
        for what, pool in (("another LP", siege.other_lp), ("unentitled deal", siege.hidden)):
            if kind in pool:
                found.append((what, pool[kind], siege.home.versions.get(pool[kind], 1)))
    return found


def _own(siege: Siege, name: str) -> str:
    return siege.own.get(_record(name), new_id())


def _placed(payload: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    return {**payload, name: [value] if isinstance(payload[name], list) else value}


# where, the attack's and its control's fields for Firm.op, their ids
Pair = tuple[str, dict[str, Any], dict[str, Any], str, str]


def _pairs(siege: Siege, role: str, spec: KindSpec) -> list[Pair]:
    """(where, attack, the same with a random id, the two ids) for every id slot of
    ``spec``'s op."""
    home, who = siege.home, siege.people[role]
    payload = valid_payload(spec, lambda name: _own(siege, name))
    create = spec.concurrency == "create"
    own_entity = None if create else siege.own.get(_record(spec.entity_type), new_id())
    pairs: list[Pair] = []

    def pair(where: str, slot: str, target: str, version: int | None = None) -> None:
        random_id = new_id()
        sides = []
        for value in (target, random_id):
            fields: dict[str, Any] = {"payload": payload, "entity_id": own_entity or new_id()}
            if slot.startswith("payload."):
                fields["payload"] = _placed(payload, slot.removeprefix("payload."), value)
            else:
                fields[slot] = value
            if not create:
                fields["base_version"] = version or home.versions.get(fields["entity_id"], 1)
            sides.append({"kind": spec.kind, "by": who, **fields})
        pairs.append((f"{spec.kind} as {role}, {where}", sides[0], sides[1], target, random_id))

    if not create:
        for what, target, version in _foreign(siege, role, spec.entity_type):
            pair(f"{what} as entity", "entity_id", target, version)
    for name in id_fields(spec, payload):
        for what, target, _ in _foreign(siege, role, name):
            pair(f"{what} in payload.{name}", f"payload.{name}", target)
    for name, kind in (("org_id", "org"), ("actor_id", "user"), ("device_id", "device")):
        for what, target, _ in _foreign(siege, role, kind)[:1]:
            pair(f"{what} as {name}", name, target)
    return pairs


def _answer(result: dict[str, Any], target: str) -> Any:
    if result["status"] != "rejected":
        return result["status"]
    error = result["error"]
    return error["code"], error.get("field"), error["message"].replace(target, "<id>")


def _push(siege: Siege, who: Member, ops: list[Envelope]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for start in range(0, len(ops), PUSH_LIMIT):
        results += siege.home.results(ops[start : start + PUSH_LIMIT], by=who)
    return results


@pytest.mark.parametrize("role", ROLES)
def test_every_kind_aimed_at_what_the_role_may_not_see_is_refused_as_a_random_id(
    siege: Siege, role: str
) -> None:
    victim_before, home_before = siege.victim.state(), siege.home.state()
    pairs = [p for spec in KINDS.values() for p in _pairs(siege, role, spec)]
    who = siege.people[role]
    # Signed in push order: a device's ops are numbered as it sends them.
    attacks = _push(siege, who, [siege.home.op(**p[1]) for p in pairs])
    controls = _push(siege, who, [siege.home.op(**p[2]) for p in pairs])
    failures = []
    refused = 0
    for (where, _, _, target, random_id), hit, miss in zip(pairs, attacks, controls, strict=True):
        if hit["status"] != "rejected":
            failures.append(f"{where}: {hit['status']}")
        elif _answer(hit, target) != _answer(miss, random_id):
            failures.append(f"{where}: {_answer(hit, target)} but a random id got {miss}")
        else:
            refused += 1
    record("generated attacks", attempted=len(pairs), refused=refused)
    assert failures == [], "\n".join(failures)
    assert {p[1]["kind"] for p in pairs} == set(KINDS)
    assert siege.victim.state() == victim_before
    assert siege.home.state() == home_before


def test_every_kind_with_fields_it_does_not_define_is_refused(siege: Siege) -> None:
    home = siege.home
    ops, where = [], []
    for spec in KINDS.values():
        payload = valid_payload(spec, lambda name: _own(siege, name))
        entity = None if spec.concurrency == "create" else siege.own.get(
            _record(spec.entity_type), new_id())  # fmt: skip
        smuggled = ({"org_id": siege.foreign["org"]}, {"roles": ["gp", "admin"]})
        for extra in (e for e in smuggled if not e.keys() & spec.payload.model_fields):
            ops.append(home.op(spec.kind, {**payload, **extra}, entity_id=entity))
            where.append(f"{spec.kind} with payload.{next(iter(extra))}")
        envelope = home.op(spec.kind, payload, entity_id=entity).wire()
        ops.append({**envelope, "role": "admin"})
        where.append(f"{spec.kind} with an envelope field role")
    results = home.results(ops)
    codes = {
        w: r.get("error", {}).get("code", r["status"]) for w, r in zip(where, results, strict=True)
    }
    wrong = {w: c for w, c in codes.items() if c in ("accepted", "duplicate")}
    record("generated attacks", attempted=len(ops), refused=len(ops) - len(wrong))
    assert wrong == {}
    # The extra fields are named as such; the genesis (refused as the organization exists
    # before its payload is read) and a device's enrollment (checked against its proof)
    # are refused for those reasons first.
    named = {w for w, c in codes.items() if c == "unknown_field"}
    assert {w.split()[0] for w in set(codes) - named} <= {"org.create", "device.enroll"}, codes


def test_an_lp_paying_into_a_call_it_has_no_share_of_learns_nothing_of_the_call(
    siege: Siege,
) -> None:
    """Found by the generated siege: Pension's officer recording Pension's payment on the
    call Granite alone owes was told ``forbidden`` (the call exists) where a random id is
    told ``not_found``: the op named what it sees, on a record it does not."""
    officer, home = siege.people["lp"], siege.home
    payment = {"lp_id": siege.own["lp"], "amount": "10.00", "currency": "USD",
               "paid_on": "2026-03-20"}  # fmt: skip
    answers = []
    for call in (siege.other_lp["call"], new_id()):
        op = home.op("capital_call.payment", {**payment, "payment_id": new_id()}, by=officer,
                     entity_id=call, base_version=home.versions.get(call, 1))  # fmt: skip
        [result] = home.results([op], by=officer)
        answers.append(_answer(result, call))
    assert answers[0] == answers[1] == ("not_found", "entity_id", "no capital call <id>")
