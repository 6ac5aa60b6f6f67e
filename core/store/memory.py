"""An in-memory projection for fast domain tests; the same contract as the SQL one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.store.projection import Row
from core.store.schema import metadata

__all__ = ["MemoryProjection"]


class MemoryProjection:
    """Rows kept in dicts keyed by primary key; refuses what the database would refuse."""

    def __init__(self, org_id: str) -> None:
        self._org_id = org_id
        self._tables: dict[str, dict[tuple[Any, ...], Row]] = {name: {} for name in metadata.tables}

    @property
    def org_id(self) -> str:
        return self._org_id

    def _pk(self, table: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
        cols = [c.name for c in metadata.tables[table].primary_key.columns if c.name != "org_id"]
        missing = [c for c in cols if c not in row]
        if missing:
            raise KeyError(f"{table}: primary key needs {missing}")
        return tuple(row[c] for c in cols)

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        found = self._tables[table].get(self._pk(table, key))
        return dict(found) if found is not None else None

    def rows(self, table: str, where: Mapping[str, Any]) -> list[Row]:
        hits = [
            dict(row)
            for pk, row in sorted(self._tables[table].items())
            if all(row.get(k) == v for k, v in where.items())
        ]
        return hits

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        columns = {c.name for c in metadata.tables[table].columns}
        unknown = set(row) - columns
        if unknown:
            raise KeyError(f"{table} has no columns {sorted(unknown)}")
        full = {name: None for name in columns} | dict(row) | {"org_id": self._org_id}
        pk = self._pk(table, full)
        if pk in self._tables[table]:
            raise KeyError(f"{table}: duplicate primary key {pk}")
        self._tables[table][pk] = full

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        for row in self._tables[table].values():
            if all(row.get(k) == v for k, v in key.items()):
                row.update(values)

    def delete(self, table: str, key: Mapping[str, Any]) -> None:
        store = self._tables[table]
        for pk in [pk for pk, row in store.items() if all(row.get(k) == v for k, v in key.items())]:
            del store[pk]

    def dump(self) -> dict[str, list[Row]]:
        """Every table's rows in primary-key order, for digests and comparisons."""
        return {
            name: [dict(r) for _, r in sorted(rows.items())] for name, rows in self._tables.items()
        }
