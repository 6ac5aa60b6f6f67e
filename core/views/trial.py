"""What a draft would allocate, asked of the reducers themselves.

A wizard's preview is the op it would sign, applied with :meth:`Workspace.dry_run` and
rolled back: the shares are the rows the reducer wrote, the problem is the reducer's own
refusal. No rule of a call or a distribution — the ceiling of commitments, the split
rule, the waterfall — is restated here, so the preview and the op cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Table, select

from core.commands.workspace import OpResult, Workspace
from core.ops.payloads.base import Payload

__all__ = ["TrialSplit", "trial_split"]


@dataclass(frozen=True, slots=True)
class TrialSplit:
    """Each LP's share the draft would get (empty if refused), or why it is refused."""

    shares: dict[str, Decimal]
    problem: str | None


def trial_split(
    ws: Workspace,
    command: Payload,
    allocations: Table,
    *,
    entity_id: str | None = None,
    base_version: int | None = None,
) -> TrialSplit:
    """Dry-run ``command`` (a new draft, or a revision of ``entity_id`` at
    ``base_version``) and read the allocation rows it wrote to ``allocations``."""

    def shares(conn: Connection, result: OpResult) -> dict[str, Decimal]:
        parent = "call_id" if "call_id" in allocations.c else "distribution_id"
        rows = conn.execute(
            select(allocations.c.lp_id, allocations.c.amount).where(
                allocations.c.org_id == ws.org_id, allocations.c[parent] == result.entity_id
            )
        )
        return {lp: Decimal(amount) for lp, amount in rows}

    trial = ws.dry_run(command, entity_id=entity_id, base_version=base_version, inspect=shares)
    if trial.refusal is not None:
        return TrialSplit({}, trial.refusal.message)
    return TrialSplit(trial.seen or {}, None)
