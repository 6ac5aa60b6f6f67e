"""The desktop's SQLite file: WAL mode, migrated by Alembic on open, one org per file."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from core.errors import StoreError
from core.store.local_schema import local_meta

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["BUSY_TIMEOUT_MS", "DB_FILENAME", "REPLICATION_ON", "LocalStore"]

DB_FILENAME = "dealos.db"
_MIGRATIONS = Path(__file__).with_name("migrations")


def _alembic_config(conn: Connection | None = None) -> Config:
    from alembic.config import Config  # Alembic loads only when a store needs migrating

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@functools.cache
def _head() -> str | None:
    """The newest revision this code knows (read from the migration scripts once)."""
    # The migrations are one line, each file named by its revision ("0010_….py" is
    # revision "0010", down from "0009"), so the newest is the highest name: read without
    # Alembic, which every command would otherwise load to open a store already current
    # (tests/core/test_local_store_head.py holds this equal to Alembic's own head).
    names = sorted(p.name.split("_", 1)[0] for p in (_MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    return names[-1] if names else None


def _current_revision(conn: Connection) -> str | None:
    """The store's revision as Alembic recorded it; None for a store never migrated."""
    exists = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
    ).first()
    if exists is None:
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return None if row is None else str(row[0])


BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another before giving up

# "1" while the store is replicated by Litestream (core.operations.replication). Litestream
# must then be the only process that checkpoints the WAL: it copies each WAL frame to the
# replica before it folds the frames into the database file, and an application checkpoint
# racing it makes it fall back to a full snapshot. SQLite's automatic checkpoint (every
# 1,000 pages by default) is switched off for such a store; Litestream checkpoints instead.
REPLICATION_ON = "replication.on"


@dataclass
class _Pragmas:
    busy_timeout_ms: int
    autocheckpoint: int | None = None  # None: SQLite's default; 0: never, Litestream does it


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any, *, pragmas: _Pragmas) -> None:
    # Autocommit at the driver level; SQLAlchemy issues BEGIN itself (see _on_begin), so a
    # transaction really starts at BEGIN IMMEDIATE and two writers never deadlock.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(pragmas.busy_timeout_ms)}")
    if pragmas.autocheckpoint is not None:
        cur.execute(f"PRAGMA wal_autocheckpoint={int(pragmas.autocheckpoint)}")
    cur.close()


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class LocalStore:
    """One organization's SQLite store under a data folder."""

    def __init__(self, data_dir: Path, engine: Engine) -> None:
        self.data_dir = data_dir
        self.engine = engine

    @property
    def path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @classmethod
    def open(
        cls, data_dir: Path, *, create: bool = False, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> LocalStore:
        """Open (and migrate) the store; ``create`` makes a new one where none exists.
        A write that waits ``busy_timeout_ms`` for another raises a "busy" ``StoreError``."""
        path = data_dir / DB_FILENAME
        if not path.exists() and not create:
            raise StoreError(f"no Deal OS store in {data_dir}: run `dealos init` or `dealos demo`")
        if path.exists() and create:
            raise StoreError(f"{data_dir} already holds a Deal OS store")
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}")
        pragmas = _Pragmas(busy_timeout_ms)
        event.listen(engine, "connect", functools.partial(_on_connect, pragmas=pragmas))
        event.listen(engine, "begin", _on_begin)
        store = cls(data_dir, engine)
        store.migrate()
        with engine.connect() as conn:
            replicated = store.meta(conn, REPLICATION_ON) == "1"
        if replicated:
            pragmas.autocheckpoint = 0
            engine.dispose()  # connections opened so far still checkpoint by themselves
        return store

    def migrate(self) -> None:
        with self.engine.begin() as conn:
            # A store already at the newest revision (every open but the first after an
            # upgrade) skips Alembic, whose every run loads and compiles each migration.
            if _current_revision(conn) == _head():
                return
            from alembic import command

            command.upgrade(_alembic_config(conn), "head")

    def schema_revision(self) -> tuple[str | None, str | None]:
        """(the store's revision, the newest this code knows)."""
        with self.engine.connect() as conn:
            current = _current_revision(conn)
        return current, _head()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: it holds the store's write lock from its start, so a
        writer that waited too long for it fails before writing anything."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            if "locked" not in str(exc.orig):
                raise
            raise StoreError(
                "the local store is busy: another write (a sync round, a repair) held it "
                "too long; nothing was written, try again in a moment"
            ) from exc

    @contextmanager
    def trial(self) -> Iterator[Connection]:
        """A write transaction that always rolls back: what a change would do, undone."""
        with self.engine.connect() as conn:
            outer = conn.begin()
            try:
                yield conn
            finally:
                outer.rollback()

    def meta(self, conn: Connection, key: str) -> str | None:
        return conn.execute(select(local_meta.c.value).where(local_meta.c.key == key)).scalar()

    def set_meta(self, conn: Connection, key: str, value: str) -> None:
        stmt = sqlite_insert(local_meta).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def close(self) -> None:
        self.engine.dispose()
