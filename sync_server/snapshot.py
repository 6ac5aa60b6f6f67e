"""``GET /v1/sync/snapshot``: every projection row of the caller's organization at one
``server_seq``, signed by the server, so a new device loads state instead of replaying it.

One read-only REPEATABLE READ transaction reads the organization's head and every
projection table, so the rows are exactly the state after ``server_seq`` even while pushes
commit (a push holds the head's row lock and writes everything in its own transaction).
Only callers who read the whole organization get a snapshot; external readers (LP,
lender, counsel) see redacted ops, which have no projection to send, and are told to pull.
The format and the signed bytes are in :mod:`core.store.state_snapshot`; the body is a
:class:`core.sync.messages.SnapshotBody`, written as bytes with the model's key names.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import BigInteger, Boolean, Engine, Integer, String, Text

from core.canonical_json import jcs_of_plain
from core.domain.roles import Role
from core.redaction import Viewer
from core.store.schema import metadata
from core.store.state_snapshot import SNAPSHOT_TABLES, sign_snapshot
from core.sync.messages import SnapshotBody, SnapshotDocument, SnapshotTableRows
from sync_server.api_errors import ApiError
from sync_server.database import set_org
from sync_server.replies import object_template
from sync_server.server_keys import ServerKeys
from sync_server.sessions import Caller, roles_of

__all__ = ["snapshot"]


# document.add's payload caps size_bytes at 10 GiB, far below 2**53.
_CAPPED_BIGINTS = frozenset({("documents", "size_bytes")})


def _plain_columns() -> None:
    """Why ``to_json`` output is RFC 8785 (see :func:`_rows_sql`): every column a snapshot
    reads is text, a 32-bit integer, a boolean or a 64-bit integer its op caps below 2**53,
    so no value is a float or an integer JCS would print otherwise; and every column name
    is ASCII."""
    for name, columns in SNAPSHOT_TABLES.items():
        for column in columns:
            kind = metadata.tables[name].c[column].type
            if type(kind) is BigInteger and (name, column) in _CAPPED_BIGINTS:
                continue
            if type(kind) not in (String, Text, Integer, Boolean):
                raise TypeError(f"{name}.{column} is {kind!r}: teach the snapshot its JSON")
        if not all(c.isascii() for c in columns):
            raise TypeError(f"a column name of {name} is not ASCII")


_plain_columns()


def _rows_sql(table: str, columns: tuple[str, ...]) -> str:
    """One query that has Postgres write a table's rows as RFC 8785 text itself.

    ``to_json`` of a text, integer or boolean is exactly its JCS form (the same escapes:
    ``\\b \\f \\n \\r \\t \\" \\\\``, other control characters as lowercase
    ``\\u00xx``, everything else as UTF-8), so the rows arrive as one string per table
    instead of a Python object per value.
    """
    values = ", ".join(f"coalesce(to_json(\"{c}\")::text, 'null')" for c in columns)
    keys = [c.name for c in metadata.tables[table].primary_key.columns if c.name != "org_id"]
    order = f" ORDER BY {', '.join(f'{chr(34)}{k}{chr(34)}' for k in keys)}" if keys else ""
    return (
        f"SELECT coalesce(string_agg('[' || concat_ws(',', {values}) || ']', ','{order}), '') "  # noqa: S608
        f'FROM "{table}" WHERE org_id = %s'
    )


_ROWS_SQL: Final = {name: _rows_sql(name, columns) for name, columns in SNAPSHOT_TABLES.items()}
# RFC 8785 bytes (keys sorted) from the models' field names; the body's layout, signature
# first, is what lets a client check the document's bytes before parsing them.
_TABLE: Final = object_template(
    SnapshotTableRows, canonical=True, columns=b"%s", name=b"%s", rows=b"[%s]"
)
_DOCUMENT: Final = object_template(
    SnapshotDocument, canonical=True, org_id=b"%s", server_seq=b"%d", tables=b"[%s]"
)
_BODY: Final = object_template(SnapshotBody, canonical=True, signature=b'"%s"', snapshot=b"%s")


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
            cur.execute(_ROWS_SQL[name], (caller.org_id,))
            rows = cur.fetchone()[0].encode("utf-8")
            tables.append(_TABLE % (jcs_of_plain(list(columns)), jcs_of_plain(name), rows))
    canonical = _DOCUMENT % (
        jcs_of_plain(caller.org_id),
        int(head[0]) if head else 0,
        b",".join(tables),
    )
    signature = sign_snapshot(canonical, keys.redaction)
    return _BODY % (signature.encode("ascii"), canonical)
