"""The server's own tables, beside the projection tables of :mod:`core.store.schema`.

Tenant tables lead with ``org_id`` (every primary key starts with it) and are guarded by
row-level security (migration 0003): a transaction sees the rows of the organization it
named, nothing else. ``org_invitations`` is guarded the same way by ``attached_org_id``
(an attach code exists before its organization does) and the server's role has no right
on it at all: it reaches it only through two SECURITY DEFINER functions (migration 0007),
so the invited addresses are not readable by it. ``rate_limits`` holds no organization's
data (counters keyed by a hash of an address or an email) and is the one table left
without row-level security.

Whatever must be found before the organization is known (a session by its token, a login
email's accounts, a magic link, an attach code) goes through one of the functions in
:data:`APP_FUNCTIONS`, never through a policy.

Secrets are stored only as SHA-256 (session tokens, magic links, attach codes,
invitations' sign-in codes) or argon2id (passwords); the raw value exists only in the
response or the email that hands it out.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "APPEND_ONLY_TABLES",
    "APP_FUNCTIONS",
    "DEFINER_ONLY_TABLES",
    "GLOBAL_TABLES",
    "TENANT_TABLES",
    "attach_history",
    "blobs",
    "credentials",
    "desktop_sign_ins",
    "device_heads",
    "magic_links",
    "notice_outbox",
    "op_log",
    "org_heads",
    "org_invitations",
    "rate_limits",
    "server_audit",
    "server_metadata",
    "service_accounts",
    "sessions",
]

server_metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    }
)

ID = 36


def _id(name: str, *, primary_key: bool = False, nullable: bool = False) -> Column[str]:
    return Column(name, String(ID, collation="C"), primary_key=primary_key, nullable=nullable)


def _at(name: str, *, nullable: bool = False) -> Column[object]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


# One row per organization, locked FOR UPDATE by every transaction that appends to the op
# log or the audit chain: the source of the gapless server_seq and of the audit head.
org_heads = Table(
    "org_heads",
    server_metadata,
    _id("org_id", primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Column("audit_hash", String(64), nullable=False),
    Column("audit_signature", String(86), nullable=False),
    _at("created_at"),
)

op_log = Table(
    "op_log",
    server_metadata,
    _id("org_id", primary_key=True),
    Column("server_seq", BigInteger, primary_key=True),
    _id("op_id"),
    _id("device_id"),
    Column("device_seq", BigInteger, nullable=False),
    _id("actor_id"),
    Column("kind", String(64), nullable=False),
    _id("entity_id"),
    # RFC 8785 bytes of the whole envelope, signature included: what pull serves verbatim
    # and what a retried push is compared with.
    Column("envelope", LargeBinary, nullable=False),
    _at("accepted_at"),
)
Index("uq_op_log_org_id_op_id", op_log.c.org_id, op_log.c.op_id, unique=True)

device_heads = Table(
    "device_heads",
    server_metadata,
    _id("org_id", primary_key=True),
    _id("device_id", primary_key=True),
    Column("highest_seq", BigInteger, nullable=False),
)

# The server's own member of each organization: an admin user and its device, whose key
# is derived from the server secret and never stored. It signs the device.enroll and
# device.revoke ops that POST/DELETE /v1/devices turn into.
service_accounts = Table(
    "service_accounts",
    server_metadata,
    _id("org_id", primary_key=True),
    _id("user_id"),
    _id("device_id"),
)

credentials = Table(
    "credentials",
    server_metadata,
    _id("org_id", primary_key=True),
    _id("user_id", primary_key=True),
    Column("password_hash", Text, nullable=False),
    _at("updated_at"),
)

sessions = Table(
    "sessions",
    server_metadata,
    _id("org_id", primary_key=True),
    _id("session_id", primary_key=True),
    Column("token_hash", String(64, collation="C"), nullable=False),
    _id("user_id"),
    _id("device_id", nullable=True),
    Column("method", String(16), nullable=False),
    _at("created_at"),
    _at("expires_at"),
    _at("revoked_at", nullable=True),
)
# Unique within an organization (DESIGN §8); the hash alone finds a token at sign-in.
Index("uq_sessions_token_hash", sessions.c.org_id, sessions.c.token_hash, unique=True)
Index("ix_sessions_token_hash", sessions.c.token_hash)
Index("ix_sessions_user_id", sessions.c.org_id, sessions.c.user_id)

magic_links = Table(
    "magic_links",
    server_metadata,
    _id("org_id", primary_key=True),
    _id("link_id", primary_key=True),
    Column("token_hash", String(64, collation="C"), nullable=False),
    _id("user_id"),
    _at("created_at"),
    _at("expires_at"),
    _at("used_at", nullable=True),
)
Index("uq_magic_links_token_hash", magic_links.c.org_id, magic_links.c.token_hash, unique=True)
Index("ix_magic_links_token_hash", magic_links.c.token_hash)

server_audit = Table(
    "server_audit",
    server_metadata,
    _id("org_id", primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("at", String(40), nullable=False),
    Column("event", String(40), nullable=False),
    _id("op_id", nullable=True),
    Column("kind", String(64), nullable=True),
    _id("entity_id", nullable=True),
    _id("actor_id", nullable=True),
    _id("device_id", nullable=True),
    Column("code", String(40), nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# The history of an organization being attached from offline, as its founder uploads it
# (POST /v1/orgs/attach/history): held here, applied by nothing, until the last part
# arrives and the whole of it is judged and applied in one transaction, then deleted.
attach_history = Table(
    "attach_history",
    server_metadata,
    _id("org_id", primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("envelope", Text, nullable=False),
)

# Notices by email (migration 0013; sync_server/notifications): one row per notice, LP
# and recipient, queued in the transaction that accepts the issue op and claimed by the
# sender in a committed transaction of its own before it talks to the mail server.
notice_outbox = Table(
    "notice_outbox",
    server_metadata,
    _id("org_id", primary_key=True),
    _id("outbox_id", primary_key=True),
    Column("notice_kind", String(16), nullable=False),
    _id("notice_id"),
    _id("op_id"),
    _id("lp_id", nullable=True),  # null for an invitation (migration 0014), only then
    Column("recipient", String(320), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    _at("next_attempt_at"),
    _id("attempt_id", nullable=True),
    _at("lease_until", nullable=True),
    _at("handed_over_at", nullable=True),
    Column("last_error", Text, nullable=True),
    _at("queued_at"),
    _at("sent_at", nullable=True),
    # A staff invitation's one-time sign-in code (migration 0014): its SHA-256 only.
    Column("code_hash", String(64, collation="C"), nullable=True),
    _at("code_expires_at", nullable=True),
    _at("code_used_at", nullable=True),
)

# An LP's desktop waiting for its emailed approval (migration 0016): hashes only.
desktop_sign_ins = Table(
    "desktop_sign_ins",
    server_metadata,
    _id("org_id", primary_key=True),
    _id("request_id", primary_key=True),
    _id("user_id"),
    Column("poll_hash", String(64, collation="C"), nullable=False),
    Column("approve_hash", String(64, collation="C"), nullable=False),
    Column("device_name", String(200), nullable=False),
    _at("created_at"),
    _at("expires_at"),
    _at("approved_at", nullable=True),
    _at("denied_at", nullable=True),
    _at("collected_at", nullable=True),
)
Index("ix_desktop_sign_ins_request", desktop_sign_ins.c.request_id)

# Document files the organization uploaded (PUT /v1/blobs/{sha256}; sync_server/blobs.py):
# the bytes are a file under the organization's own folder, named by their SHA-256.
blobs = Table(
    "blobs",
    server_metadata,
    _id("org_id", primary_key=True),
    Column("sha256", String(64, collation="C"), primary_key=True),
    Column("size_bytes", BigInteger, nullable=False),
    Column("media_type", String(100), nullable=False),
    _id("uploaded_by"),
    _at("stored_at"),
)

rate_limits = Table(
    "rate_limits",
    server_metadata,
    Column("bucket", String(64, collation="C"), primary_key=True),
    _at("window_start"),
    Column("hits", BigInteger, nullable=False),
)

org_invitations = Table(
    "org_invitations",
    server_metadata,
    Column("code_hash", String(64, collation="C"), primary_key=True),
    Column("email", String(320), nullable=False),
    _at("created_at"),
    _at("expires_at"),
    _at("used_at", nullable=True),
    _id("attached_org_id", nullable=True),
)

TENANT_TABLES: Final = (
    org_heads,
    op_log,
    device_heads,
    service_accounts,
    credentials,
    sessions,
    magic_links,
    server_audit,
    attach_history,
    notice_outbox,
    desktop_sign_ins,
    blobs,
)
# Row-level security like the tenant tables, and no right for the server's role: only the
# functions below read or change it.
DEFINER_ONLY_TABLES: Final = (org_invitations,)
# Hold no organization's data: the only tables without row-level security.
GLOBAL_TABLES: Final = (rate_limits,)
# The SECURITY DEFINER functions the server's role may EXECUTE (and no one else).
APP_FUNCTIONS: Final = (
    "dealos_refresh_statistics()",
    "dealos_session_for_token(text)",
    "dealos_accounts_for_email(text)",
    "dealos_redeem_magic_link(text)",
    "dealos_open_invitation(text, text)",
    "dealos_spend_invitation(text, text)",
    "dealos_notice_orgs_due()",
    "dealos_redeem_sign_in_code(text, text)",
    "dealos_desktop_sign_in(text)",
    "dealos_decide_desktop_sign_in(text, text, boolean)",
    "dealos_collect_desktop_sign_in(text, text)",
)
# The app role may read and append to these, never change or delete a row.
APPEND_ONLY_TABLES: Final = frozenset({"op_log", "server_audit"})
