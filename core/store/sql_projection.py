"""The projection interface over SQLAlchemy Core: SQLite on the desktop, Postgres on the server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from core.store.projection import Row
from core.store.schema import metadata

__all__ = ["SqlProjection"]


class SqlProjection:
    """Reads and writes one organization's projection rows on an open connection.

    The caller owns the transaction: a reducer's writes commit or roll back together with
    the op log and audit entry written beside them.
    """

    def __init__(self, conn: Connection, org_id: str) -> None:
        self._conn = conn
        self._org_id = org_id

    @property
    def org_id(self) -> str:
        return self._org_id

    def _where(self, table: Table, key: Mapping[str, Any]) -> ColumnElement[bool]:
        clauses = [table.c.org_id == self._org_id]
        clauses += [table.c[name] == value for name, value in key.items()]
        return and_(*clauses)

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        t = metadata.tables[table]
        found = self._conn.execute(select(t).where(self._where(t, key))).mappings().first()
        return dict(found) if found is not None else None

    def rows(self, table: str, where: Mapping[str, Any]) -> list[Row]:
        t = metadata.tables[table]
        stmt = select(t).where(self._where(t, where)).order_by(*t.primary_key.columns)
        return [dict(r) for r in self._conn.execute(stmt).mappings()]

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        t = metadata.tables[table]
        self._conn.execute(insert(t).values({**row, "org_id": self._org_id}))

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        t = metadata.tables[table]
        self._conn.execute(update(t).where(self._where(t, key)).values(dict(values)))

    def delete(self, table: str, key: Mapping[str, Any]) -> None:
        t = metadata.tables[table]
        self._conn.execute(delete(t).where(self._where(t, key)))
