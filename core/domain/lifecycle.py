"""The deal lifecycle as an explicit state machine, with its authority gates.

draft → screening → underwriting → ic_review → approved → closing → closed → exited,
``dead`` from any open stage, and IC may send a deal back from ic_review to underwriting.
Who may take each step, and what must be on record first, is stated here once; the
reducer for ``deal.transition`` and the desktop's "why can't I move this" both ask
:func:`transition_rule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from core.domain.roles import Action

__all__ = [
    "OPEN_STAGES",
    "STAGE_LABELS",
    "STAGE_ORDER",
    "Requirement",
    "Stage",
    "TransitionRule",
    "allowed_targets",
    "transition_rule",
]


class Stage(StrEnum):
    DRAFT = "draft"
    SCREENING = "screening"
    UNDERWRITING = "underwriting"
    IC_REVIEW = "ic_review"
    APPROVED = "approved"
    CLOSING = "closing"
    CLOSED = "closed"
    EXITED = "exited"
    DEAD = "dead"


# What a person reads for each stage.
STAGE_LABELS: Final[dict[str, str]] = {
    "draft": "Draft",
    "screening": "Screening",
    "underwriting": "Underwriting",
    "ic_review": "IC review",
    "approved": "Approved",
    "closing": "Closing",
    "closed": "Closed",
    "exited": "Exited",
    "dead": "Dead",
}

STAGE_ORDER: Final = (
    Stage.DRAFT,
    Stage.SCREENING,
    Stage.UNDERWRITING,
    Stage.IC_REVIEW,
    Stage.APPROVED,
    Stage.CLOSING,
    Stage.CLOSED,
    Stage.EXITED,
    Stage.DEAD,
)

OPEN_STAGES: Final = frozenset(
    {
        Stage.DRAFT,
        Stage.SCREENING,
        Stage.UNDERWRITING,
        Stage.IC_REVIEW,
        Stage.APPROVED,
        Stage.CLOSING,
    }
)


class Requirement(StrEnum):
    """What must be on record before a step is allowed."""

    IC_APPROVAL = "ic_approval"  # an IC vote "approve" recorded by a GP
    COUNSEL_SIGNOFF = "counsel_signoff"  # a legal sign-off "approve" recorded by counsel
    FUND_ASSIGNED = "fund_assigned"  # a closed deal belongs to a fund


@dataclass(frozen=True, slots=True)
class TransitionRule:
    source: Stage
    target: Stage
    action: Action
    requires: tuple[Requirement, ...] = ()


def _rules() -> dict[tuple[Stage, Stage], TransitionRule]:
    advance = Action.ADVANCE_TO_IC
    decide = Action.DECIDE_DEAL
    rules = [
        TransitionRule(Stage.DRAFT, Stage.SCREENING, advance),
        TransitionRule(Stage.SCREENING, Stage.UNDERWRITING, advance),
        TransitionRule(Stage.UNDERWRITING, Stage.IC_REVIEW, advance),
        TransitionRule(Stage.IC_REVIEW, Stage.UNDERWRITING, decide),
        TransitionRule(Stage.IC_REVIEW, Stage.APPROVED, decide, (Requirement.IC_APPROVAL,)),
        TransitionRule(Stage.APPROVED, Stage.CLOSING, decide),
        TransitionRule(
            Stage.CLOSING,
            Stage.CLOSED,
            decide,
            (Requirement.COUNSEL_SIGNOFF, Requirement.FUND_ASSIGNED),
        ),
        TransitionRule(Stage.CLOSED, Stage.EXITED, decide),
    ]
    rules += [
        TransitionRule(stage, Stage.DEAD, decide) for stage in STAGE_ORDER if stage in OPEN_STAGES
    ]
    return {(r.source, r.target): r for r in rules}


_RULES: Final = _rules()


def transition_rule(source: Stage, target: Stage) -> TransitionRule | None:
    """The rule for moving ``source`` → ``target``, or None when the move does not exist."""
    return _RULES.get((source, target))


def allowed_targets(source: Stage) -> tuple[Stage, ...]:
    """Stages reachable from ``source`` in one step, in lifecycle order."""
    return tuple(t for t in STAGE_ORDER if (source, t) in _RULES)
