"""What an external reader (counsel, lender, LP) may see of an op, shared by the sync
server that serves redacted ops and any client that checks what it received.

Staff who may read the whole organization see every op as it was signed. External roles
see only ops about what :mod:`core.visibility` lets them see (DESIGN §3 rule 5, §4) —
the one definition the read models filter with too. Which kinds of op show it:

- counsel and lenders: the ops of the deals they see (the deal, its approvals), the
  documents they see, and the creation of each fund granted to them;
- an LP: the organization's name (``org.create`` without its founder), its own user, roles
  and LP entitlements, its own LP record and contacts, its own commitments, the ops of the
  funds it is committed to (the fund, its LPA terms, NAV marks as its own share of the
  NAV), the capital calls and distributions in which it has an allocation — carrying only
  its own allocation, never the total, another LP's id, allocation, payment or the list of
  excluded LPs — its own payments, and the documents of those funds the GP shared with their
  LPs (``document.add`` with audience "lps", shown whole).

Drafting is the GP's (DESIGN §4): an LP is shown a call or a distribution as issued. Its
``*.create`` op comes as the bare fact (an empty payload: the op its documents trace the
record to); revisions, deletions and approvals of a draft are not shown; the ``*.issue``
op carries the terms and the LP's own share as issued, read from the projection, where
they no longer change once issued. So a draft revised or deleted after the LP pulled its
creation leaves nothing on the LP's replica, and the issue reads the same whenever pulled.

Whether an LP is shown an op depends only on its own positions, so the number of ops it
receives does not change with the number of other LPs; nor does anything in them. A
redacted op's ``device_seq`` and ``base_version`` are null: the GP's device counts every
op it signs (another LP's commitment too) and a call's version counts every payment on it
(another LP's too), so either would tell an LP how many others there are. A redacted
payload is a valid payload of its kind, or of the kind's ``redacted`` model
(:attr:`core.ops.kinds.KindSpec.redacted`, published as ``<Kind>RedactedPayload``), whose
fields are exactly the ones shown here.

The server re-signs every op it redacts with its own key (``GET /v1/server-key``):
:func:`verify_redacted` checks one. An LP's replica reduces what it is shown into its own
projections (:mod:`core.reducers.lp_view`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from core.ops.envelope import canonical_bytes
from core.ops.payloads.base import Payload
from core.ops.payloads.capital import (
    CapitalCallIssueRedactedPayload,
    DistributionIssueRedactedPayload,
)
from core.ops.signing import DeviceKey, verify_signature
from core.positions import positions_as_of
from core.store.projection import Projection, Row
from core.visibility import Entitlements, Scope, Viewer, entitlements_of

# Viewer, Entitlements and entitlements_of are core.visibility's, named here too for the
# callers that redact.
__all__ = [
    "SERVER_KEY_META",
    "Entitlements",
    "Viewer",
    "entitlements_of",
    "redact",
    "sign_redacted",
    "verify_redacted",
]

DEAL_KINDS: Final = frozenset({"deal.create", "deal.update", "deal.transition", "approval.record"})
# Fund-level ops an LP of the fund sees: the fund, its LPA terms, pay-in details (NAV marks
# too, as its own share).
FUND_KINDS: Final = frozenset({"fund.create", "fund.update", "fund.terms.set", "fund.close"})
# Where a replica keeps the server's public key, which signs every redacted op it holds.
SERVER_KEY_META: Final = "server_public_key"


def _shown_fields(model: type[Payload]) -> tuple[str, ...]:
    """The record's own fields an LP is shown with an issue: its redacted model's, bar
    what is computed for the LP (its ``allocations`` and the explanation)."""
    return tuple(name for name in model.model_fields if name not in ("allocations", "explanation"))


# fund_id, deal_id, currency, basis, call_date, due_date, purpose
CALL_FIELDS: Final = _shown_fields(CapitalCallIssueRedactedPayload)
# fund_id, deal_id, currency, basis, distribution_date, source, recallable,
# offsets_unpaid_calls, terms_version (the last three read from the stored record)
DISTRIBUTION_FIELDS: Final = _shown_fields(DistributionIssueRedactedPayload)
# The allocation columns of a distribution an LP is shown of its own share.
_SHARE_COLUMNS: Final = (
    "carry",
    "return_of_capital",
    "gain",
    "income",
    "withheld",
    "call_offset",
)
# Counters of the author's device and of the entity: null in every redacted op.
COUNTERS: Final = ("device_seq", "base_version")
# A draft's creation is shown as the bare fact; its issue carries the record.
_RECORDS: Final = {
    "capital_call": ("capital_calls", "call_allocations", "call_id"),
    "distribution": ("distributions", "distribution_allocations", "distribution_id"),
}

Op = dict[str, Any]


def redact(store: Projection, viewer: Viewer, ents: Entitlements, op: Op) -> Op | None:
    """``op`` (wire form) as ``viewer`` may see it, or None when it is hidden entirely.

    The result is unsigned (no ``signature``), with ``device_seq`` and ``base_version``
    null, unless the viewer reads everything, in which case ``op`` comes back unchanged
    with its author's signature.
    """
    if viewer.reads_everything:
        return op
    scope = viewer.scope(ents)
    payload = _lp_payload(store, viewer, scope, op)
    if payload is None:
        payload = _deal_payload(store, scope, op)
    if payload is None:
        return None
    shown = {k: v for k, v in op.items() if k != "signature"}
    shown["payload"] = payload
    shown.update(dict.fromkeys(COUNTERS))
    return shown


def _deal_payload(store: Projection, scope: Scope, op: Op) -> dict[str, Any] | None:
    kind, payload = op["kind"], op["payload"]
    if kind in DEAL_KINDS and scope.sees_deal(store, op["entity_id"]):
        return dict(payload)
    if kind == "document.add" and scope.sees_document(
        store, payload.get("deal_id"), payload.get("fund_id"), payload.get("audience", "internal")
    ):
        return dict(payload)
    # A deal reader is shown a granted fund's creation, never its terms or NAV marks.
    if kind == "fund.create" and op["entity_id"] in scope.funds:
        return dict(payload)
    return None


def _own_allocations(
    store: Projection, table: str, key: str, entity_id: str, lps: frozenset[str]
) -> dict[str, Row]:
    found = {}
    for lp_id in sorted(lps):
        row = store.get(table, {key: entity_id, "lp_id": lp_id})
        if row is not None:
            found[lp_id] = row
    return found


def _lp_payload(store: Projection, viewer: Viewer, scope: Scope, op: Op) -> dict[str, Any] | None:
    kind, payload, entity_id = op["kind"], op["payload"], op["entity_id"]
    if not scope.lps:
        return None
    if kind == "org.create":
        return {"name": payload["name"], "base_currency": payload["base_currency"]}
    if kind in ("user.invite", "role.grant", "role.revoke"):
        return dict(payload) if entity_id == viewer.user_id else None
    if kind == "entitlement.grant":
        own = payload.get("user_id") == viewer.user_id and payload.get("scope_type") == "lp"
        return dict(payload) if own and scope.sees_lp(payload.get("scope_id")) else None
    if kind in ("lp.create", "lp.update"):
        return dict(payload) if scope.sees_lp(entity_id) else None
    if kind in ("commitment.create", "capital_call.payment"):
        return dict(payload) if scope.sees_lp(payload.get("lp_id")) else None
    if kind == "commitment.transfer":
        return _transfer(scope, payload)
    if kind in FUND_KINDS or kind == "fund.nav.record":
        if not scope.invests_in(store, entity_id):
            return None
        if kind == "fund.nav.record":
            return _nav_share(store, scope, entity_id, payload)
        shown = dict(payload)
        # The GP commitment is another partner's position: name it only to that partner.
        gp_lp = shown.get("gp_commitment_lp_id")
        if gp_lp is not None and not scope.sees_lp(gp_lp):
            shown.pop("gp_commitment_lp_id")
        return shown
    record, _, action = kind.partition(".")
    if record not in _RECORDS or action not in ("create", "issue"):
        return None  # revisions, deletions and approvals are the GP's drafting
    table, allocations, key = _RECORDS[record]
    row = store.get(table, {key: entity_id})
    own = _own_allocations(store, allocations, key, entity_id, scope.lps)
    if row is None or not own:
        return None  # deleted, or no share of the LP's
    if action == "create":
        return {}
    if row["status"] != "issued":
        return None  # an issue being judged on a draft: the LP may not see drafts
    if record == "capital_call":
        shown = {f: row[f] for f in CALL_FIELDS}
        shown["allocations"] = {lp: str(a["amount"]) for lp, a in own.items()}
        return shown
    return _distribution(store, row, own)


def _transfer(scope: Scope, payload: dict[str, Any]) -> dict[str, Any] | None:
    """A transfer as each side is shown it: its own side, never the other LP."""
    given = (
        {payload["from_lp_id"]: payload["amount"]} if scope.sees_lp(payload["from_lp_id"]) else {}
    )
    received = (
        {payload["to_lp_id"]: payload["amount"]} if scope.sees_lp(payload["to_lp_id"]) else {}
    )
    if not given and not received:
        return None
    return {
        "fund_id": payload["fund_id"],
        "currency": payload["currency"],
        "effective_date": payload["effective_date"],
        "given": given,
        "received": received,
    }


def _distribution(store: Projection, row: Row, own: dict[str, Row]) -> dict[str, Any]:
    """An issued distribution as its LP is shown it: its terms, its own shares with their
    classes and tiers, and the waterfall's lines that are about its LPs alone."""
    dist_id = row["distribution_id"]
    shown = {f: row[f] for f in DISTRIBUTION_FIELDS}
    shares: dict[str, Any] = {}
    names = []
    for lp_id, a in own.items():
        share: dict[str, Any] = {"amount": str(a["amount"])}
        share.update({c: str(a[c]) for c in _SHARE_COLUMNS if a.get(c) is not None})
        tiers = store.rows("distribution_allocation_tiers", {"distribution_id": dist_id})
        share["tiers"] = {t["tier"]: str(t["amount"]) for t in tiers if t["lp_id"] == lp_id}
        shares[lp_id] = share
        lp = store.get("lps", {"lp_id": lp_id})
        if lp is not None:
            # How the waterfall names a partner (core.fund_math.accounts.LpPosition.label).
            names += [f"LP {lp['name']}", f"{lp['name']} (GP commitment)"]
    shown["allocations"] = shares
    lines = sorted(
        store.rows("distribution_explanations", {"distribution_id": dist_id}),
        key=lambda r: int(r["line_no"]),
    )
    shown["explanation"] = [str(r["text"]) for r in lines if _about_only(str(r["text"]), names)]
    return shown


def _about_only(line: str, names: list[str]) -> bool:
    """Whether a waterfall explanation line states the figures of one of the partners
    labelled ``names``: a tier's amount to it, or its portion and carry. The other lines
    state totals (the amount, each tier's total, the GP's share) or another LP's, and are
    never shown to an LP. A label is the LP's name as it is now: the lines of a waterfall
    run before the LP was renamed are not shown to it."""
    for name in names:
        if line.startswith(f"{name}: "):
            return True
        if line.endswith((f" to {name}", f" to {name} (carry-free)")) and ": " in line:
            return True
    return False


def _nav_share(
    store: Projection, scope: Scope, fund_id: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """A NAV mark as the LP's own share of it: the fund's NAV adds every partner's account."""
    on = dt.date.fromisoformat(payload["as_of"])
    positions = positions_as_of(store, fund_id, on)
    shares = {}
    if positions.nav_valuation_id == payload["valuation_id"]:
        for lp_id in sorted(scope.lps):
            held = positions.positions.get(lp_id)
            if held is not None and held.nav_share is not None:
                shares[lp_id] = format(held.nav_share, "f")
    return {
        "valuation_id": payload["valuation_id"],
        "as_of": payload["as_of"],
        "currency": payload["currency"],
        "note": payload.get("note", ""),
        "nav_shares": shares,
    }


def sign_redacted(op: Op, key: DeviceKey) -> Op:
    """``op`` (unsigned) with the server's signature over its canonical bytes."""
    return {**op, "signature": key.sign_bytes(canonical_bytes(op))}


def verify_redacted(op: Op, server_public_key: str) -> bool:
    """True when ``op`` carries a valid signature by the server's redaction key."""
    signature = op.get("signature")
    if not isinstance(signature, str):
        return False
    unsigned = {k: v for k, v in op.items() if k != "signature"}
    try:
        message = canonical_bytes(unsigned)
    except ValueError:
        return False
    return verify_signature(server_public_key, message, signature)
