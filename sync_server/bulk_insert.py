"""Many rows in one INSERT: ``INSERT … SELECT * FROM unnest(col1[], col2[], …)``.

``COPY FROM`` would be faster still, but Postgres refuses it on tables with row-level
security, and every tenant table has it. One statement with one array per column costs
one round trip and one plan for a whole push, and each row still passes the policy's
``WITH CHECK``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, LargeBinary, Table

from core.store.schema import metadata
from sync_server.server_schema import server_metadata

__all__ = ["bulk_insert"]

_TABLES: Final[dict[str, Table]] = {**metadata.tables, **server_metadata.tables}


def _sql_type(column: Any) -> str:
    kind = column.type
    if isinstance(kind, BigInteger):
        return "bigint"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, LargeBinary):
        return "bytea"
    if isinstance(kind, DateTime):
        return "timestamptz"
    return "text"


def bulk_insert(
    cur: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` in one statement."""
    if not rows:
        return
    t = _TABLES[table]
    names = ", ".join(f'"{c}"' for c in columns)
    # %b sends each array in Postgres's binary format: no array literal to build and quote
    # element by element in Python (the text form cost more than the insert itself), and
    # envelopes travel as raw bytes.
    arrays = ", ".join(f"%b::{_sql_type(t.c[c])}[]" for c in columns)
    cur.execute(
        f'INSERT INTO "{table}" ({names}) SELECT * FROM unnest({arrays})',  # noqa: S608
        [list(col) for col in zip(*rows, strict=True)],
    )
