"""Every money amount of a payload, found by its type, checked against its currency.

A payload's amounts are the values typed :data:`core.ops.fields.AmountStr` — top-level,
in nested models, in lists and as the values of maps (a call's ``overrides``, an LP's own
``allocations``). Each must fit the minor unit of the payload's ``currency``: a USD amount
has at most two decimal places, a JPY amount none (DESIGN §5). A payload with no currency
of its own (a deal's descriptive fields) is checked by its kind's reducer, against the
currency of the fund or deal it names.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from core.money import MoneyError, parse_amount
from core.ops.fields import MONEY

__all__ = ["AmountProblem", "amounts", "check_amounts"]


class AmountProblem(ValueError):
    """An amount that does not fit its currency; ``path`` names it (``payload.amount``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def amounts(model: BaseModel, prefix: str = "payload") -> Iterator[tuple[str, str]]:
    """``(path, amount)`` for every money value of ``model``, in field order."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        yield from _walk(info.annotation, info.metadata, value, f"{prefix}.{name}")


def check_amounts(model: BaseModel, currency: str, prefix: str = "payload") -> None:
    """Raise :class:`AmountProblem` for the first amount with more decimals than
    ``currency`` has."""
    for path, raw in amounts(model, prefix):
        try:
            parse_amount(raw, currency)
        except MoneyError as exc:
            raise AmountProblem(path, str(exc)) from None


def _walk(annotation: Any, metadata: Sequence[Any], value: Any, path: str) -> Iterator[Any]:
    if value is None:
        return
    if any(m is MONEY for m in metadata) and isinstance(value, str):
        yield path, value
        return
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        yield from _walk(args[0], [*metadata, *annotation.__metadata__], value, path)
    elif origin is Union or origin is types.UnionType:
        for option in args:
            if option is not type(None):
                yield from _walk(option, metadata, value, path)
                return
    elif origin is dict and isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(args[1], (), item, f"{path}.{key}")
    elif origin in (list, tuple) and isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(args[0], (), item, f"{path}.{index}")
    elif isinstance(value, BaseModel):
        yield from amounts(value, path)
