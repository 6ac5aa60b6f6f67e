"""Read the LPs' ledgers of one fund: the one place reports touch SQL.

:func:`read_fund_ledger` reads a workspace in one consistent snapshot
(:func:`core.commands.reading.reading`), so a notice never mixes a call from before a sync
with a payment from after it. :func:`read_fund_ledger_at` is the same reading on any
connection to the projection tables — the sync server's, in its own read-only transaction
scoped to one organization — with the op log that connection holds (:class:`OpLog`), so
the server's pages and documents are built from the very values the desktop's are.

When one LP is asked for, only that LP's allocations, payments and contacts are read; the
other LPs' names are read for one purpose only, to drop waterfall explanation lines that
mention them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, select

from core.commands.reading import reading
from core.commands.workspace import Workspace
from core.distribution_classes import offset_payment_id, stored_classes
from core.reports import fund_records
from core.reports.errors import RecordNotFound
from core.reports.ledger_index import lines_for_lp, lp_name
from core.reports.ledger_values import (
    CallEntry,
    CommitmentEntry,
    Contact,
    DistributionEntry,
    FundHeader,
    FundLedger,
    Investor,
    LpLedger,
    PaymentEntry,
    TierAmount,
)
from core.reports.op_trail import REPLICA_OP_LOG, OpLog, OpTrail, read_op_trail
from core.store.schema import (
    call_allocations,
    capital_calls,
    commitments,
    deals,
    distribution_allocations,
    distributions,
    funds,
    lp_contacts,
    lps,
    organizations,
    payments,
)

__all__ = ["read_fund_ledger", "read_fund_ledger_at"]

Row = Mapping[str, Any]
_KINDS = (
    "commitment.create",
    "capital_call.create",
    "capital_call.issue",
    "distribution.create",
    "distribution.issue",
)


def read_fund_ledger(ws: Workspace, fund_id: str, *, lp_id: str | None = None) -> FundLedger:
    """Every LP's ledger in ``fund_id``, or only ``lp_id``'s (which must hold a commitment)."""
    with reading(ws) as conn:
        return read_fund_ledger_at(conn, ws.org_id, fund_id, lp_id=lp_id)


def read_fund_ledger_at(
    conn: Connection,
    org_id: str,
    fund_id: str,
    *,
    lp_id: str | None = None,
    log: OpLog = REPLICA_OP_LOG,
) -> FundLedger:
    """:func:`read_fund_ledger` on ``conn`` (in the caller's transaction), the ops traced in
    ``log``."""
    return _FundReader(conn, org_id, fund_id, log).read(lp_id)


def _day(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)


class _FundReader:
    def __init__(self, conn: Connection, org_id: str, fund_id: str, log: OpLog) -> None:
        self.conn = conn
        self.org_id = org_id
        self.fund_id = fund_id
        self.log = log

    def _rows(self, stmt: Select[Any]) -> list[Row]:
        return [dict(r) for r in self.conn.execute(stmt).mappings()]

    def _by_lp(self, stmt: Select[Any]) -> dict[str, list[Row]]:
        found: dict[str, list[Row]] = defaultdict(list)
        for row in self._rows(stmt):
            found[row["lp_id"]].append(row)
        return found

    def read(self, lp_id: str | None) -> FundLedger:
        fund_row = (
            self.conn.execute(
                select(funds).where(funds.c.org_id == self.org_id, funds.c.fund_id == self.fund_id)
            )
            .mappings()
            .first()
        )
        if fund_row is None:
            raise RecordNotFound(f"no fund {self.fund_id!r} in this organization")
        gp_name = self.conn.execute(
            select(organizations.c.name).where(organizations.c.org_id == self.org_id)
        ).scalar()
        where = (commitments.c.org_id == self.org_id, commitments.c.fund_id == self.fund_id)
        ordered = (commitments.c.committed_on, commitments.c.commitment_id)
        if lp_id is None:
            committed = self._rows(select(commitments).where(*where).order_by(*ordered))
            book = [(c["lp_id"], c["amount"]) for c in committed]
        else:
            # One LP's ledger reads its own commitment rows; of the others, only what the
            # fund's total and the LP's number (the order LPs first committed in) need.
            book = [
                (r[0], r[1])
                for r in self.conn.execute(
                    select(commitments.c.lp_id, commitments.c.amount)
                    .where(*where)
                    .order_by(*ordered)
                ).all()
            ]
            committed = self._rows(
                select(commitments).where(*where, commitments.c.lp_id == lp_id).order_by(*ordered)
            )
        fund = FundHeader(
            fund_id=self.fund_id,
            name=fund_row["name"],
            currency=fund_row["currency"],
            vintage_year=fund_row["vintage_year"],
            gp_name=str(gp_name or ""),
            total_commitments=sum((Decimal(amount) for _, amount in book), Decimal(0)),
        )
        numbers: dict[str, int] = {}
        for lp, _ in book:  # ordered by commitment date, then commitment id
            numbers.setdefault(lp, len(numbers) + 1)
        investors = self._investors(set(numbers), lp_id)
        if lp_id is not None and lp_id not in investors:
            name = lp_name(self.conn, self.org_id, lp_id)
            raise RecordNotFound(f"{name} ({lp_id}) has no commitment to {fund.name}")
        wanted = sorted(
            investors if lp_id is None else [lp_id], key=lambda lp: (investors[lp].name, lp)
        )
        return FundLedger(fund, self._ledgers(fund, committed, numbers, investors, wanted))

    def _investors(self, lp_ids: set[str], only: str | None) -> dict[str, Investor]:
        contacts: dict[str, Contact] = {}
        query = select(lp_contacts).where(lp_contacts.c.org_id == self.org_id)
        if only is not None:  # one LP's ledger states one LP's contact
            query = query.where(lp_contacts.c.lp_id == only)
        for r in self._rows(query.order_by(lp_contacts.c.name, lp_contacts.c.contact_id)):
            contacts.setdefault(r["lp_id"], Contact(r["name"], r["email"], r["phone"], r["title"]))
        query = select(lps).where(lps.c.org_id == self.org_id)
        if only is not None:
            query = query.where(lps.c.lp_id == only)
        return {
            r["lp_id"]: Investor(r["lp_id"], r["name"], r["lp_type"], contacts.get(r["lp_id"]))
            for r in self._rows(query)
            if r["lp_id"] in lp_ids
        }

    def _names(self, lp_ids: set[str]) -> dict[str, str]:
        return {
            r["lp_id"]: r["name"]
            for r in self._rows(select(lps.c.lp_id, lps.c.name).where(lps.c.org_id == self.org_id))
            if r["lp_id"] in lp_ids
        }

    def _with_deal(self, table: Any) -> Select[Any]:
        return (
            select(table, deals.c.name.label("deal_name"))
            .outerjoin(
                deals, (deals.c.org_id == table.c.org_id) & (deals.c.deal_id == table.c.deal_id)
            )
            .where(table.c.org_id == self.org_id, table.c.fund_id == self.fund_id)
        )

    def _ledgers(
        self,
        fund: FundHeader,
        committed: list[Row],
        numbers: dict[str, int],
        investors: dict[str, Investor],
        wanted: list[str],
    ) -> tuple[LpLedger, ...]:
        """The ledgers of ``wanted``: ``committed`` holds at least their commitment rows,
        ``numbers`` every committed LP of the fund, by its LP number."""
        calls = {c["call_id"]: c for c in self._rows(self._with_deal(capital_calls))}
        dists = {d["distribution_id"]: d for d in self._rows(self._with_deal(distributions))}
        allocated = self._by_lp(
            select(call_allocations).where(
                call_allocations.c.org_id == self.org_id,
                call_allocations.c.call_id.in_(list(calls)),
                call_allocations.c.lp_id.in_(wanted),
            )
        )
        paid = self._by_lp(
            select(payments).where(
                payments.c.org_id == self.org_id,
                payments.c.call_id.in_(list(calls)),
                payments.c.lp_id.in_(wanted),
            )
        )
        own = set(wanted)
        trail = read_op_trail(
            self.conn,
            entity_kinds=_KINDS,
            entity_ids=[
                *(c["commitment_id"] for c in committed if c["lp_id"] in own),
                *calls,
                *dists,
            ],
            call_ids=list(calls),
            payment_ids=[p["payment_id"] for rows in paid.values() for p in rows],
            log=self.log,
        )
        shares = self._by_lp(
            select(distribution_allocations).where(
                distribution_allocations.c.org_id == self.org_id,
                distribution_allocations.c.distribution_id.in_(list(dists)),
                distribution_allocations.c.lp_id.in_(wanted),
            )
        )
        explained = fund_records.distribution_explanations(self.conn, self.org_id, list(dists))
        # The other LPs' names serve one purpose: to drop explanation lines naming them.
        names = (
            self._names(set(numbers))
            if explained
            else {lp: investor.name for lp, investor in investors.items()}
        )
        extras = _DistributionExtras(
            tiers=fund_records.distribution_tiers(self.conn, self.org_id, list(dists)),
            explained=explained,
            names=names,
        )
        call_no = _numbers(calls, "call_date", "capital_call.create", trail)
        dist_no = _numbers(dists, "distribution_date", "distribution.create", trail)
        offsetting = [
            (d["distribution_id"], d["distribution_date"], issue)
            for d in dists.values()
            if d.get("offsets_unpaid_calls")
            and (issue := trail.optional("distribution.issue", d["distribution_id"]))
        ]
        return tuple(
            _with_payments(
                LpLedger(
                    fund=fund,
                    investor=investors[lp_id],
                    lp_number=numbers[lp_id],
                    commitments=tuple(
                        CommitmentEntry(
                            c["commitment_id"],
                            Decimal(c["amount"]),
                            _day(c["committed_on"]),
                            trail.created_by("commitment.create", c["commitment_id"]),
                        )
                        for c in committed
                        if c["lp_id"] == lp_id
                    ),
                    calls=tuple(
                        sorted(
                            (
                                _call(calls[a["call_id"]], a, call_no, trail)
                                for a in allocated[lp_id]
                            ),
                            key=lambda e: (e.call_date, trail.position(e.op_id)),
                        )
                    ),
                    payments=tuple(
                        sorted(
                            (_payment(p, trail, offsetting) for p in paid[lp_id]),
                            key=lambda e: (e.paid_on, e.op_id),
                        )
                    ),
                    distributions=tuple(
                        sorted(
                            (
                                _distribution(
                                    dists[a["distribution_id"]], a, dist_no, trail, extras
                                )
                                for a in shares[lp_id]
                            ),
                            key=lambda e: (e.distribution_date, trail.position(e.op_id)),
                        )
                    ),
                )
            )
            for lp_id in wanted
        )


class _DistributionExtras:
    """Waterfall tiers and explanations, when the fund records keep them."""

    def __init__(
        self,
        *,
        tiers: dict[tuple[str, str], tuple[TierAmount, ...]],
        explained: dict[str, tuple[str, ...]],
        names: dict[str, str],
    ) -> None:
        self.tiers = tiers
        self.explained = explained
        self.names = names

    def explanation(self, distribution_id: str, lp_id: str) -> tuple[str, ...]:
        others = (name for other, name in self.names.items() if other != lp_id)
        return lines_for_lp(self.explained.get(distribution_id, ()), others)


def _with_payments(ledger: LpLedger) -> LpLedger:
    """``ledger`` with each call's ``paid`` as the LP's position counts it: every payment
    against the call, the same figure its called not paid and overdue are made of."""
    standing = ledger.position()
    calls = []
    for call in ledger.calls:
        share = standing.call(call.call_id)
        calls.append(replace(call, paid=Decimal(0) if share is None else share.paid))
    return replace(ledger, calls=tuple(calls))


def _numbers(rows: dict[str, Row], date: str, kind: str, trail: OpTrail) -> dict[str, int]:
    """Issued calls (or distributions) numbered 1, 2, … in date order, fund-wide."""
    issued = sorted(
        (key for key, r in rows.items() if r["status"] == "issued"),
        key=lambda key: (rows[key][date], trail.position(trail.optional(kind, key) or "")),
    )
    return {key: n for n, key in enumerate(issued, start=1)}


def _call(call: Row, allocation: Row, numbers: dict[str, int], trail: OpTrail) -> CallEntry:
    return CallEntry(
        call_id=call["call_id"],
        number=numbers.get(call["call_id"]),
        call_date=_day(call["call_date"]),
        due_date=_day(call["due_date"]),
        purpose=call["purpose"],
        status=call["status"],
        deal_name=call["deal_name"],
        fund_amount=Decimal(call["amount"]),
        amount=Decimal(allocation["amount"]),
        paid=Decimal(0),  # set from the LP's position by _with_payments
        op_id=trail.created_by("capital_call.create", call["call_id"]),
        issue_op_id=trail.optional("capital_call.issue", call["call_id"]),
    )


def _payment(row: Row, trail: OpTrail, offsetting: list[tuple[str, str, str]]) -> PaymentEntry:
    """A payment and the op it derives from: its ``capital_call.payment``, or the
    ``distribution.issue`` whose set-off recorded it (dated on the distribution's date)."""
    payment_id = row["payment_id"]
    op_id = next(
        (
            issue
            for dist_id, on, issue in offsetting
            if on == row["paid_on"]
            and offset_payment_id(dist_id, row["call_id"], row["lp_id"]) == payment_id
        ),
        None,
    )
    return PaymentEntry(
        payment_id=payment_id,
        call_id=row["call_id"],
        amount=Decimal(row["amount"]),
        paid_on=_day(row["paid_on"]),
        op_id=op_id or trail.payment(payment_id),
    )


def _distribution(
    dist: Row,
    allocation: Row,
    numbers: dict[str, int],
    trail: OpTrail,
    extras: _DistributionExtras,
) -> DistributionEntry:
    distribution_id = dist["distribution_id"]
    lp_id = allocation["lp_id"]
    return DistributionEntry(
        distribution_id=distribution_id,
        number=numbers.get(distribution_id),
        distribution_date=_day(dist["distribution_date"]),
        source=dist["source"],
        note=dist["note"],
        status=dist["status"],
        deal_name=dist["deal_name"],
        fund_amount=Decimal(dist["amount"]),
        amount=Decimal(allocation["amount"]),
        carry=Decimal(allocation.get("carry") or 0),
        tiers=extras.tiers.get((distribution_id, lp_id), ()),
        explanation=extras.explanation(distribution_id, lp_id),
        op_id=trail.created_by("distribution.create", distribution_id),
        issue_op_id=trail.optional("distribution.issue", distribution_id),
        recallable=bool(dist.get("recallable")),
        offsets_unpaid_calls=bool(dist.get("offsets_unpaid_calls")),
        classes=stored_classes(allocation),
        withheld=Decimal(allocation.get("withheld") or 0),
        call_offset=Decimal(allocation.get("call_offset") or 0),
    )
