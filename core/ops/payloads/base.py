"""The base of every payload model: strict types, no extra fields, immutable.

A payload model is also the command a caller submits (``Workspace.submit``): the class
names the kind. Built in Python, it takes the domain's own values — :class:`~core.money.Money`
for an amount (its currency fills the payload's ``currency``, and must agree with it) and
:class:`datetime.date` for a date — and holds them as the wire's decimal and ISO strings,
so the op signed is the op the wire format describes. From JSON (a pushed op) only the
wire's strings arrive, and strict validation applies unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, Final, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from core.errors import OpRejected
from core.money import Money
from core.ops.fields import MONEY, IsoDate

__all__ = ["Payload", "payload_refusal"]


def payload_refusal(exc: ValidationError, kind: str) -> OpRejected:
    """The first problem of a payload as the refusal a person reads: ``unknown_field`` or
    ``invalid_payload``, naming the field (``payload.due_date``) and the rule."""
    first = exc.errors()[0]
    path = ".".join(str(p) for p in ("payload", *first["loc"]))
    if first["type"] == "extra_forbidden":
        return OpRejected("unknown_field", f"{path} is not a field of {kind}", field=path)
    message = first["msg"].removeprefix("Value error, ")
    return OpRejected("invalid_payload", f"{path}: {message}", field=path)


_DOMAIN = (Money, dt.date)


def _marks_domain(annotation: Any, metadata: Iterable[Any]) -> bool:
    """Whether a field's type is money or a date, alone, optional, or in a map or list."""
    if any(m is MONEY or m in _DATE_MARKS for m in metadata):
        return True
    if get_origin(annotation) is Annotated:
        inner, *marks = get_args(annotation)
        return _marks_domain(inner, marks)
    return any(_marks_domain(arg, ()) for arg in get_args(annotation))


def _domain_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if _marks_domain(info.annotation, info.metadata)
    )


_DATE_MARKS: Final = tuple(get_args(IsoDate)[1:])
# Per payload class, the fields that take Money or a date when built in Python.
_DOMAIN_FIELDS: dict[type[BaseModel], frozenset[str]] = {}


def _domain(value: Any) -> bool:
    """True for a Money or a date, or a map or list holding one (a call's overrides)."""
    if isinstance(value, _DOMAIN):
        return True
    if isinstance(value, dict):
        return any(isinstance(v, _DOMAIN) for v in value.values())
    if isinstance(value, list | tuple):
        return any(isinstance(v, _DOMAIN) for v in value)
    return False


def _wire(value: Any) -> Any:
    if isinstance(value, Money):
        return value.wire()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def _currency(value: Any) -> set[str]:
    if isinstance(value, Money):
        return {value.currency}
    if isinstance(value, dict):
        return {v.currency for v in value.values() if isinstance(v, Money)}
    if isinstance(value, list | tuple):
        return {v.currency for v in value if isinstance(v, Money)}
    return set()


# Strict, closed, immutable. Named rather than written inline so that the type checker's
# pydantic plugin types a command's constructor loosely: it takes Money and dates where
# the model holds their wire strings (see _domain_values), and strict validation at
# runtime — not the signature — refuses anything else, naming the field.
_CONFIG = ConfigDict(extra="forbid", strict=True, frozen=True)


class Payload(BaseModel):
    model_config = _CONFIG

    @model_validator(mode="before")
    @classmethod
    def _domain_values(cls, data: Any) -> Any:
        """Money and dates given in Python become the wire's strings; a Money's currency
        becomes the payload's ``currency`` where it has one and none was given. Wire
        input (strings from JSON) passes through untouched."""
        names = _DOMAIN_FIELDS.get(cls)
        if names is None:
            names = _DOMAIN_FIELDS[cls] = _domain_fields(cls)
        if not names or not isinstance(data, dict):
            return data  # nothing here takes Money or a date: the wire's strings as they are
        given = {k: data[k] for k in names if k in data and _domain(data[k])}
        if not given:
            return data
        converted = {**data, **{k: _wire(v) for k, v in given.items()}}
        if "currency" not in cls.model_fields:
            return converted
        found = {c for v in given.values() for c in _currency(v)}
        currency = data.get("currency")
        if len(found) > 1 or (found and currency is not None and currency not in found):
            named = ", ".join(sorted(found | ({currency} if isinstance(currency, str) else set())))
            raise ValueError(f"the amounts are in more than one currency ({named})")
        if found and currency is None:
            converted["currency"] = found.pop()
        return converted

    def wire(self) -> dict[str, Any]:
        """The payload as it is signed: the fields the caller gave, in JSON form."""
        return self.model_dump(mode="json", exclude_unset=True)
