"""Short references for the op ids an LP document cites, resolved in a table at its end.

A full op id (36 characters) in every line crowds a table into microtype no controller can
read. Instead each line cites ``[1]``, ``[2]`` … in the order the document first cites
them, and the "Sources" table at the end lists each reference with its full op id, what
the op recorded and the date it recorded it for — in type a person can read and copy into
the audit trail. The same op cited twice gets the same reference.

The ops are known from the LP's ledger (:func:`ledger_sources`); citing an op id the
ledger does not hold is a :class:`~core.reports.errors.TraceabilityError`, so a document
never prints a reference that resolves to nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from core.reports.errors import TraceabilityError
from core.reports.ledger_values import LpLedger, NavShare

__all__ = ["OP_ID_PATTERN", "OpSource", "References", "ledger_sources"]

OP_ID_PATTERN: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True, slots=True)
class OpSource:
    """A signed op a document cites: what it recorded (``what``) and for which date."""

    op_id: str
    what: str
    on: dt.date


def ledger_sources(ledger: LpLedger, nav: NavShare | None = None) -> dict[str, OpSource]:
    """Every op the LP's documents can cite: commitments, calls (created and issued),
    payments, distributions (created and issued) and the NAV mark, by op id."""
    found: dict[str, OpSource] = {}

    def add(op_id: str | None, what: str, on: dt.date) -> None:
        if op_id:
            found.setdefault(op_id, OpSource(op_id, what, on))

    for c in ledger.commitments:
        add(c.op_id, "Commitment recorded", c.committed_on)
    calls = {c.call_id: c for c in ledger.calls}
    for call in ledger.calls:
        add(call.op_id, f"{call.title} created", call.call_date)
        add(call.issue_op_id, f"{call.title} issued", call.call_date)
    for p in ledger.payments:
        toward = calls[p.call_id].title if p.call_id in calls else "a capital call"
        add(p.op_id, f"Payment received on {toward}", p.paid_on)
    for d in ledger.distributions:
        name = f"Distribution No. {d.number}" if d.number else "Distribution (draft)"
        add(d.op_id, f"{name} created", d.distribution_date)
        add(d.issue_op_id, f"{name} issued", d.distribution_date)
    if nav is not None:
        add(nav.op_id, "Fund net asset value recorded", nav.as_of)
    return found


class References:
    """Numbers the ops a document cites, first cited first: ``[1]``, ``[2]`` …"""

    def __init__(self, sources: Mapping[str, OpSource]) -> None:
        self._sources = sources
        self._numbers: dict[str, int] = {}

    def ref(self, op_id: str) -> str:
        """``[n]`` for ``op_id``; the same op always gets the same number."""
        if op_id not in self._sources:
            raise TraceabilityError(f"op {op_id} is cited but is not in this LP's ledger")
        number = self._numbers.setdefault(op_id, len(self._numbers) + 1)
        return f"[{number}]"

    def cite(self, text: str) -> str:
        """``text`` with every op id in it replaced by its reference."""
        return OP_ID_PATTERN.sub(lambda m: self.ref(m.group(0)), text)

    def cite_all(self, op_ids: Iterable[str]) -> str:
        return ", ".join(self.ref(op_id) for op_id in op_ids)

    def entries(self) -> tuple[tuple[str, OpSource], ...]:
        """Each reference cited so far with its op, in reference order."""
        return tuple((f"[{n}]", self._sources[op_id]) for op_id, n in self._numbers.items())
