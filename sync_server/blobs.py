"""Document files on the server (PROTOCOL "Document blobs"): where they are kept, who may
put one, who may read one, and the audit entry of every attempt.

Each organization has its own folder under the blob directory (``Settings.blob_root``):
``<root>/<org_id>/ab/cdef…``, named by the SHA-256 of the bytes. A file uploaded by one
organization is never served to another, even when the same bytes are stored under both;
the ``blobs`` table (row-level security, migration 0017) records which organization
uploaded which hash, its size and media type.

Who may read a file is :mod:`core.visibility`'s rule, the one that redacts the pull feed:
staff who read the whole organization read any file it uploaded; anyone else reads a file
only when a document they may see names it (counsel its entitled deals' documents, an LP
its funds' documents shared with LPs). Anything else is a 404 — the same as for a hash
nobody uploaded — and, like every read, written to the organization's audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert

from core.documents.intake import MAX_DOCUMENT_BYTES
from core.domain.roles import Action, Role, allowed
from core.store.schema import documents
from core.store.sql_projection import SqlProjection
from core.visibility import Viewer, entitlements_of
from sync_server.database import tenant_tx
from sync_server.org_log import OrgLog
from sync_server.server_keys import ServerKeys
from sync_server.server_schema import blobs
from sync_server.sessions import Caller, roles_of

__all__ = [
    "MAX_BLOB_BYTES",
    "BlobFolder",
    "BlobGrant",
    "audit_refused_upload",
    "may_upload",
    "readable_blob",
    "record_upload",
]

# The largest file an upload may carry: the most a document may be (core.documents).
MAX_BLOB_BYTES: Final = MAX_DOCUMENT_BYTES
_ID_LENGTH: Final = 36


class BlobFolder:
    """The server's document files, one folder per organization."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, org_id: str, sha256: str) -> Path:
        return self.root / org_id / sha256[:2] / sha256[2:]

    def incoming(self, org_id: str) -> Path:
        """A fresh hidden name for an upload in progress, on the same disk as its target."""
        folder = self.root / org_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f".incoming-{uuid.uuid4().hex}"


@dataclass(frozen=True, slots=True)
class BlobGrant:
    """A read the caller may make: the file's size and media type, and the document it is
    read as (None for staff reading a file no document names)."""

    size_bytes: int
    media_type: str
    document_id: str | None


def may_upload(engine: Engine, caller: Caller) -> bool:
    """Whether the caller holds a role that adds documents (DESIGN §4: GP, GP analyst)."""
    with tenant_tx(engine, caller.org_id) as conn:
        roles = frozenset(Role(r) for r in roles_of(conn, caller.user_id))
    return allowed(roles, Action.EDIT_DEAL)


def _audit(
    log: OrgLog, caller: Caller, event: str, detail: str, entity_id: str | None, code: str | None
) -> None:
    log.audit(
        event,
        detail,
        entity_id=entity_id if entity_id and len(entity_id) == _ID_LENGTH else None,
        actor_id=caller.user_id,
        device_id=caller.device_id,
        code=code,
    )


def audit_refused_upload(engine: Engine, keys: ServerKeys, caller: Caller, why: str) -> None:
    """A refused upload is a refused mutation: in the audit log like any other."""
    with tenant_tx(engine, caller.org_id) as conn:
        log = OrgLog(conn, caller.org_id, keys)
        if log.lock():
            _audit(
                log,
                caller,
                "blob.refused",
                f"document file upload refused: {why}",
                None,
                "forbidden",
            )
            log.flush()


def record_upload(
    engine: Engine,
    keys: ServerKeys,
    caller: Caller,
    sha256: str,
    size_bytes: int,
    media_type: str,
) -> bool:
    """Record that the caller's organization holds ``sha256`` (its file already in place);
    True when it is new to the organization."""
    with tenant_tx(engine, caller.org_id) as conn:
        inserted = conn.execute(
            insert(blobs)
            .values(
                org_id=caller.org_id,
                sha256=sha256,
                size_bytes=size_bytes,
                media_type=media_type,
                uploaded_by=caller.user_id,
                stored_at=dt.datetime.now(dt.UTC),
            )
            .on_conflict_do_nothing()
            .returning(blobs.c.sha256)
        ).first()
        if inserted is not None:
            log = OrgLog(conn, caller.org_id, keys)
            if log.lock():
                _audit(
                    log,
                    caller,
                    "blob.stored",
                    f"document file {sha256} stored ({size_bytes} bytes)",
                    None,
                    None,
                )
                log.flush()
    return inserted is not None


def readable_blob(
    engine: Engine, keys: ServerKeys, caller: Caller, sha256: str, what: str
) -> BlobGrant | None:
    """The caller's read of ``sha256`` if they may make it, else None; either way an
    audit entry (``what``: the range read, in words)."""
    with tenant_tx(engine, caller.org_id) as conn:
        stored = conn.execute(
            select(blobs.c.size_bytes, blobs.c.media_type).where(
                blobs.c.org_id == caller.org_id, blobs.c.sha256 == sha256
            )
        ).first()
        grant = None
        if stored is not None:
            viewer = Viewer(
                caller.user_id, frozenset(Role(r) for r in roles_of(conn, caller.user_id))
            )
            store = SqlProjection(conn, caller.org_id)
            named = conn.execute(
                select(
                    documents.c.document_id,
                    documents.c.deal_id,
                    documents.c.fund_id,
                    documents.c.audience,
                    documents.c.media_type,
                )
                .where(documents.c.org_id == caller.org_id, documents.c.sha256 == sha256)
                .order_by(documents.c.document_id)
            ).all()
            if viewer.reads_everything:
                first = named[0] if named else None
                grant = BlobGrant(
                    int(stored.size_bytes),
                    first.media_type if first else str(stored.media_type),
                    first.document_id if first else None,
                )
            else:
                scope = viewer.scope(entitlements_of(store, caller.user_id))
                for doc in named:
                    if scope.sees_document(store, doc.deal_id, doc.fund_id, doc.audience):
                        grant = BlobGrant(int(stored.size_bytes), doc.media_type, doc.document_id)
                        break
        log = OrgLog(conn, caller.org_id, keys)
        if log.lock():
            if grant is None:
                _audit(
                    log,
                    caller,
                    "blob.not_found",
                    f"document file {sha256} asked for and answered 404",
                    None,
                    "not_found",
                )
            else:
                _audit(
                    log,
                    caller,
                    "blob.read",
                    f"document file {sha256} read ({what})",
                    grant.document_id,
                    None,
                )
            log.flush()
        return grant
