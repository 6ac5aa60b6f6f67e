"""Tables only the desktop's store has: its op log, outbox, conflicts inbox, audit chain.

None of these is a projection: the state digest ignores them and ``dealos rebuild``
leaves them as they are (the op log is what rebuild replays).
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, Text

__all__ = [
    "audit_head",
    "audit_log",
    "blob_transfers",
    "conflicts",
    "extraction_queue",
    "extraction_results",
    "local_meta",
    "local_metadata",
    "op_log",
    "outbox",
]

local_metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    }
)

local_meta = Table(
    "local_meta",
    local_metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Every op this replica holds, signed as received or authored. ``status``: pending (authored
# here, not yet confirmed by the server), confirmed (has a server_seq), rejected (refused by
# the server; its effects were rolled back and it waits in the conflicts inbox).
op_log = Table(
    "op_log",
    local_metadata,
    Column("local_seq", Integer, primary_key=True, autoincrement=True),
    Column("op_id", String(36), nullable=False, unique=True),
    Column("server_seq", Integer, nullable=True, unique=True),
    Column("kind", String(64), nullable=False, index=True),
    Column("entity_id", String(36), nullable=False, index=True),
    Column("actor_id", String(36), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("device_seq", Integer, nullable=False),
    Column("issued_at", String(40), nullable=False),
    Column("envelope", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
)

outbox = Table(
    "outbox",
    local_metadata,
    Column("op_id", String(36), primary_key=True),
    Column("local_seq", Integer, nullable=False, unique=True),
)

conflicts = Table(
    "conflicts",
    local_metadata,
    Column("op_id", String(36), primary_key=True),
    Column("code", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("details", Text, nullable=False),
    Column("server_value", Text, nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("resolution", String(16), nullable=True),
    Column("resolution_note", Text, nullable=True),
    Column("resolved_at", String(40), nullable=True),
)

audit_log = Table(
    "audit_log",
    local_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("event", String(32), nullable=False),
    Column("op_id", String(36), nullable=True),
    Column("kind", String(64), nullable=True),
    Column("entity_id", String(36), nullable=True),
    Column("actor_id", String(36), nullable=True),
    Column("device_id", String(36), nullable=True),
    Column("code", String(32), nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# The chain's head, signed with the device key (kept in the keyring, not in this file), so
# cutting entries off the end is detected even when the rows left are a valid chain.
audit_head = Table(
    "audit_head",
    local_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
)

# Document files and the server (core.sync.blobs): one row per file this replica has sent
# or fetched, or failed to. ``on_server``: the server is known to hold it (it answered an
# upload, or the file came from it); ``problem``: the last failure, in words, retried at
# the next sync.
blob_transfers = Table(
    "blob_transfers",
    local_metadata,
    Column("sha256", String(64), primary_key=True),
    Column("on_server", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("problem", Text, nullable=True),
    # When a file the server did not have (or refused) is asked for again: the wait doubles
    # with each refusal (core.sync.blobs), so a sync never asks for it every round.
    Column("next_try_at", String(40), nullable=True),
)

# AI extraction of deal terms (core.extraction): each answer kept by the document's hash,
# the model and the prompt's version (a draft: never the deal's own values until a person
# accepts them), and the documents waiting for the endpoint (offline, or its breaker open).
extraction_results = Table(
    "extraction_results",
    local_metadata,
    Column("sha256", String(64), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("prompt_version", String(16), primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("proposals", Text, nullable=False),
)

extraction_queue = Table(
    "extraction_queue",
    local_metadata,
    Column("document_id", String(36), primary_key=True),
    Column("queued_at", String(40), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("problem", Text, nullable=True),
)
