"""The state digest: SHA-256 over the canonical rows of every projection table.

Two replicas that applied the same ops in the same order have the same digest, whatever
their database (DESIGN §3). Each row is RFC 8785 JSON; tables go in the fixed order of
:data:`~core.store.schema.PROJECTION_TABLES`, rows in primary-key order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any, Final

from sqlalchemy import Connection, select

from core.canonical_json import jcs, jcs_of_plain
from core.store.schema import PROJECTION_TABLES

__all__ = ["digest_of", "sql_state_digest"]


def digest_of(tables: Iterable[tuple[str, Iterable[Mapping[str, Any]]]]) -> str:
    h = hashlib.sha256()
    for name, rows in tables:
        h.update(b"table:" + name.encode("ascii") + b"\n")
        for row in rows:
            h.update(jcs(dict(row)) + b"\n")
    return h.hexdigest()


_SCALARS: Final = frozenset({str, int, bool, type(None)})
_MAX_SAFE: Final = 2**53 - 1


def _plain_table(rows: Sequence[Sequence[Any]]) -> bool:
    """True when every value is a JSON scalar JCS prints as the standard library does: one
    pass over the whole table in C, where the per-row walk of :func:`jcs` costs more than
    the hashing (what a tampered file may hold takes the checked path)."""
    values = list(chain.from_iterable(rows))
    if not set(map(type, values)) <= _SCALARS:
        return False
    ints = [v for v in values if type(v) is int]
    return not ints or (min(ints) >= -_MAX_SAFE and max(ints) <= _MAX_SAFE)


def sql_state_digest(conn: Connection, org_id: str) -> str:
    h = hashlib.sha256()
    for table in PROJECTION_TABLES:
        # Plain ``str`` keys: SQLAlchemy's column names are a subclass, which JCS's fast
        # path does not take; ASCII names sort the same by code point and UTF-16 unit.
        names = tuple(str(c.name) for c in table.columns)
        stmt = select(table).where(table.c.org_id == org_id).order_by(*table.primary_key.columns)
        rows = conn.execute(stmt).all()
        plain = all(n.isascii() for n in names) and _plain_table(rows)
        encode = jcs_of_plain if plain else jcs
        h.update(b"table:" + table.name.encode("ascii") + b"\n")
        for row in rows:
            h.update(encode(dict(zip(names, row, strict=True))) + b"\n")
    return h.hexdigest()
