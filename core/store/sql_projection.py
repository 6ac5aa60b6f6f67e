"""The projection interface over the database driver: SQLite on the desktop, Postgres on
the server.

Reducers run a handful of tiny keyed statements per op, where SQLAlchemy's per-execution
machinery would cost more than the database itself; so the SQL is generated once per
(table, key columns) from the SQLAlchemy schema and run on the DBAPI cursor of the
caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Connection, Table

from core.store.projection import Row
from core.store.schema import metadata

__all__ = ["SqlProjection"]

Key = tuple[str, ...]


class _Sql:
    """SQL text for one dialect's quoting and positional parameter marker."""

    def __init__(self, quote: Any, marker: str) -> None:
        self.quote = quote
        self.marker = marker
        self.cache: dict[tuple[Any, ...], str] = {}

    def stmt(self, *spec: Any) -> str:
        sql = self.cache.get(spec)
        if sql is None:
            # Identifiers come from reducer code, never from a payload; still, only names the
            # schema declares ever reach the SQL text, each quoted by the dialect.
            table = spec[1]
            known = _COLUMNS.get(table)
            named = [c for part in spec[2:] if isinstance(part, tuple) for c in part]
            if known is None or not set(named) <= set(known):
                raise KeyError(f"{table}: unknown table or columns {named}")
            sql = getattr(self, spec[0])(*spec[1:])
            self.cache[spec] = sql
        return sql

    def _where(self, key: Sequence[str], nulls: Sequence[str] = ()) -> str:
        equal = " AND ".join(f"{self.quote(c)} = {self.marker}" for c in ("org_id", *key))
        return equal + "".join(f" AND {self.quote(c)} IS NULL" for c in nulls)

    def _cols(self, t: Table) -> str:
        return ", ".join(self.quote(c.name) for c in t.columns)

    def select(self, table: str, key: Key, ordered: bool, nulls: Key = ()) -> str:
        t = metadata.tables[table]
        where = self._where(key, nulls)
        sql = f"SELECT {self._cols(t)} FROM {self.quote(table)} WHERE {where}"  # noqa: S608
        if ordered:
            sql += " ORDER BY " + ", ".join(self.quote(c.name) for c in t.primary_key.columns)
        return sql

    def insert(self, table: str, columns: Key) -> str:
        marks = ", ".join(self.marker for _ in columns)
        cols = ", ".join(self.quote(c) for c in columns)
        return f"INSERT INTO {self.quote(table)} ({cols}) VALUES ({marks})"  # noqa: S608

    def update(self, table: str, key: Key, columns: Key, nulls: Key = ()) -> str:
        sets = ", ".join(f"{self.quote(c)} = {self.marker}" for c in columns)
        return f"UPDATE {self.quote(table)} SET {sets} WHERE {self._where(key, nulls)}"  # noqa: S608

    def delete(self, table: str, key: Key, nulls: Key = ()) -> str:
        return f"DELETE FROM {self.quote(table)} WHERE {self._where(key, nulls)}"  # noqa: S608


@lru_cache(maxsize=8)
def _dialect_sql(name: str, paramstyle: str, quote: Any) -> _Sql:
    marker = "?" if paramstyle == "qmark" else "%s"
    return _Sql(quote, marker)


_BOOLEAN_COLUMNS = {
    t.name: frozenset(c.name for c in t.columns if isinstance(c.type, Boolean))
    for t in metadata.tables.values()
}
# Small tables every op reads (who signed, with which roles): worth caching in a batch.
_REFERENCE_TABLES = frozenset({"organizations", "devices", "users", "memberships", "funds"})
_COLUMNS = {t.name: tuple(c.name for c in t.columns) for t in metadata.tables.values()}


class SqlProjection:
    """Reads and writes one organization's projection rows on an open connection.

    The caller owns the transaction: a reducer's writes commit or roll back together with
    the op log and audit entry written beside them.
    """

    def __init__(self, conn: Connection, org_id: str, *, cache_reference: bool = False) -> None:
        """``cache_reference`` keeps reads of the small reference tables (devices, users,
        roles, funds) for the life of this object, dropped on any write to them: for a batch
        applied in one transaction. Whoever rolls back a savepoint must call :meth:`forget`.
        """
        dialect = conn.dialect
        if dialect.paramstyle not in ("qmark", "format", "pyformat"):
            raise RuntimeError(f"unsupported DBAPI parameter style {dialect.paramstyle}")
        self._sql = _dialect_sql(
            dialect.name, dialect.paramstyle, dialect.identifier_preparer.quote
        )
        self._cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._org_id = org_id
        self._stmt = self._sql.stmt
        self._cache: dict[tuple[Any, ...], list[Row]] | None = {} if cache_reference else None

    def forget(self) -> None:
        """Drop cached reads (after a savepoint rollback undid writes they may reflect)."""
        if self._cache is not None:
            self._cache.clear()

    def _written(self, table: str) -> None:
        if self._cache and table in _REFERENCE_TABLES:
            for spec in [k for k in self._cache if k[0] == table]:
                del self._cache[spec]

    @property
    def org_id(self) -> str:
        return self._org_id

    def _fetch(self, table: str, key: Mapping[str, Any], ordered: bool) -> list[Row]:
        if self._cache is not None and table in _REFERENCE_TABLES:
            spec = (table, ordered, tuple(key.items()))
            hit = self._cache.get(spec)
            if hit is None:
                hit = self._cache[spec] = self._query(table, key, ordered)
            return [dict(row) for row in hit]
        return self._query(table, key, ordered)

    def _query(self, table: str, key: Mapping[str, Any], ordered: bool) -> list[Row]:
        if None in key.values():
            cols, params, nulls = _split_nulls(key)
            sql = self._stmt("select", table, cols, ordered, nulls)
        else:
            sql, params = self._stmt("select", table, tuple(key), ordered), tuple(key.values())
        self._cursor.execute(sql, (self._org_id, *params))
        names = _COLUMNS[table]
        booleans = _BOOLEAN_COLUMNS[table]
        rows = []
        for values in self._cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            for b in booleans:
                if row[b] is not None:
                    row[b] = bool(row[b])
            rows.append(row)
        return rows

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        found = self._fetch(table, key, False)
        return found[0] if found else None

    def rows(self, table: str, where: Mapping[str, Any]) -> list[Row]:
        return self._fetch(table, where, True)

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        self._written(table)
        columns = ("org_id", *row)
        self._cursor.execute(self._stmt("insert", table, columns), (self._org_id, *row.values()))

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self._written(table)
        cols, params, nulls = _split_nulls(key)
        sql = self._stmt("update", table, cols, tuple(values), *((nulls,) if nulls else ()))
        self._cursor.execute(sql, (*values.values(), self._org_id, *params))

    def delete(self, table: str, key: Mapping[str, Any]) -> None:
        self._written(table)
        cols, params, nulls = _split_nulls(key)
        sql = self._stmt("delete", table, cols, *((nulls,) if nulls else ()))
        self._cursor.execute(sql, (self._org_id, *params))


def _split_nulls(key: Mapping[str, Any]) -> tuple[Key, tuple[Any, ...], Key]:
    """Key columns compared with ``=``, their values, and the columns that must be NULL.

    ``col = NULL`` is never true in SQL; a None in a key means "is null", as it does for
    :class:`~core.store.memory.MemoryProjection`.
    """
    if None not in key.values():
        return tuple(key), tuple(key.values()), ()
    cols = tuple(k for k, v in key.items() if v is not None)
    return cols, tuple(key[k] for k in cols), tuple(k for k, v in key.items() if v is None)
