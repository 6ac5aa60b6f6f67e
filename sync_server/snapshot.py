"""``GET /v1/sync/snapshot``: every projection row of the caller's organization at one
``server_seq``, signed by the server, so a new device loads state instead of replaying it.

One read-only REPEATABLE READ transaction reads the organization's head and every
projection table, so the rows are exactly the state after ``server_seq`` even while pushes
commit (a push holds the head's row lock and writes everything in its own transaction).
Only callers who read the whole organization get a snapshot; external readers (LP,
lender, counsel) see redacted ops, which have no projection to send, and are told to pull.
The format and the signed bytes are in :mod:`core.store.state_snapshot`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Engine, Integer, String, Text

from core.canonical_json import jcs_of_plain
from core.domain.roles import Role
from core.redaction import Viewer
from core.store.schema import metadata
from core.store.state_snapshot import SNAPSHOT_FORMAT, SNAPSHOT_TABLES, sign_snapshot
from sync_server.api_errors import ApiError
from sync_server.database import set_org
from sync_server.server_keys import ServerKeys
from sync_server.sessions import Caller, roles_of

__all__ = ["snapshot"]


def _plain_columns() -> None:
    """The proof :func:`jcs_of_plain` asks for: every column a snapshot reads is text, a
    32-bit integer or a boolean, so no value can be a float or an unsafe integer."""
    for name, columns in SNAPSHOT_TABLES.items():
        for column in columns:
            kind = metadata.tables[name].c[column].type
            if type(kind) not in (String, Text, Integer, Boolean):
                raise TypeError(f"{name}.{column} is {kind!r}: teach the snapshot its JSON")
        if not all(c.isascii() for c in columns):
            raise TypeError(f"a column name of {name} is not ASCII")


_plain_columns()


def _order_by(table: str) -> str:
    keys = [c.name for c in metadata.tables[table].primary_key.columns if c.name != "org_id"]
    return f" ORDER BY {', '.join(chr(34) + k + chr(34) for k in keys)}" if keys else ""


def snapshot(engine: Engine, keys: ServerKeys, caller: Caller) -> bytes:
    """The response body: ``{"signature": …, "snapshot": <RFC 8785 bytes>}``."""
    with engine.begin() as conn:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        set_org(conn, caller.org_id)
        viewer = Viewer(caller.user_id, frozenset(Role(r) for r in roles_of(conn, caller.user_id)))
        if not viewer.reads_everything:
            raise ApiError(
                403,
                "snapshot_unavailable",
                "your role sees a redacted view of this organization; sync it with "
                "GET /v1/sync/pull",
            )
        cur: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cur.execute("SELECT last_seq FROM org_heads WHERE org_id = %s", (caller.org_id,))
        head = cur.fetchone()
        tables = []
        for name, columns in SNAPSHOT_TABLES.items():
            cur.execute(
                f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} "  # noqa: S608
                f'FROM "{name}" WHERE org_id = %s{_order_by(name)}',
                (caller.org_id,),
            )
            tables.append({"name": name, "columns": list(columns), "rows": cur.fetchall()})
    document = {
        "format": SNAPSHOT_FORMAT,
        "org_id": caller.org_id,
        "server_seq": int(head[0]) if head else 0,
        "tables": [{**t, "rows": [list(r) for r in t["rows"]]} for t in tables],
    }
    canonical = jcs_of_plain(document)
    signature = sign_snapshot(canonical, keys.redaction)
    return b'{"signature":"' + signature.encode("ascii") + b'","snapshot":' + canonical + b"}"
