"""A stage gate's checklist: for each stage a deal may move to next, whether the move
would go through now, and if not, what is missing — asked of the lifecycle reducer itself
(:meth:`Workspace.dry_run`), so the checklist and the move can never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from core.commands.workspace import DryRun, Workspace
from core.domain.lifecycle import STAGE_LABELS, Stage, allowed_targets
from core.ops.payloads.deals import DealTransitionPayload
from core.views.capital_view import list_funds

__all__ = ["GateCheck", "gate_checklist"]


@dataclass(frozen=True, slots=True)
class GateCheck:
    """One next stage: ready to move, or the reducer's words for what stands in the way."""

    target: str
    label: str
    missing: str | None

    @property
    def ready(self) -> bool:
        return self.missing is None

    @property
    def line(self) -> str:
        """``Screening: ready`` or ``Approved: needs an approving IC vote …``."""
        return f"{self.label}: {'ready' if self.missing is None else self.missing}"


def gate_checklist(
    ws: Workspace, *, deal_id: str, stage: str, version: int, fund_id: str | None = None
) -> tuple[GateCheck, ...]:
    """Each stage ``stage`` allows next, dry-run as this user would move the deal there.
    Closing into a fund is tried with the deal's fund; without one it names the choice."""
    checks = []
    for target in allowed_targets(Stage(stage)):
        label = STAGE_LABELS.get(target.value, target.value)
        into: dict[str, str] = {}
        if target is Stage.CLOSED:
            # Tried with the deal's fund, else with the first fund: the gate's other
            # conditions (counsel's sign-off) are what the GP needs to see.
            fund = fund_id or next((f.fund_id for f in list_funds(ws)), None)
            if fund is None:
                checks.append(GateCheck(target.value, label, "there is no fund to close into"))
                continue
            into = {"fund_id": fund}
        trial: DryRun[None] = ws.dry_run(
            DealTransitionPayload(to=target, **into), entity_id=deal_id, base_version=version
        )
        missing = None if trial.refusal is None else trial.refusal.message
        checks.append(GateCheck(target.value, label, missing))
    return tuple(checks)
