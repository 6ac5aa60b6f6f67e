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

__all__ = ["jcs"]

_dumps = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode
_MAX_SAFE = 2**53 - 1
_ASTRAL = "\U00010000"


def _plain(value: Any) -> bool:
    """True when ``value`` holds no float and no integer JCS would print differently."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_MAX_SAFE <= value <= _MAX_SAFE
    if isinstance(value, dict):
        return all(
            isinstance(k, str) and (k.isascii() or max(k) < _ASTRAL) and _plain(v)
            for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    return False


def jcs(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``; ``ValueError`` if it has none
    (a lone surrogate, a NaN, an integer JSON cannot carry exactly)."""
    try:
        if _plain(value):
            return _dumps(value).encode("utf-8")
        return rfc8785.dumps(value)
    except (UnicodeEncodeError, rfc8785.CanonicalizationError) as exc:
        raise ValueError(f"not canonicalizable as JSON: {exc}") from None
