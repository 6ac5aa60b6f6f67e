"""``/v1/openapi.json`` is enough to build and to check ops: every field of every payload
has its real shape, and every op the server serves — as signed to staff, redacted to an
LP, counsel or a lender — validates against the schema the document publishes for it.

The shape rule, for every string a payload (or the envelope) may hold, found by walking
each schema through its ``$ref``s, ``anyOf``s, arrays and maps:

- it is never a bare ``{"type": "string"}``: it has a ``format``, a ``pattern``, an
  ``enum`` or a ``maxLength``, and a string bounded only by its length is free text, which
  only a field named as free text may be (a name, a note, a title…);
- a field named ``id`` or ``*_id``/``*_ids``, and the key of a map of LPs, is
  ``format: uuid`` with a pattern that takes a lowercase UUID and refuses an uppercase one;
- money (``amount``, ``nav``, the values of ``overrides`` and ``allocations``) has a pattern
  that takes ``"1250000.00"`` and refuses a number in any other spelling;
- a date (``*_date``, ``*_on``, ``as_of``) is ``format: date``, a time ``format: date-time``;
- a currency is an ``enum`` of ISO 4217 codes; every map's keys have a shape too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from scenario import Member, Org, ServerWorld
from test_redacted_counts import build

from core.ids import new_id

FREE_TEXT = (
    "name", "note", "purpose", "reason", "label", "title", "reference", "value", "explanation",
)  # fmt: skip
MONEY_NAMES = ("amount", "nav")
MONEY_MAPS = ("overrides", "allocations")
GOOD_MONEY = ("1250000.00", "0", "0.5", "7000003.00")
BAD_MONEY = ("1e6", "-1.00", "1,000.00", "1250000.00 ", "", "+5", ".5", "01.00", "NaN")
REF = "#/components/schemas/"


async def _document(world: ServerWorld) -> dict[str, Any]:
    resp = await world.client.get("/v1/openapi.json")
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


def _target(doc: dict[str, Any], ref: str) -> tuple[str, dict[str, Any]]:
    assert ref.startswith(REF), ref
    name = ref.removeprefix(REF)
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return name, schema


Leaf = tuple[str, str, bool, dict[str, Any]]  # path, field name, is a map key, schema


def _strings(
    doc: dict[str, Any], node: Any, name: str, path: str, seen: frozenset[str] = frozenset()
) -> Iterator[Leaf]:
    """Every string schema under ``node``, with the name of the field that holds it."""
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        ref_name, target = _target(doc, node["$ref"])
        if ref_name not in seen:
            yield from _strings(doc, target, name, f"{path}->{ref_name}", seen | {ref_name})
    for key in ("anyOf", "oneOf", "allOf"):
        for i, inner in enumerate(node.get(key, [])):
            yield from _strings(doc, inner, name, f"{path}/{key}{i}", seen)
    for prop, inner in node.get("properties", {}).items():
        yield from _strings(doc, inner, prop, f"{path}.{prop}", seen)
    if isinstance(node.get("additionalProperties"), dict):
        yield from _strings(doc, node["additionalProperties"], name, f"{path}{{}}", seen)
        keys = node.get("propertyNames")
        assert isinstance(keys, dict), f"{path}: a map whose keys have no published shape"
        yield f"{path}{{key}}", name, True, keys
    if "items" in node:
        yield from _strings(doc, node["items"], name, f"{path}[]", seen)
    if node.get("type") == "string" or (
        "enum" in node and all(isinstance(v, str) for v in node["enum"])
    ):
        yield path, name, False, node


def _matches(schema: dict[str, Any], value: str) -> bool:
    return Draft202012Validator(schema).is_valid(value)


def _problems(leaf: Leaf) -> list[str]:
    """What breaks the shape rule (the module's docstring) in one string schema."""
    path, name, is_key, s = leaf
    shaped = {"format", "pattern", "enum", "const"} & s.keys()
    problems = []
    if not shaped and "maxLength" not in s:
        problems.append("a bare string")
    elif not shaped and not name.endswith(FREE_TEXT):
        problems.append("free text (only a length bound) in a field not named as free text")
    if name == "id" or name.endswith(("_id", "_ids")) or (is_key and name in MONEY_MAPS):
        uuid = new_id()
        if s.get("format") != "uuid" or not _matches(s, uuid) or _matches(s, uuid.upper()):
            problems.append("an id without format uuid and a lowercase UUID pattern")
    if (name in MONEY_NAMES or name in MONEY_MAPS) and not is_key:
        if "pattern" not in s:
            problems.append("money without a pattern")
        else:
            wrong = [v for v in GOOD_MONEY if not _matches(s, v)]
            wrong += [v for v in BAD_MONEY if _matches(s, v)]
            if wrong:
                problems.append(f"a money pattern that misjudges {wrong}")
    is_date = name.endswith(("_date", "_on")) or name == "as_of"
    if is_date and (s.get("format") != "date" or not _matches(s, "2026-03-31")):
        problems.append("a date without format date")
    if name == "issued_at" and s.get("format") != "date-time":
        problems.append("a time without format date-time")
    if name.endswith("currency") and not ("USD" in s.get("enum", ()) and "usd" not in s["enum"]):
        problems.append("a currency that is not an enum of ISO 4217 codes")
    return [f"{path}: {p}" for p in problems]


def _checked(doc: dict[str, Any]) -> dict[str, list[Leaf]]:
    schemas = doc["components"]["schemas"]
    names = [n for n in schemas if n.endswith("Payload")] + ["Envelope", "RedactedEnvelope"]
    return {n: list(_strings(doc, schemas[n], "", n, frozenset({n}))) for n in names}


def test_the_rule_finds_a_bare_string_an_unshaped_id_and_a_money_field_without_pattern() -> None:
    doc = {
        "components": {
            "schemas": {
                "XPayload": {
                    "type": "object",
                    "properties": {
                        "memo": {"type": "string"},
                        "fund_id": {"type": "string", "maxLength": 36},
                        "amount": {"anyOf": [{"type": "string", "maxLength": 30}]},
                        "when_on": {"type": "string", "pattern": "^.*$"},
                        "allocations": {
                            "type": "object",
                            "additionalProperties": {"$ref": REF + "M"},
                        },
                    },
                },
                "M": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
            }
        }
    }
    with pytest.raises(AssertionError, match="keys have no published shape"):
        list(_strings(doc, doc["components"]["schemas"]["XPayload"], "", "X"))
    doc["components"]["schemas"]["XPayload"]["properties"]["allocations"]["propertyNames"] = {
        "maxLength": 36
    }
    found = [
        p
        for leaf in _strings(doc, doc["components"]["schemas"]["XPayload"], "", "X")
        for p in _problems(leaf)
    ]
    assert any("X.memo: a bare string" in p for p in found), found
    assert any("X.fund_id: an id without" in p for p in found), found
    assert any("X.amount/anyOf0: money without a pattern" in p for p in found), found
    assert any("X.when_on: a date without" in p for p in found), found
    assert any("X.allocations{key}: an id without" in p for p in found), found
    assert any("X.allocations{}->M: a money pattern that misjudges" in p for p in found), found


async def test_every_field_of_every_payload_has_its_real_shape(world: ServerWorld) -> None:
    doc = await _document(world)
    checked = _checked(doc)
    # Every kind's payload and each of its redacted views is among them.
    kinds = doc["components"]["x-op-kinds"]
    for entry in kinds.values():
        for ref in (entry["payload"], entry.get("redacted_payload")):
            if ref:
                assert ref["$ref"].removeprefix(REF) in checked
    problems = [p for leaves in checked.values() for leaf in leaves for p in _problems(leaf)]
    assert problems == []
    leaves = [leaf for found in checked.values() for leaf in found]
    assert len(leaves) > 150  # the walk reaches the nested models, not just the top level
    names = {name for _, name, _, _ in leaves}
    assert {"payment_id", "public_key", "excluded_lp_ids", "paid_on", "swift", "to"} <= names


async def test_deal_fields_are_published_by_name_with_the_shape_of_their_value(
    world: ServerWorld,
) -> None:
    doc = await _document(world)
    fields = doc["components"]["schemas"]["DealCreatePayload"]["properties"]["fields"]
    assert fields["additionalProperties"] is False
    shapes = {}
    for name, schema in fields["properties"].items():
        [value] = [s for s in schema["allOf"] if "$ref" not in s]
        shapes[name] = value["properties"]["value"]["anyOf"][0]
    assert shapes["owner_id"]["format"] == "uuid"
    assert _matches(shapes["asking_price"], "12500000.00")
    assert not _matches(shapes["asking_price"], "12.5M")
    assert not _matches(shapes["units"], "12.5")
    assert shapes["notes"]["maxLength"] == 4000


async def test_the_envelope_says_redacted_ops_have_null_counters(world: ServerWorld) -> None:
    doc = await _document(world)
    schemas = doc["components"]["schemas"]
    pulled = schemas["PulledItem"]["oneOf"]
    assert {ref["$ref"] for ref in pulled} == {REF + "PulledOp", REF + "RedactedPulledOp"}
    assert schemas["PullPage"]["properties"]["ops"]["items"] == {"$ref": REF + "PulledItem"}
    # A redacted op is marked so and holds a RedactedEnvelope; a device's op is not marked.
    signed, marked = schemas["PulledOp"], schemas["RedactedPulledOp"]
    assert signed["properties"]["op"] == {"$ref": REF + "Envelope"}
    assert marked["properties"]["op"] == {"$ref": REF + "RedactedEnvelope"}
    assert marked["properties"]["redacted"]["const"] is True
    assert "redacted" in marked["required"]
    assert "redacted" not in signed["required"]
    assert signed["properties"]["redacted"]["const"] is False
    redacted = schemas["RedactedEnvelope"]
    assert redacted["properties"]["device_seq"]["type"] == "null"
    assert redacted["properties"]["base_version"]["type"] == "null"
    assert {"device_seq", "base_version", "signature"} <= set(redacted["required"])
    device = schemas["Envelope"]["properties"]["device_seq"]
    assert device["type"] == "integer"
    assert device["minimum"] == 1
    assert "RedactedEnvelope" in device["description"]


# -- every op served, against its published schema ---------------------------------------


def _validator(doc: dict[str, Any], name: str) -> Draft202012Validator:
    assert name in doc["components"]["schemas"], name
    root = {"$ref": REF + name, "components": {"schemas": doc["components"]["schemas"]}}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _schema_for(doc: dict[str, Any], kind: str, redacted: bool) -> str:
    """``<Kind>RedactedPayload`` for a redacted op where the document has one, else
    ``<Kind>Payload`` — found by name, as PROTOCOL says, and cross-checked with x-op-kinds."""
    entry = doc["components"]["x-op-kinds"][kind]
    payload = str(entry["payload"]["$ref"]).removeprefix(REF)
    name = payload.removesuffix("Payload") + "RedactedPayload"
    if not redacted or name not in doc["components"]["schemas"]:
        assert "redacted_payload" not in entry or not redacted
        return payload
    assert entry["redacted_payload"] == {"$ref": REF + name}
    return name


def _errors(validator: Draft202012Validator, value: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)
    ]


async def _deals(org: Org, fund: str) -> tuple[Member, Member]:
    """A deal of the fund through IC, with its documents; counsel on the fund, a lender on
    the deal."""
    deal = await org.submit_wire(
        "deal.create",
        {
            "name": "Dock 9 Logistics",
            "currency": "USD",
            "fund_id": fund,
            "fields": {
                "owner_id": {"value": org.founder.user_id},
                "asking_price": {"value": "12500000.00"},
                "city": {"value": "Austin, TX"},
            },
        },
    )
    memo = await org.submit_wire(
        "document.add",
        {
            "deal_id": deal,
            "filename": "offering-memo.pdf",
            "title": "Offering memorandum",
            "media_type": "application/pdf",
            "size_bytes": 182_044,
            "sha256": "c" * 64,
        },
    )
    await org.submit_wire(
        "document.add",
        {
            "fund_id": fund,
            "filename": "lpa.pdf",
            "media_type": "application/pdf",
            "size_bytes": 90_210,
            "sha256": "d" * 64,
        },
    )
    await org.submit_wire(
        "deal.update",
        {
            "fields": {
                "cap_rate": {"value": "6.25"},
                "units": {"value": "120"},
                "noi": {
                    "value": "781250.00",
                    "provenance": "extracted",
                    "source_document_id": memo,
                    "source_page": 4,
                },
            }
        },
        entity_id=deal,
    )
    for stage in ("screening", "underwriting", "ic_review"):
        await org.submit_wire(
            "deal.transition", {"to": stage, "note": f"to {stage}"}, entity_id=deal
        )
    await org.submit_wire(
        "approval.record",
        {"approval_id": new_id(), "approval_type": "ic_vote", "decision": "approve"},
        entity_id=deal,
    )
    counsel = await org.member("counsel", enroll=False)
    await org.submit_wire(
        "entitlement.grant", {"user_id": counsel.user_id, "scope_type": "fund", "scope_id": fund}
    )
    lender = await org.member("lender", enroll=False)
    await org.submit_wire(
        "entitlement.grant", {"user_id": lender.user_id, "scope_type": "deal", "scope_id": deal}
    )
    return counsel, lender


async def test_every_op_served_validates_against_its_published_schema(world: ServerWorld) -> None:
    lp = await build(world, others=2)
    counsel, lender = await _deals(lp.org, lp.fund)
    doc = await _document(world)
    pulled_op = _validator(doc, "PulledItem")
    seen: dict[str, set[str]] = {}
    for who, redacted in (
        (lp.viewer, True),
        (counsel, True),
        (lender, True),
        (lp.org.founder, False),
    ):
        ops = await lp.org.pull_all(who)
        assert ops
        for item in ops:
            op = item["op"]
            assert item.get("redacted", False) is redacted
            assert _errors(pulled_op, item) == [], item
            envelope = _validator(doc, "RedactedEnvelope" if redacted else "Envelope")
            assert _errors(envelope, op) == [], op
            name = _schema_for(doc, op["kind"], redacted)
            problems = _errors(_validator(doc, name), op["payload"])
            assert problems == [], f"{op['kind']} as {name}: {problems} in {op['payload']}"
            seen.setdefault(name, set()).add("redacted" if redacted else "signed")
    # The redacted views that differ from their payload were among those served and checked.
    assert seen["CapitalCallCreateRedactedPayload"] == {"redacted"}
    assert seen["DistributionCreateRedactedPayload"] == {"redacted"}
    assert seen["CapitalCallCreatePayload"] == {"signed"}
    for kind in ("DealCreatePayload", "DocumentAddPayload", "FundTermsSetPayload"):
        assert seen[kind] == {"redacted", "signed"}, kind
    # Staff saw every kind but the revocations, each checked against its schema.
    assert len([n for n, how in seen.items() if "signed" in how]) >= 19


def test_the_published_patterns_agree_with_the_validators() -> None:
    """The document's patterns are the validators' own: what one takes, the other takes."""
    from pydantic import TypeAdapter, ValidationError

    from core.ops.fields import AmountStr, IsoDate, Uuid, Uuid7

    cases = {
        AmountStr: (*GOOD_MONEY, *BAD_MONEY, "123456789012345678.123456", "1.1234567"),
        IsoDate: ("2026-03-31", "2026-3-31", "20260331", "2026-03-31T00:00:00Z"),
        Uuid: (new_id(), new_id().upper(), "01936f0e8c2a7c1e9a553f1c2b7d4e10"),
        Uuid7: (new_id(), "01936f0e-8c2a-4c1e-9a55-3f1c2b7d4e10"),
    }
    for field_type, values in cases.items():
        adapter: TypeAdapter[str] = TypeAdapter(field_type)
        schema = adapter.json_schema()
        for value in values:
            try:
                adapter.validate_python(value, strict=True)
                valid = True
            except ValidationError:
                valid = False
            pattern = re.compile(schema["pattern"])
            assert bool(pattern.search(value)) == valid, (field_type, value)
