"""The state digest: SHA-256 over the canonical rows of every projection table.

Two replicas that applied the same ops in the same order have the same digest, whatever
their database (DESIGN §3). Each row is RFC 8785 JSON; tables go in the fixed order of
:data:`~core.store.schema.PROJECTION_TABLES`, rows in primary-key order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, select

from core.canonical_json import jcs
from core.store.schema import PROJECTION_TABLES

__all__ = ["digest_of", "sql_state_digest"]


def digest_of(tables: Iterable[tuple[str, Iterable[Mapping[str, Any]]]]) -> str:
    h = hashlib.sha256()
    for name, rows in tables:
        h.update(b"table:" + name.encode("ascii") + b"\n")
        for row in rows:
            h.update(jcs(dict(row)) + b"\n")
    return h.hexdigest()


def sql_state_digest(conn: Connection, org_id: str) -> str:
    def table_rows(table: Any) -> Iterable[Mapping[str, Any]]:
        # Plain ``str`` keys: SQLAlchemy's column names are a subclass, which would send
        # every row down canonical JSON's slow path.
        names = tuple(str(c.name) for c in table.columns)
        stmt = select(table).where(table.c.org_id == org_id).order_by(*table.primary_key.columns)
        return (dict(zip(names, row, strict=True)) for row in conn.execute(stmt))

    return digest_of((t.name, table_rows(t)) for t in PROJECTION_TABLES)
