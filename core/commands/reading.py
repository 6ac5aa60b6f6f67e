"""Read-only snapshots of the local store, for views that must never wait on a writer.

Every :meth:`LocalStore.transaction` starts with ``BEGIN IMMEDIATE``: right for writers,
who must not deadlock, but a reader taking it would queue behind a sync applying a page
of ops and freeze whatever window asked. Views read through :func:`reading` instead: a
second engine on the same file whose transactions are deferred and ``query_only``, so in
WAL mode they see the last committed state at once, however long a writer holds its lock.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from core.commands.workspace import Workspace

__all__ = ["close_reading", "reading"]

_ENGINES: weakref.WeakKeyDictionary[Workspace, Engine] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _on_begin(conn: Connection) -> None:
    # Deferred: a snapshot taken at the first read, never a lock a writer waits for.
    conn.exec_driver_sql("BEGIN")


def _engine(ws: Workspace) -> Engine:
    with _LOCK:
        engine = _ENGINES.get(ws)
        if engine is None:
            engine = create_engine(f"sqlite:///{ws.store.path}", pool_size=4, max_overflow=4)
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _on_begin)
            _ENGINES[ws] = engine
        return engine


@contextmanager
def reading(ws: Workspace) -> Iterator[Connection]:
    """A consistent, read-only view of ``ws``'s store for the length of the block."""
    with _engine(ws).connect() as conn, conn.begin():
        yield conn


def close_reading(ws: Workspace) -> None:
    """Release the read connections of ``ws`` (call before closing the workspace)."""
    with _LOCK:
        engine = _ENGINES.pop(ws, None)
    if engine is not None:
        engine.dispose()
