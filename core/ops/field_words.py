"""A refusal in the words of what a person typed into.

The reducers and the payload models name a field the way the wire does
(``payload.carried_interest``); a person typed into *Carried interest* on a form, or gave
``--carry`` on the command line. Each form or command maps the wire's paths of its fields
to its own words (``{"payload.carried_interest": "Carried interest"}``) and
:func:`in_words` says the refusal with them: ``Carried interest: must be a rate between
0 and 1``. The CLI (:mod:`core.cli.refusals`), the spreadsheet import and the desktop's
forms all say refusals this one way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import ValidationError

from core.errors import OpRejected
from core.ops.payloads.base import payload_refusal

__all__ = ["Words", "in_words", "plain_rule", "rejection_of"]

# The wire's path of a field (``payload.amount``, ``entity_id``) → what a person calls it;
# ``payload.swift#form`` → the form the field must have, where a pattern decides it.
Words = Mapping[str, str]

_RULES = (
    (re.compile(r"String should have at most (\d+) characters?"), r"must be at most \1 characters"),
    (re.compile(r"String should have at least 1 character"), "must not be empty"),
    (re.compile(r"List should have at most (\d+) items.*"), r"may list at most \1"),
    (re.compile(r"List should have at least 1 item.*"), "must name at least one"),
    (re.compile(r"Input should be (.*)"), r"must be \1"),
)


def plain_rule(message: str) -> str:
    """A pydantic rule in plain words: ``must be at most 200 characters``."""
    for pattern, words in _RULES:
        if pattern.fullmatch(message):
            return pattern.sub(words, message)
    return message


def rejection_of(exc: ValidationError | OpRejected) -> OpRejected:
    """A command that refused to hold a value, as the refusal the reducers would give."""
    return payload_refusal(exc, exc.title) if isinstance(exc, ValidationError) else exc


def in_words(exc: OpRejected, words: Words) -> str:
    """The refusal as a person reads it: the field as they named it, then the rule."""
    message = exc.message
    field = exc.field
    if field is not None and message.startswith(f"{field}: "):
        message = message[len(field) + 2 :]
    if field is None:
        return plain_rule(message)
    general = re.sub(r"\.\d+(?=\.|$)", ".*", field)
    if message.startswith("String should match pattern"):
        message = words.get(f"{general}#form", "is not in the form it must have")
    message = plain_rule(message)
    named = words.get(field) or words.get(general)
    if named is None and field.startswith("payload"):
        named = words.get("payload")
    if named is None:
        return message
    if field == "base_version":
        return f"{named} changed while this command ran ({message}); run it again"
    return f"{named}: {message}"
