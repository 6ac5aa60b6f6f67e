"""A server-signed snapshot of an organization's projection at one ``server_seq``.

A new device of a large organization does not have to replay the whole log before it can
work: the server sends every projection row of the organization as it stood after
``server_seq`` (one consistent read), signed with its published key, and the device loads
them in bulk. The op log up to that point comes alongside and is kept; replaying it
(``dealos verify-history``, the same path as ``dealos rebuild``) later proves the snapshot
equals what the signed ops produce, so trusting the server is only ever provisional.

The document (the value of ``snapshot`` in ``GET /v1/sync/snapshot``)::

    {"format": "dealos-snapshot-v1", "org_id": "…", "server_seq": 100043,
     "tables": [{"name": "organizations", "columns": ["name", …], "rows": [[…], …]}, …]}

``tables`` lists every table of :data:`~core.store.schema.PROJECTION_TABLES` in that order,
``columns`` every column but ``org_id`` in schema order, rows in primary-key order. The
signature is Ed25519 by the server's key (``GET /v1/server-key``) over
``b"dealos-snapshot-v1\\n"`` + the hex SHA-256 of the document's RFC 8785 bytes; the
prefix keeps it from ever being mistaken for an op or a redacted op.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any, Final

import orjson

from core.canonical_json import jcs
from core.errors import DealOSError
from core.ops.signing import DeviceKey, verify_signature
from core.store.schema import PROJECTION_TABLES

__all__ = [
    "SNAPSHOT_FORMAT",
    "SNAPSHOT_TABLES",
    "SnapshotError",
    "SnapshotTable",
    "checked_rows",
    "checked_tables",
    "sign_snapshot",
    "signed_digest",
    "snapshot_digest",
    "verified_snapshot",
    "verify_snapshot",
]

SNAPSHOT_FORMAT: Final = "dealos-snapshot-v1"
# table name → its columns as a snapshot carries them (every column but org_id). Plain
# ``str`` (SQLAlchemy's names are a subclass), so canonical JSON takes its fast path.
SNAPSHOT_TABLES: Final[dict[str, tuple[str, ...]]] = {
    str(t.name): tuple(str(c.name) for c in t.columns if c.name != "org_id")
    for t in PROJECTION_TABLES
}
_PREFIX: Final = SNAPSHOT_FORMAT.encode("ascii") + b"\n"
_SCALARS: Final = frozenset({str, int, bool, type(None)})


class SnapshotError(DealOSError):
    """A snapshot that is not what the protocol says: refused before anything is loaded."""


@dataclass(frozen=True, slots=True)
class SnapshotTable:
    name: str
    columns: tuple[str, ...]
    rows: list[list[Any]]


def snapshot_digest(canonical: bytes) -> str:
    """The hex SHA-256 of the document's canonical bytes: what the signature covers."""
    return hashlib.sha256(canonical).hexdigest()


def _message(canonical: bytes) -> bytes:
    return _PREFIX + snapshot_digest(canonical).encode("ascii")


def signed_digest(digest: str, signature: str, public_key: str) -> bool:
    """True when ``signature`` is the server's over a document whose canonical bytes hash
    to ``digest`` (hex SHA-256): the check of a snapshot hashed as it streamed in."""
    return verify_signature(public_key, _PREFIX + digest.encode("ascii"), signature)


def sign_snapshot(canonical: bytes, key: DeviceKey) -> str:
    """Sign a document given as its RFC 8785 bytes (the server has them already)."""
    return key.sign_bytes(_message(canonical))


def verify_snapshot(snapshot: Mapping[str, Any], signature: Any, public_key: str) -> bool:
    """True when ``signature`` is the server's over this (parsed) document."""
    if not isinstance(signature, str):
        return False
    try:
        message = _message(jcs(dict(snapshot)))
    except ValueError:
        return False
    return verify_signature(public_key, message, signature)


_HEAD: Final = b'{"signature":"'
_MID: Final = b'","snapshot":'


def verified_snapshot(body: bytes, public_key: str) -> dict[str, Any] | None:
    """The document of a ``GET /v1/sync/snapshot`` body if its signature holds, else None.

    The server sends the body as RFC 8785 bytes, so the document's bytes can be hashed as
    they came and parsed only once they are known to be signed; a body laid out otherwise
    is parsed first and canonicalized to check it.
    """
    if body.startswith(_HEAD) and body.endswith(b"}"):
        mid = body.find(_MID, len(_HEAD))
        if mid > 0:
            signature = body[len(_HEAD) : mid].decode("ascii", "replace")
            canonical = body[mid + len(_MID) : -1]
            if verify_signature(public_key, _message(canonical), signature):
                try:
                    document = orjson.loads(canonical)
                except orjson.JSONDecodeError:
                    return None
                return document if isinstance(document, dict) else None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("snapshot"), dict):
        return None
    document = parsed["snapshot"]
    return document if verify_snapshot(document, parsed.get("signature"), public_key) else None


def checked_tables(snapshot: Any, org_id: str) -> tuple[int, list[SnapshotTable]]:
    """The snapshot's ``server_seq`` and tables, after checking their shape against this
    build's schema; :class:`SnapshotError` names the first thing that is wrong."""
    if not isinstance(snapshot, dict):
        raise SnapshotError("the snapshot is not a JSON object")
    if snapshot.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            f"the snapshot's format is {snapshot.get('format')!r}, not {SNAPSHOT_FORMAT}"
        )
    if snapshot.get("org_id") != org_id:
        raise SnapshotError("the snapshot is of another organization")
    seq = snapshot.get("server_seq")
    if type(seq) is not int or seq < 0:
        raise SnapshotError("the snapshot's server_seq is not a non-negative integer")
    tables = snapshot.get("tables")
    if not isinstance(tables, list) or [
        t.get("name") if isinstance(t, dict) else None for t in tables
    ] != list(SNAPSHOT_TABLES):
        raise SnapshotError("the snapshot does not list this build's projection tables in order")
    checked = []
    for table in tables:
        name = table["name"]
        columns = SNAPSHOT_TABLES[name]
        if table.get("columns") != list(columns):
            raise SnapshotError(f"the snapshot's columns of {name} differ from this build's")
        rows = table.get("rows")
        checked.append(SnapshotTable(name, columns, checked_rows(name, rows)))
    return seq, checked


def checked_rows(name: str, rows: Any) -> list[list[Any]]:
    """``rows`` of table ``name`` (all of them, or a batch as they stream in), checked:
    every row a list of the table's width, every value a JSON scalar."""
    if not isinstance(rows, list):
        raise SnapshotError(f"the snapshot's rows of {name} are not a list")
    width = len(SNAPSHOT_TABLES[name])
    # Whole-table checks in C: every row a list of the width, every value a scalar.
    if set(map(type, rows)) - {list} or set(map(len, rows)) - {width}:
        raise SnapshotError(f"a row of {name} in the snapshot is malformed")
    if set(map(type, chain.from_iterable(rows))) - _SCALARS:
        raise SnapshotError(f"a value in {name} in the snapshot is not a JSON scalar")
    return rows
