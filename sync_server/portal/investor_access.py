"""Who is signed in to the portal and what they may open; every refusal in the audit log.

A page is read in one read-only REPEATABLE READ transaction scoped to the session's
organization (row-level security), so a page never mixes two moments of the ledger. What
the signed-in user may see is :mod:`core.visibility`'s one definition: the LP positions
their active entitlements name (an LP user sees its own LPs, never another's).

An id in a URL that the user may not open — another LP's call, another organization's
fund, an id that exists nowhere — is answered by the same 404 page, and each such request
is written to the organization's hash-chained audit log (``portal.not_found``), as the
server records every refused mutation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, Connection, Engine, LargeBinary, func, literal_column

from core.domain.roles import Role
from core.reports.op_trail import OpLog
from core.store.sql_projection import SqlProjection
from core.visibility import Scope, Viewer, entitlements_of
from sync_server.database import set_org, tenant_tx
from sync_server.org_log import OrgLog
from sync_server.server_keys import ServerKeys
from sync_server.server_schema import op_log
from sync_server.sessions import Caller, roles_of

__all__ = [
    "NotSeen",
    "PortalViewer",
    "audit_download",
    "audit_not_found",
    "portal_read",
    "server_op_log",
    "viewer_of",
]

_ID_LENGTH: Final = 36


class NotSeen(Exception):
    """The thing asked for does not exist for this viewer: answered 404, and audited."""

    def __init__(self, what: str, entity_id: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.entity_id = entity_id


@dataclass(frozen=True, slots=True)
class PortalViewer:
    """The signed-in user, their session and the LP positions they may see."""

    caller: Caller
    scope: Scope

    @property
    def org_id(self) -> str:
        return self.caller.org_id

    @property
    def is_investor(self) -> bool:
        return bool(self.scope.lps)

    def require_lp(self, lp_id: str) -> None:
        if not self.scope.sees_lp(lp_id):
            raise NotSeen("an investor account", lp_id)


# The payment id in a payment op's envelope, as server migration 0015 indexes it (for
# capital_call.payment ops only: the kind must be stated as a constant for the planner
# to use that partial index, whatever the statement's parameters).
_PAYMENT_ID = func.dealos_op_payment_id(op_log.c.envelope, type_=LargeBinary)
_PAYMENT_OP = op_log.c.kind == literal_column("'capital_call.payment'")


def _records_payment(payment_ids: list[str]) -> ColumnElement[bool]:
    return _PAYMENT_OP & _PAYMENT_ID.in_([p.encode() for p in payment_ids])


def server_op_log(org_id: str) -> OpLog:
    """The server's op log of ``org_id``, in ``server_seq`` order (only accepted ops are
    ever stored there); every lookup the op trail makes goes by an index."""
    return OpLog(
        op_log,
        op_log.c.server_seq,
        op_log.c.org_id == org_id,
        records_payment=_records_payment,
    )


@contextmanager
def portal_read(engine: Engine, org_id: str) -> Iterator[Connection]:
    with engine.begin() as conn:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        set_org(conn, org_id)
        yield conn


def viewer_of(conn: Connection, caller: Caller) -> PortalViewer:
    roles = frozenset(Role(r) for r in roles_of(conn, caller.user_id))
    ents = entitlements_of(SqlProjection(conn, caller.org_id), caller.user_id)
    return PortalViewer(caller, Viewer(caller.user_id, roles).scope(ents))


def _audit(
    engine: Engine,
    keys: ServerKeys,
    caller: Caller,
    event: str,
    detail: str,
    entity_id: str | None,
    code: str | None,
) -> None:
    with tenant_tx(engine, caller.org_id) as conn:
        log = OrgLog(conn, caller.org_id, keys)
        if not log.lock():
            return
        log.audit(
            event,
            detail,
            entity_id=entity_id if entity_id and len(entity_id) == _ID_LENGTH else None,
            actor_id=caller.user_id,
            code=code,
        )
        log.flush()


def audit_not_found(
    engine: Engine, keys: ServerKeys, caller: Caller, what: str, entity_id: str | None
) -> None:
    """A portal request for something the user may not open, or that does not exist."""
    _audit(
        engine,
        keys,
        caller,
        "portal.not_found",
        f"the investor portal answered 404 to a request for {what}",
        entity_id,
        "not_found",
    )


def audit_download(
    engine: Engine, keys: ServerKeys, caller: Caller, document_id: str, outcome: str
) -> None:
    """A document download asked for by an investor who may see the document."""
    _audit(
        engine,
        keys,
        caller,
        "portal.document",
        f"document download from the investor portal: {outcome}",
        document_id,
        None,
    )
