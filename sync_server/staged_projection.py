"""The projection a push works on: reads from Postgres, writes staged in memory, each op
atomic on its own, the rows sent to Postgres in batches as the push goes.

A push applies up to 500 ops in one transaction that holds the organization's lock, so
nobody else changes these rows meanwhile: a row read once stays what Postgres holds
until this push writes. Writes are kept per op in a journal that :meth:`commit_op` folds
into the push's staged state and :meth:`rollback_op` drops, so a refused op leaves
nothing behind without a SAVEPOINT round trip. Reads see Postgres overlaid with the
staged and journaled writes, exactly as they would after real writes. :meth:`write`
turns the rows committed ops changed since the last write into INSERT/UPDATE/DELETE
batches (against what Postgres holds: what was read, or what this push already sent),
inside the caller's transaction; the push calls it every few hundred ops on a pipelined
connection, so Postgres writes while the next ops are judged, and :meth:`flush` at the
end. :meth:`prefetch` loads, in one query per table, the rows a push is about to ask
for, and remembers which were absent.

The reducers' rules are untouched: this only changes how many times Postgres is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from sqlalchemy import Boolean, Connection

from core.store.projection import Row
from core.store.schema import metadata
from sync_server.bulk_insert import bulk_insert
from sync_server.key_probe import key_probe_sql

__all__ = ["StagedProjection"]

PK = tuple[Any, ...]
_KEYS: Final = {
    t.name: tuple(c.name for c in t.primary_key.columns if c.name != "org_id")
    for t in metadata.tables.values()
}
_COLUMNS: Final = {
    t.name: tuple(c.name for c in t.columns if c.name != "org_id") for t in metadata.tables.values()
}
_BOOLEANS: Final = {
    t.name: tuple(c.name for c in t.columns if isinstance(c.type, Boolean))
    for t in metadata.tables.values()
}
_MISSING: Final = object()


def _matches(row: Row, where: Mapping[str, Any]) -> bool:
    return all(row.get(k) == v for k, v in where.items())


class StagedProjection:
    def __init__(self, conn: Connection, org_id: str) -> None:
        self._org_id = org_id
        self._cur: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._db: dict[str, dict[PK, Row | None]] = {}  # rows as Postgres holds them
        self._covered: dict[tuple[str, str, Any], list[PK]] = {}  # (table, col, value) → pks
        self._queried: dict[tuple[Any, ...], list[PK]] = {}  # (table, *where) → pks
        self._staged: dict[str, dict[PK, Row | None]] = {}
        self._journal: dict[str, dict[PK, Row | None]] = {}
        self._written: dict[str, dict[PK, Row | None]] = {}  # rows this push wrote
        self._dirty: dict[str, dict[PK, None]] = {}  # staged since the last write, in order

    @property
    def org_id(self) -> str:
        return self._org_id

    # -- reading Postgres ----------------------------------------------------------------

    def _select(self, table: str, where_sql: str, params: tuple[Any, ...]) -> list[Row]:
        self._send_select(self._cur, table, where_sql, params)
        return self._rows_of(self._cur, table)

    def _send_select(self, cur: Any, table: str, where_sql: str, params: tuple[Any, ...]) -> None:
        cols = _COLUMNS[table]
        cur.execute(
            f'SELECT {", ".join(cols)} FROM "{table}" WHERE org_id = %s{where_sql}',  # noqa: S608
            (self._org_id, *params),
        )

    def _rows_of(self, cur: Any, table: str) -> list[Row]:
        cols = _COLUMNS[table]
        rows = []
        for values in cur.fetchall():
            row = dict(zip(cols, values, strict=True))
            for b in _BOOLEANS[table]:
                if row[b] is not None:
                    row[b] = bool(row[b])
            rows.append(row)
        return rows

    def _remember(self, table: str, rows: Iterable[Row]) -> list[PK]:
        known = self._db.setdefault(table, {})
        pks = []
        for row in rows:
            pk = tuple(row[c] for c in _KEYS[table])
            known[pk] = row
            pks.append(pk)
        return pks

    def prefetch(self, table: str, column: str, values: Iterable[Any]) -> None:
        """Load every row whose ``column`` is one of ``values``; remember the rest absent."""
        self.prefetch_send(table, column, values)()

    def prefetch_send(self, table: str, column: str, values: Iterable[Any]) -> Callable[[], None]:
        """Send :meth:`prefetch`'s query and return what takes its answer: on a pipelined
        connection, several tables' queries cost one round trip."""
        wanted = sorted(
            {v for v in values if v is not None and (table, column, v) not in self._covered}
        )
        if not wanted:
            return lambda: None
        cur = self._cur.connection.cursor()
        cur.execute(key_probe_sql(table, _COLUMNS[table], column), (wanted, self._org_id))
        return lambda: self._cover(table, column, wanted, self._rows_of(cur, table))

    def _cover(self, table: str, column: str, wanted: list[Any], rows: list[Row]) -> None:
        by_value: dict[Any, list[PK]] = {v: [] for v in wanted}
        for row, pk in zip(rows, self._remember(table, rows), strict=True):
            by_value[row[column]].append(pk)
        for value, pks in by_value.items():
            self._covered[(table, column, value)] = pks
        if _KEYS[table] == (column,):
            known = self._db.setdefault(table, {})
            for value, pks in by_value.items():
                if not pks:
                    known[(value,)] = None

    def _db_rows(self, table: str, where: Mapping[str, Any]) -> list[Row]:
        known = self._db.setdefault(table, {})
        for col, value in where.items():
            pks = self._covered.get((table, col, value))
            if pks is not None:
                found = [known[pk] for pk in pks]
                return [r for r in found if r is not None and _matches(r, where)]
        if len(where) == 1 and None not in where.values():
            [(col, value)] = where.items()
            self.prefetch(table, col, [value])
            return self._db_rows(table, where)
        spec = (table, *where.items())
        pks = self._queried.get(spec)
        if pks is None:
            nulls = "".join(f' AND "{c}" IS NULL' for c, v in where.items() if v is None)
            equal = "".join(f' AND "{c}" = %s' for c, v in where.items() if v is not None)
            params = tuple(v for v in where.values() if v is not None)
            pks = self._queried[spec] = self._remember(
                table, self._select(table, equal + nulls, params)
            )
        return [r for pk in pks if (r := known[pk]) is not None]

    def _db_get(self, table: str, pk: PK, key: Mapping[str, Any]) -> Row | None:
        known = self._db.setdefault(table, {})
        found = known.get(pk, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        for col, value in key.items():
            if (table, col, value) in self._covered:
                return None  # every row with that value is known, and this one is not
        rows = self._db_rows(table, key)
        known[pk] = rows[0] if rows else None
        return known[pk]

    # -- the Projection protocol ----------------------------------------------------------

    def _pk(self, table: str, key: Mapping[str, Any]) -> PK | None:
        names = _KEYS[table]
        if len(key) != len(names):
            return None
        try:
            return tuple([key[n] for n in names])
        except KeyError:
            return None

    def get(self, table: str, key: Mapping[str, Any]) -> Row | None:
        pk = self._pk(table, key)
        if pk is None:
            found = self.rows(table, key)
            return found[0] if found else None
        for layer in (self._journal, self._staged):
            changes = layer.get(table)
            if changes is not None and pk in changes:
                staged = changes[pk]
                return None if staged is None else dict(staged)
        row = self._db_get(table, pk, key)
        return None if row is None else dict(row)

    def rows(self, table: str, where: Mapping[str, Any]) -> list[Row]:
        merged = {tuple(r[c] for c in _KEYS[table]): r for r in self._db_rows(table, where)}
        for layer in (self._staged, self._journal):
            for pk, row in layer.get(table, {}).items():
                if row is None or not _matches(row, where):
                    merged.pop(pk, None)
                else:
                    merged[pk] = row
        return [dict(merged[pk]) for pk in sorted(merged)]

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        full = {c: row.get(c) for c in _COLUMNS[table]}
        pk = tuple(full[c] for c in _KEYS[table])
        self._journal.setdefault(table, {})[pk] = full

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        for row in [self.get(table, key)] if self._pk(table, key) else self.rows(table, key):
            if row is not None:
                pk = tuple(row[c] for c in _KEYS[table])
                self._journal.setdefault(table, {})[pk] = {**row, **values}

    def delete(self, table: str, key: Mapping[str, Any]) -> None:
        for row in [self.get(table, key)] if self._pk(table, key) else self.rows(table, key):
            if row is not None:
                self._journal.setdefault(table, {})[tuple(row[c] for c in _KEYS[table])] = None

    # -- ops and the end of the push ------------------------------------------------------

    def commit_op(self) -> None:
        for table, changes in self._journal.items():
            self._staged.setdefault(table, {}).update(changes)
            self._dirty.setdefault(table, {}).update(dict.fromkeys(changes))
        self._journal = {}

    def rollback_op(self) -> None:
        self._journal = {}

    def write(self) -> None:
        """Send the rows staged since the last write (committed ops only) to Postgres.

        Reads still see the staged state; on a pipelined connection Postgres writes them
        while the next ops are judged.
        """
        assert not self._journal, "commit_op() or rollback_op() the last op first"
        for table, pks in self._dirty.items():
            keys, cols = _KEYS[table], _COLUMNS[table]
            staged, known = self._staged[table], self._db.get(table, {})
            written = self._written.setdefault(table, {})
            deletes, updates, inserts = [], [], []
            for pk in pks:
                row = staged[pk]
                before = written[pk] if pk in written else known.get(pk)
                written[pk] = row
                if row is None:
                    if before is not None:
                        deletes.append((self._org_id, *pk))
                elif before is None:
                    inserts.append((self._org_id, *(row[c] for c in cols)))
                elif row != before:
                    rest = [c for c in cols if c not in keys]
                    updates.append((*(row[c] for c in rest), self._org_id, *pk))
            where = " AND ".join(f'"{c}" = %s' for c in ("org_id", *keys))
            if deletes:
                self._cur.executemany(f'DELETE FROM "{table}" WHERE {where}', deletes)  # noqa: S608
            if updates:
                rest = [c for c in cols if c not in keys]
                sets = ", ".join(f'"{c}" = %s' for c in rest)
                self._cur.executemany(f'UPDATE "{table}" SET {sets} WHERE {where}', updates)  # noqa: S608
            bulk_insert(self._cur, table, ("org_id", *cols), inserts)
        self._dirty = {}

    def flush(self) -> None:
        """Write what is left of the push (call once, at the end)."""
        self.write()
        self._staged = {}
        self._written = {}
        self._db = {}
        self._covered = {}
        self._queried = {}
