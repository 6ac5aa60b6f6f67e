"""A valid payload of any op kind, built from the kind's own payload model (core's registry,
``core.ops.kinds.KINDS``), so a kind added tomorrow is attacked without anyone writing its
payload here.

The model's JSON schema is walked: a required field gets a value of its shape (an id, a
date, ``USD``, the first value of an enumeration, the first of a few shaped strings its
pattern accepts); an optional id field gets an id too, since ids are what attacks aim at.
Where a kind's own validators want one optional field more ("an update changes the name or
at least one field"), the optional fields are tried one at a time. The result parses as the
kind's payload, so a refusal it meets is about the ids in it, never about its shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from core.errors import OpRejected
from core.ids import new_id
from core.ops.kinds import KindSpec
from core.ops.signing import DeviceKey
from core.reducers.apply import parse_payload

__all__ = ["id_fields", "valid_payload"]

_SHAPED = ("0.5", "1000.00", "ab" * 32, "application/pdf", DeviceKey.generate().public_key)

Schema = dict[str, Any]


def _resolve(defs: Schema, schema: Schema) -> Schema:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _is_id(defs: Schema, schema: Schema) -> bool:
    schema = _resolve(defs, schema)
    if schema.get("format") == "uuid":
        return True
    if schema.get("type") == "array":
        return _is_id(defs, schema.get("items", {}))
    return any(_is_id(defs, s) for s in schema.get("anyOf", []))


def _value(defs: Schema, schema: Schema, ids: Callable[[str], str], name: str) -> Any:
    schema = _resolve(defs, schema)
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if options:
        return _value(defs, options[0], ids, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return "USD" if "USD" in schema["enum"] else schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return [_value(defs, schema["items"], ids, name) for _ in range(schema.get("minItems", 1))]
    if kind == "object":
        return _object(defs, schema, ids, extra=None) if "properties" in schema else {}
    if schema.get("format") == "uuid":
        return ids(name)
    if schema.get("format") == "date":
        return "2026-03-01"
    if schema.get("format") == "email":
        return f"siege+{new_id()[-8:]}@example.com"
    pattern = schema.get("pattern")
    if pattern:
        return next((c for c in _SHAPED if re.fullmatch(pattern, c)), "Siege")
    return "Siege"


def _object(
    defs: Schema, schema: Schema, ids: Callable[[str], str], extra: str | None
) -> dict[str, Any]:
    required = set(schema.get("required", []))
    out = {}
    for name, sub in schema.get("properties", {}).items():
        if name in required or name == extra or (extra is None and _is_id(defs, sub)):
            out[name] = _value(defs, sub, ids, name)
    return out


def valid_payload(spec: KindSpec, ids: Callable[[str], str]) -> dict[str, Any]:
    """A payload of ``spec``'s kind that its model accepts; ``ids(field)`` names each id."""
    schema = spec.payload.model_json_schema()
    defs = schema.get("$defs", {})
    tries: list[str | None] = [None, "", *schema.get("properties", {})]
    problem: OpRejected | None = None
    for extra in tries:
        payload = _object(defs, schema, ids, extra)
        try:
            parse_payload(spec, payload)
        except OpRejected as exc:
            problem = exc
            continue
        return payload
    raise AssertionError(f"no valid {spec.kind} payload from its schema: {problem!r}")


def id_fields(spec: KindSpec, payload: dict[str, Any]) -> list[str]:
    """The top-level fields of ``payload`` that hold an id or a list of ids."""
    schema = spec.payload.model_json_schema()
    defs = schema.get("$defs", {})
    props = schema.get("properties", {})
    return [name for name in payload if name in props and _is_id(defs, props[name])]
