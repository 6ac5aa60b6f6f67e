"""A day of real ops, each pushed again with one part of its payload swapped for
something hostile — control characters, lone surrogates, huge or negative numbers,
floats, wrong types, deep nesting, extra and missing fields. Whatever the op, the push
answers 200 with one result per op, accepted or rejected with a code: never a 5xx.

Seeded, so a failure reproduces; the seed and the mutation are in the message. A longer
run: ``DEALOS_FUZZ_SEED=7 DEALOS_FUZZ_MUTATIONS=5000 pytest tests/sync_server/test_push_fuzz.py``.
"""

from __future__ import annotations

import copy
import os
import random
from typing import Any

from scenario import Org
from test_push_state import _day

from core.canonical_json import jcs
from core.ids import new_id
from core.ops.envelope import OP_SIGNING_PREFIX
from core.ops.kinds import KINDS

SEED = int(os.environ.get("DEALOS_FUZZ_SEED", "20261128"))
MUTATIONS = int(os.environ.get("DEALOS_FUZZ_MUTATIONS", "300"))

NASTY: list[Any] = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\x1f\x7f",
    "\u2028\u202e",
    "😀" * 50,
    "x" * 5000,
    "'; DROP TABLE deals; --",
    "%s%s%n",
    "1e400",
    "-0",
    "NaN",
    "9" * 40,
    "99999999999999999999.999999",
    "2026-02-30",
    "0000-00-00",
    "01936f0e-8c2a-7c1e-9a55-3f1c2b7d4e10",
    "USD ",
    0,
    -1,
    2**31,
    2**53,
    2**63,
    2**64,
    -(2**63) - 1,
    1.5,
    1e308,
    -0.0,
    None,
    True,
    [],
    {},
    [[[[["deep"]]]]],
    {"value": None},
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _paths(inner, (*path, i))
    return found


def _mutate(payload: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    paths = _paths(payload)
    how = rng.random()
    if how < 0.1 or not paths:
        payload[rng.choice(["extra", "name\x00", "😀", ""])] = rng.choice(NASTY)
        return payload
    *parent_path, last = rng.choice(paths)
    parent: Any = payload
    for step in parent_path:
        parent = parent[step]
    if how < 0.2 and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = copy.deepcopy(rng.choice(NASTY))
    return payload


def _signed(org: Org, kind: str, payload: Any, entity_id: str | None) -> dict[str, Any]:
    """Signed over its raw JCS, as a client that skips every check would send it."""
    create = KINDS[kind].concurrency == "create"
    template = org.op(
        "deal.create",
        {"name": "placeholder", "currency": "USD"},
        base_version=None if create else org.versions.get(entity_id or "", 0),
    )
    unsigned = {**template.unsigned().model_dump(), "kind": kind, "payload": payload}
    if entity_id and not create:
        unsigned["entity_id"] = entity_id
    try:
        message = OP_SIGNING_PREFIX + jcs(unsigned)
    except ValueError:
        message = b"no canonical form"
    return {**unsigned, "signature": org.founder.key.sign_bytes(message)}


async def _more(org: Org, fund: str, deal: str, user: str, call: str) -> list[tuple[str, Any, str]]:
    """Ops of the kinds the day lacks, on the day's fund and deal, each accepted."""
    dist = new_id()
    plan: list[tuple[str, dict[str, Any], str | None]] = [
        ("fund.update", {"payment_instructions": {
            "bank_name": "First Harbor Bank", "account_name": "Harbor Point Fund I",
            "account_number": "00012345678", "swift": "FHBKUS33"}}, fund),
        ("fund.terms.set", {"style": "european", "preferred_return": "0.08",
                            "compounding": "compound", "carried_interest": "0.20",
                            "catch_up": "1", "gp_name": "Harbor Point GP"}, fund),
        ("fund.nav.record", {"valuation_id": new_id(), "as_of": "2026-09-30",
                             "nav": "10500000.00", "currency": "USD"}, fund),
        ("distribution.create", {"fund_id": fund, "amount": "990000.00", "currency": "USD",
                                 "basis": "commitment", "distribution_date": "2026-09-30",
                                 "source": "income"}, dist),
        ("distribution.issue", {}, dist),
        ("entitlement.grant", {"user_id": user, "scope_type": "deal", "scope_id": deal}, None),
        ("fund.four_eyes.set", {"threshold": None, "currency": "USD"}, fund),
    ]  # fmt: skip
    templates = []
    for kind, payload, entity_id in plan:
        templates.append((kind, payload, await org.submit_wire(kind, payload, entity_id=entity_id)))
    # Refused (the deal is not in IC review), but its payload is checked first.
    templates.append(
        ("approval.record", {"approval_id": new_id(), "approval_type": "ic_vote",
                             "decision": "approve"}, deal)
    )  # fmt: skip
    # Refused (issued already), but their payloads are checked first.
    templates.append(("distribution.approve", {"note": "checked"}, dist))
    # Refused or not, their payloads are checked first: a final close, and a transfer
    # between LPs this fund does not hold.
    templates.append(("fund.close", {"final_close_date": "2026-12-31"}, fund))
    templates.append(
        ("commitment.transfer", {"fund_id": fund, "from_lp_id": new_id(), "to_lp_id": new_id(),
                                 "amount": "1000.00", "currency": "USD",
                                 "effective_date": "2026-10-01"}, new_id())
    )  # fmt: skip
    templates.append(("capital_call.approve", {"note": "checked"}, call))
    templates.append(("capital_call.delete", {"reason": "checked"}, call))
    templates.append(("distribution.delete", {"reason": "checked"}, dist))
    templates.append(
        ("capital_call.revise", {"amount": "1000.00", "currency": "USD", "basis": "commitment",
                                 "call_date": "2026-10-01", "due_date": "2026-10-15"}, call)
    )  # fmt: skip
    templates.append(
        ("distribution.revise", {"amount": "1000.00", "currency": "USD", "basis": "commitment",
                                 "distribution_date": "2026-10-01", "source": "income"}, dist)
    )  # fmt: skip
    return templates


async def test_hostile_payloads_get_an_answer_per_op_never_a_5xx(org: Org) -> None:
    ops, _ = _day(org)
    await org.push_ok(*ops)
    first = {op.kind: op.entity_id for op in reversed(ops)}
    counsel = await org.member("counsel", enroll=False)
    more = await _more(
        org,
        first["fund.create"],
        first["deal.create"],
        counsel.user_id,
        first["capital_call.create"],
    )
    templates = [(op.kind, op.payload, op.entity_id) for op in ops] + more
    assert {kind for kind, _, _ in templates} >= set(KINDS) - {
        "org.create",  # once per organization, by the server
        "device.enroll",  # through POST /v1/devices
        "device.revoke",
        "entitlement.revoke",
    }
    rng = random.Random(SEED)
    statuses: dict[str, int] = {}
    for i in range(MUTATIONS):
        kind, payload, entity_id = rng.choice(templates)
        mutated = _mutate(copy.deepcopy(payload), rng)
        op = _signed(org, kind, mutated, entity_id)
        resp = await org.push(op)
        context = f"seed {SEED}, mutation {i}: {kind} {mutated!r:.300}"
        assert resp.status == 200, f"{context} → {resp.status} {await resp.text()}"
        [result] = (await resp.json())["results"]
        assert result["status"] in ("accepted", "rejected"), context
        if result["status"] == "accepted":
            org.versions[op["entity_id"]] = org.versions.get(op["entity_id"], 0) + 1
        code = result.get("error", {}).get("code", result["status"])
        statuses[code] = statuses.get(code, 0) + 1
    # The mutations reached the reducers, not only the envelope's checks.
    assert statuses.get("invalid_payload", 0) > MUTATIONS // 4, statuses
    assert statuses.get("accepted", 0) > 0, statuses


async def test_a_document_over_2_gib_is_accepted_and_kept_exactly(org: Org) -> None:
    """Found by this fuzzer: size_bytes was a 4-byte column, so 2 GiB failed in Postgres."""
    deal = await org.submit_wire("deal.create", {"name": "Dock 9", "currency": "USD"})
    size = 5 * 2**30 + 7
    doc = await org.submit_wire(
        "document.add",
        {
            "deal_id": deal,
            "filename": "data-room.zip",
            "media_type": "application/zip",
            "size_bytes": size,
            "sha256": "c" * 64,
        },
    )
    [logged] = [o for o in await org.pull_all() if o["op"]["entity_id"] == doc]
    assert logged["op"]["payload"]["size_bytes"] == size
    replayed, served = await org.replayed_and_served_digests()
    assert replayed == served
