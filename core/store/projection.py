"""The storage interface every reducer writes through, scoped to one organization.

Reducers never see SQL, sessions or another organization: each call names a projection
table and a key, and the implementation adds the organization itself. Two implementations
keep each other honest: :class:`core.store.sql_projection.SqlProjection` (SQLite on the
desktop, Postgres on the server) and :class:`core.store.memory.MemoryProjection` for fast
domain tests. A shared contract suite runs against both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["Projection", "Row"]

Row = dict[str, Any]


class Projection(Protocol):
    """Rows of the projection tables of one organization (``org_id`` is implicit)."""

    @property
    def org_id(self) -> str: ...

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        """The row whose primary key (without ``org_id``) is ``key``, or None."""

    def rows(self, table: str, where: Mapping[str, Any]) -> list[Row]:
        """Every row matching all of ``where`` (equality), ordered by primary key."""

    def insert(self, table: str, row: Mapping[str, Any]) -> None: ...

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> None: ...

    def delete(self, table: str, key: Mapping[str, Any]) -> None: ...
