"""Every money field of every op kind refuses one decimal place more than its currency has.

The money fields are not listed by hand: they are found by walking each kind's payload
model — every field typed as money, in nested models and as the values of maps (a call's
overrides) — plus the deal fields the catalogue types as money. For each, Harbor Point
Capital builds the one valid op of that kind (``situations``) in a fund reporting in US
dollars (2 decimal places), yen (none) or Kuwaiti dinars (3), sets that one amount a
decimal too fine, and the op is refused as ``invalid_payload`` naming the field and the
rule, with nothing written; the same op at exactly the currency's precision is accepted.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from fixtures_org import OrgBuilder
from pydantic import BaseModel
from situations import SITUATIONS

from core.domain.deal_fields import DEAL_FIELDS, FieldType
from core.ids import new_id
from core.ops.fields import MoneyAmount
from core.ops.kinds import KINDS
from core.ops.payloads.deals import DealFieldValue

CASE_OF = {
    "deal.transition": "deal.transition:decide",
    "approval.record": "approval.record:ic_vote",
}
ANY_KEY = "*"

# (currency, an amount at exactly its precision, the same with one decimal too many, places)
PRECISIONS = [
    ("USD", "100.01", "100.001", 3),
    ("JPY", "100", "100.5", 1),
    ("KWD", "100.001", "100.0001", 4),
]


def _is_money(metadata: Any) -> bool:
    return any(isinstance(m, MoneyAmount) for m in metadata)


def _paths(annotation: Any, metadata: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Where money sits in a value of type ``annotation``, ``*`` standing for any map key."""
    if _is_money(metadata):
        yield path
        return
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        yield from _paths(args[0], [*metadata, *annotation.__metadata__], path)
    elif origin in (Union, types.UnionType):
        for option in args:
            yield from _paths(option, metadata, path)
    elif origin is dict and args[1] is DealFieldValue:
        for name, spec in sorted(DEAL_FIELDS.items()):
            if spec.type is FieldType.MONEY:
                yield (*path, name, "value")
    elif origin is dict:
        yield from _paths(args[1], (), (*path, ANY_KEY))
    elif origin in (list, tuple):
        yield from _paths(args[0], (), (*path, "0"))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            yield from _paths(info.annotation, info.metadata, (*path, name))


def _money_fields() -> list[tuple[str, tuple[str, ...]]]:
    return [
        (kind, path)
        for kind, spec in sorted(KINDS.items())
        for path in sorted(set(_paths(spec.payload, (), ())))
    ]


MONEY_FIELDS = _money_fields()


def test_the_walk_finds_the_money_of_the_ledger_and_of_deals() -> None:
    kinds = {kind for kind, _ in MONEY_FIELDS}
    assert {"capital_call.payment", "commitment.create", "fund.nav.record"} <= kinds
    assert ("capital_call.create", ("overrides", ANY_KEY)) in MONEY_FIELDS
    assert ("deal.update", ("fields", "asking_price", "value")) in MONEY_FIELDS


def _op_with(
    org: OrgBuilder, kind: str, path: tuple[str, ...], amount: str
) -> tuple[str | None, dict[str, Any], str]:
    """The valid op of ``kind`` in ``org``'s currency with the money at ``path`` set to
    ``amount``; returns the entity id, the payload and the field's name in a refusal."""
    _, entity_id, payload = SITUATIONS[CASE_OF.get(kind, kind)](org, org.founder)
    if "currency" in payload:
        payload["currency"] = org.currency
    named = []
    target = payload
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if step == ANY_KEY:  # a map keyed by LP: an LP committed to the op's fund
            fund_id = payload.get("fund_id")
            if fund_id is None and entity_id is not None:  # a revision names no fund
                drafted = org.rows("capital_calls", call_id=entity_id)
                fund_id = drafted[0]["fund_id"] if drafted else None
            committed = org.rows("commitments", fund_id=fund_id)
            step = committed[0]["lp_id"] if committed else new_id()
        named.append(step)
        if last:
            target[step] = amount
        else:
            target = target.setdefault(step, {})
    field = ".".join(["payload", *(named[:-1] if named[-1] == "value" else named)])
    return entity_id, payload, field


@pytest.mark.parametrize(("currency", "exact", "too_fine", "places"), PRECISIONS)
@pytest.mark.parametrize(
    ("kind", "path"), MONEY_FIELDS, ids=lambda v: ".".join(v) if isinstance(v, tuple) else v
)
def test_an_amount_finer_than_its_currency_is_refused_naming_the_field(
    kind: str, path: tuple[str, ...], currency: str, exact: str, too_fine: str, places: int
) -> None:
    org = OrgBuilder.in_memory(currency)
    entity_id, payload, field = _op_with(org, kind, path, too_fine)
    refusal = org.refused(kind, payload, entity_id=entity_id)
    assert (refusal.code, refusal.field) == ("invalid_payload", field)
    assert f"{currency} amounts " in refusal.message
    assert f"{too_fine} has {places}" in refusal.message

    fine = OrgBuilder.in_memory(currency)
    entity_id, payload, _ = _op_with(fine, kind, path, exact)
    fine.submit_wire(kind, payload, entity_id=entity_id)
