"""Answers built from the protocol's message models (:mod:`core.sync.messages`).

Most answers are a model serialized (:func:`reply`). The two assembled from stored or
signed bytes for speed — a pull page and a snapshot — take their key names from the
models too, through :func:`object_template`, which refuses at import time a template
that names a field its model lacks or leaves one out; a test checks the bytes they build
validate against the same models.
"""

from __future__ import annotations

import json
import typing

from aiohttp import web
from pydantic import BaseModel

__all__ = ["object_template", "reply"]

_JSON = "application/json"


def reply(
    message: BaseModel, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=message.model_dump_json().encode("utf-8"),
        status=status,
        headers=headers,
        content_type=_JSON,
        charset="utf-8",  # the Content-Type web.json_response sent before
    )


def object_template(model: type[BaseModel], *, canonical: bool = False, **slots: bytes) -> bytes:
    """``model``'s JSON object as a ``%``-template: each field named in ``slots`` with its
    placeholder (``b"%d"``, ``b"%s"``), a required field of one ``Literal`` value written
    in, a field with a default left out. Keys come in the model's order, or sorted as
    RFC 8785 orders them with ``canonical`` (the names are ASCII).

    ``TypeError`` if ``slots`` names a field the model lacks or a required field has no
    slot, so the bytes cannot drift from the model.
    """
    fields = model.model_fields
    unknown = sorted(set(slots) - set(fields))
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(unknown)}")
    members = []
    for name, info in fields.items():
        if name in slots:
            value = slots[name]
        elif not info.is_required():
            continue
        elif (
            typing.get_origin(info.annotation) is typing.Literal
            and len(constant := typing.get_args(info.annotation)) == 1
        ):
            value = json.dumps(constant[0]).encode("ascii")
        else:
            raise TypeError(f"{model.__name__}.{name} is required and has no slot")
        if not name.isascii():
            raise TypeError(f"{model.__name__}.{name}: only ASCII names are templated")
        members.append((name, json.dumps(name).encode("ascii") + b":" + value))
    if canonical:
        members.sort()
    return b"{" + b",".join(member for _, member in members) + b"}"
