"""An investor's share of the fund NAV, without tallying every LP's ledger.

The share is :mod:`core.positions`' NAV share, the one the desktop's statements state
(:func:`core.reports.fund_records.lp_nav_share`): the latest NAV mark on or before the
day, split by :func:`core.positions.split_nav` (largest remainder) over the LPs
committed by the mark's date, weighted by what each had paid in by then — by its
commitment while no LP has paid anything; an LP committed by the day but not by the mark
holds none of it, and an LP not committed by the day has no share at all.

The desktop tallies every LP's whole position (each commitment, call, payment and
distribution) to get those weights; a 1,000-LP fund makes that most of a page's time.
Here Postgres sums each LP's commitments and payments up to the mark's date in two
grouped queries, and the split is computed from the sums: the same numbers, so the same
cents. The portal's figures test compares the two for every LP of the demo, on days
before and after marks, with and without payments.

A split cannot change while the organization's log does not grow (the projections are
the log, reduced), so each is also kept in this process by log position, fund and mark:
the pages after the first read the log's head and nothing more. Read in the page's
REPEATABLE READ transaction, the head and the rows are one moment of the log. A server
that has just started, or a log that has just grown, pays the two grouped queries once.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from decimal import Decimal

from sqlalchemy import Connection, Numeric, cast, func, select

from core.positions import split_nav
from core.reports import fund_records
from core.reports.errors import TraceabilityError
from core.reports.ledger_values import NavShare
from core.reports.op_trail import OpLog
from core.store.schema import capital_calls, commitments, funds, payments
from sync_server.server_schema import org_heads

__all__ = ["NavShares"]

_ZERO = Decimal(0)
Mark = tuple[dt.date, str, Decimal]  # as of, valuation id, NAV

# (organization, log position, fund, mark) -> every LP's share; the oldest goes first.
_KEPT: OrderedDict[tuple[str, int, str, Mark], dict[str, Decimal]] = OrderedDict()
_KEPT_LOCK = threading.Lock()
_KEEP = 64


class NavShares:
    """One LP's NAV share in one fund on any day, read in the caller's transaction; each
    mark is split once per instance (one page)."""

    def __init__(self, conn: Connection, org_id: str, fund_id: str, lp_id: str, log: OpLog) -> None:
        self.conn = conn
        self.org_id = org_id
        self.fund_id = fund_id
        self.lp_id = lp_id
        self.log = log
        self._marks: tuple[Mark, ...] | None = None
        self._currency = ""
        self._committed: list[dt.date] | None = None
        self._splits: dict[Mark, dict[str, Decimal]] = {}
        self._ops: dict[str, str] = {}

    def on(self, day: dt.date) -> NavShare | None:
        """What :func:`core.reports.fund_records.lp_nav_share` answers for ``day``."""
        dated = [m for m in self._read_marks() if m[0] <= day]
        if not dated or not self._currency:
            return None
        if not any(on <= day for on in self._lp_commitments()):
            return None
        mark = max(dated)
        split = self._splits.get(mark)
        if split is None:
            split = self._splits[mark] = self._kept_split(mark)
        return NavShare(mark[0], split.get(self.lp_id, _ZERO), self._nav_op(mark[1]))

    def _read_marks(self) -> tuple[Mark, ...]:
        if self._marks is not None:
            return self._marks
        table = fund_records.projection_table(fund_records.VALUATIONS_TABLE)
        if table is None:
            self._marks = ()
            return self._marks
        currency = self.conn.execute(
            select(funds.c.currency).where(
                funds.c.org_id == self.org_id, funds.c.fund_id == self.fund_id
            )
        ).scalar()
        self._currency = "" if currency is None else str(currency)
        self._marks = tuple(
            (dt.date.fromisoformat(as_of), str(valuation_id), Decimal(nav))
            for as_of, valuation_id, nav in self.conn.execute(
                select(table.c.as_of, table.c.valuation_id, table.c.nav).where(
                    table.c.org_id == self.org_id, table.c.fund_id == self.fund_id
                )
            )
        )
        return self._marks

    def _lp_commitments(self) -> list[dt.date]:
        if self._committed is None:
            self._committed = [
                dt.date.fromisoformat(on)
                for (on,) in self.conn.execute(
                    select(commitments.c.committed_on).where(
                        commitments.c.org_id == self.org_id,
                        commitments.c.fund_id == self.fund_id,
                        commitments.c.lp_id == self.lp_id,
                    )
                )
            ]
        return self._committed

    def _kept_split(self, mark: Mark) -> dict[str, Decimal]:
        seq = self.conn.execute(
            select(org_heads.c.last_seq).where(org_heads.c.org_id == self.org_id)
        ).scalar()
        key = (self.org_id, int(seq or 0), self.fund_id, mark)
        with _KEPT_LOCK:
            split = _KEPT.get(key)
            if split is not None:
                _KEPT.move_to_end(key)
                return split
        split = self._split(mark)
        with _KEPT_LOCK:
            _KEPT[key] = split
            while len(_KEPT) > _KEEP:
                _KEPT.popitem(last=False)
        return split

    def _split(self, mark: Mark) -> dict[str, Decimal]:
        """Every LP's share of the NAV of ``mark``: its weights summed by Postgres."""
        org, fund, marked = self.org_id, self.fund_id, mark[0].isoformat()
        committed = {
            lp: Decimal(total)
            for lp, total in self.conn.execute(
                select(commitments.c.lp_id, func.sum(cast(commitments.c.amount, Numeric)))
                .where(
                    commitments.c.org_id == org,
                    commitments.c.fund_id == fund,
                    commitments.c.committed_on <= marked,
                )
                .group_by(commitments.c.lp_id)
            )
        }
        paid = {
            lp: Decimal(total)
            for lp, total in self.conn.execute(
                select(payments.c.lp_id, func.sum(cast(payments.c.amount, Numeric)))
                .join(
                    capital_calls,
                    (capital_calls.c.org_id == payments.c.org_id)
                    & (capital_calls.c.call_id == payments.c.call_id),
                )
                .where(
                    payments.c.org_id == org,
                    capital_calls.c.fund_id == fund,
                    payments.c.paid_on <= marked,
                )
                .group_by(payments.c.lp_id)
            )
        }
        return split_nav(mark[2], paid, committed, self._currency)

    def _nav_op(self, valuation_id: str) -> str:
        """The ``fund.nav.record`` op that recorded the mark, as the desktop traces it."""
        found = self._ops.get(valuation_id)
        if found is not None:
            return found
        c = self.log.table.c
        rows = self.conn.execute(
            select(c.op_id, c.envelope).where(
                c.kind == "fund.nav.record", c.entity_id == self.fund_id, self.log.kept
            )
        )
        for op_id, raw in rows:
            if json.loads(raw)["payload"].get("valuation_id") == valuation_id:
                self._ops[valuation_id] = str(op_id)
                return str(op_id)
        raise TraceabilityError(
            f"no fund.nav.record op in the op log records valuation {valuation_id}"
        )
