"""RFC 8785 (JCS) canonical JSON, fast for the values Deal OS signs.

JCS sorts object keys by UTF-16 code units and formats numbers the ECMAScript way. For
JSON without floats whose keys hold no character beyond the Basic Multilingual Plane, the
standard library's ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` yields exactly the same bytes: such keys sort the same by code point
and by UTF-16 unit, integers within ±(2**53 - 1) print the same, and both escape only
``"``, ``\\`` and control characters (same short forms, lowercase ``\\u00xx``) and write
every other character as UTF-8. Anything else — a float, a key with an astral character,
a larger integer — goes to the ``rfc8785`` package, which is also the oracle the tests
compare this function against on generated documents.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["jcs", "jcs_of_plain"]

_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode
_MAX_SAFE = 2**53 - 1
_ASTRAL = "\U00010000"


def _plain(value: Any) -> bool:
    """True when ``value`` holds no float and no integer JCS would print differently.

    Exact types only (a ``str`` subclass takes the reference path): this walk runs for
    every op signed, verified and audited, so it is a loop, not a recursion.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is int:
            if not -_MAX_SAFE <= item <= _MAX_SAFE:
                return False
        elif kind is dict:
            for key, inner in item.items():
                if type(key) is not str or not (key.isascii() or max(key) < _ASTRAL):
                    return False
                stack.append(inner)
        elif kind is list or kind is tuple:
            stack.extend(item)
        else:
            return False
    return True


def jcs(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``; ``ValueError`` if it has none
    (a lone surrogate, a NaN, an integer JSON cannot carry exactly)."""
    try:
        if _plain(value):
            return _dumps(value).encode("utf-8")
        return rfc8785.dumps(value)
    except (UnicodeEncodeError, rfc8785.CanonicalizationError) as exc:
        raise ValueError(f"not canonicalizable as JSON: {exc}") from None


def jcs_of_plain(value: Any) -> bytes:
    """:func:`jcs` without the walk, for a caller that has proved ``value`` plain: only
    ``str``, ``bool``, ``None``, ``int`` within ±(2**53 - 1), lists, and dicts whose keys
    are plain ASCII ``str`` — e.g. rows read from columns whose SQL types allow nothing
    else. A lone surrogate still raises ``ValueError``."""
    try:
        return _dumps(value).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"not canonicalizable as JSON: {exc}") from None
