"""Hypothesis-made envelopes and payloads through core's one apply path, on a real SQLite
store: whatever comes in, the only thing that comes out is the domain's own refusal
(``DealOSError``: an ``OpRejected`` with a protocol code), never another exception.

Harbor Point Capital runs in a real Workspace (SQLite, WAL, its device key in a file
keyring): a fund, two LPs and their commitments, a deal, an issued call. Each example is
one op of a kind drawn from core's registry (or a kind that does not exist), whose payload
is a valid one built from the kind's model with one field replaced by something hostile,
or a valid one, or arbitrary JSON; its envelope fields are the founder's own or drawn
from hostile values; it is signed over its canonical bytes where it has any. It is parsed
(``parse_envelope``) and applied (``Workspace.apply_signed``, the path ops signed
elsewhere take). At the end the store rebuilds from its own log to the same digest.

Reproducible: derandomized in CI, another seed on request (fuzz_budget.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_budget import fuzzed
from hypothesis import given
from hypothesis import strategies as st
from op_payloads import valid_payload
from reliability_figures import record

from core.commands.workspace import Workspace
from core.errors import DealOSError, OpRejected
from core.ids import new_id
from core.keys import KEYRING_FILE_ENV
from core.ops.envelope import canonical_bytes, parse_envelope
from core.ops.kinds import KINDS

EXAMPLES = 400

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "\x00", "\ud800", "1e400", "NaN", "-0", "9" * 40, "2026-02-30",
                     "USD ", "usd", "0.001", "-1.00", "'; DROP TABLE deals; --"]),
)  # fmt: skip
HOSTILE_NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
HOSTILE = st.recursive(
    st.one_of(st.none(), st.booleans(), HOSTILE_NUMBER, HOSTILE_TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture
def harbor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Workspace, dict[str, str]]]:
    monkeypatch.setenv(KEYRING_FILE_ENV, str(tmp_path / "keyring.json"))
    ws = Workspace.init(
        tmp_path / "data",
        org_name="Harbor Point Capital",
        email="maria@harborpoint.example",
        display_name="Maria Founder",
    )
    ids: dict[str, str] = {}

    def add(key: str, kind: str, payload: dict[str, Any]) -> str:
        entity_id = new_id()
        ws.submit_wire(kind, entity_id=entity_id, payload=payload)
        ids.setdefault(key, entity_id)
        return entity_id

    add("fund", "fund.create", {"name": "Harbor Fund I", "currency": "USD"})
    for name in ("Pension Fund", "Granite Family Office"):
        lp = add("lp", "lp.create", {"name": name, "lp_type": "institution"})
        add("commitment", "commitment.create",
            {"fund_id": ids["fund"], "lp_id": lp, "amount": "1000000.00",
             "currency": "USD", "committed_on": "2026-01-15"})  # fmt: skip
    add("deal", "deal.create", {"name": "Dock 9", "currency": "USD"})
    add("call", "capital_call.create",
        {"fund_id": ids["fund"], "amount": "100000.00", "currency": "USD",
         "basis": "commitment", "call_date": "2026-03-01", "due_date": "2026-03-31"})  # fmt: skip
    ws.submit_wire("capital_call.issue", entity_id=ids["call"], payload={}, base_version=1)
    ids |= {"org": ws.org_id, "user": ws.user_id, "device": ws.device_id}
    yield ws, ids
    ws.close()


def _own(ids: dict[str, str]) -> Any:
    def named(field: str) -> str:
        base = field.removesuffix("_ids").removesuffix("_id").rsplit("_", 1)[-1]
        return ids.get(base, new_id())

    return named


@st.composite
def ops(draw: st.DrawFn, ids: dict[str, str]) -> dict[str, Any]:
    kind: Any = draw(st.sampled_from([*sorted(KINDS), "<no such kind>"]))
    if kind == "<no such kind>":
        kind = draw(HOSTILE_TEXT)
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    how = draw(st.sampled_from(["one field hostile", "valid", "arbitrary"]))
    if spec is None or how == "arbitrary":
        payload = draw(st.one_of(st.dictionaries(st.text(max_size=12), HOSTILE, max_size=5),
                                 HOSTILE))  # fmt: skip
    else:
        payload = valid_payload(spec, _own(ids))
        if how == "one field hostile" and payload:
            field = draw(st.sampled_from([*sorted(payload), "smuggled"]))
            payload = {**payload, field: draw(HOSTILE)}
    # The records ops act on; not the founder's own user and device, which one accepted
    # revocation would shut out of every later example.
    pool = st.sampled_from(sorted(v for k, v in ids.items() if k not in ("user", "device")))
    fields: dict[str, Any] = {
        "op_id": new_id(),
        "org_id": ids["org"],
        "device_id": ids["device"],
        "device_seq": draw(
            st.one_of(
                st.integers(min_value=1, max_value=10**6),
                st.integers(min_value=-5, max_value=2**64),
            )
        ),
        "actor_id": ids["user"],
        "kind": kind,
        "entity_id": draw(st.one_of(pool, st.just(new_id()))),
        "base_version": draw(
            st.one_of(
                st.none(),
                st.integers(min_value=1, max_value=3),
                st.integers(min_value=-3, max_value=2**63),
            )
        ),
        "payload": payload,
        "issued_at": "2026-03-01T12:00:00.000Z",
    }
    hostile_fields = st.sets(st.sampled_from(sorted(fields)), max_size=2)
    for name in draw(st.one_of(st.just(set()), st.just(set()), hostile_fields)):
        fields[name] = draw(st.one_of(HOSTILE, pool))
    return fields


def test_any_op_through_the_reducers_meets_only_the_domains_refusals(
    harbor: tuple[Workspace, dict[str, str]],
) -> None:
    ws, ids = harbor
    key = ws.keys.device_key(ws.device_id)
    outcomes: dict[str, int] = {}

    @fuzzed(EXAMPLES)
    @given(fields=ops(ids))
    def apply_one(fields: dict[str, Any]) -> None:
        try:
            signature = key.sign_bytes(canonical_bytes(fields))
        except (ValueError, TypeError):
            signature = "A" * 86  # no canonical form: it cannot be signed, send it anyway
        try:
            envelope = parse_envelope({**fields, "signature": signature})
            ws.apply_signed([envelope])
        except OpRejected as exc:
            outcomes[exc.code] = outcomes.get(exc.code, 0) + 1
        except DealOSError as exc:
            outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
        else:
            outcomes["accepted"] = outcomes.get("accepted", 0) + 1

    apply_one()
    record("reducer fuzz", cases=sum(outcomes.values()))
    # The examples reach past the payload's shape into the entities and the kinds' rules.
    assert outcomes.get("invalid_payload", 0) > 0, outcomes
    assert outcomes.get("not_found", 0) > 0, outcomes
    assert len(outcomes) >= 3, outcomes
    assert ws.rebuild() == ws.digest()
