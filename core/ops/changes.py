"""What an op changes, in the words the screens redraw by: areas of the organization.

Each kind declares the areas it touches in the registry (:mod:`core.ops.kinds`);
:func:`core.reducers.apply.apply_op` returns them with the op, and a view subscribes to
the areas it shows — never to the spelling of kind names. A new kind touching calls
redraws every view of calls because it says so, not because its name starts like theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = ["Area", "OpChanges"]


class Area(StrEnum):
    """A part of the organization's state one or more screens show."""

    ORGANIZATION = "organization"  # the org itself
    PEOPLE = "people"  # users, their roles, devices, entitlements
    FUNDS = "funds"  # a fund's name, currency, notices' instructions, four-eyes
    TERMS = "terms"  # LPA terms (the waterfall)
    NAV = "nav"  # net asset value marks
    DEALS = "deals"  # a deal's stage, fields and approvals
    DOCUMENTS = "documents"  # documents attached to deals and funds
    INVESTORS = "investors"  # LPs and their contacts
    COMMITMENTS = "commitments"  # what each LP committed to each fund
    CALLS = "calls"  # capital calls, their allocations and payments
    DISTRIBUTIONS = "distributions"  # distributions and their allocations


class _Applied(Protocol):
    @property
    def entity_id(self) -> str: ...
    @property
    def areas(self) -> frozenset[Area]: ...


@dataclass(frozen=True, slots=True)
class OpChanges:
    """What one or more ops changed: the areas and the entities, and where they came from.

    ``everything`` is the answer when the change is not known op by op (a sync that
    rebased, a rebuild): every view redraws.
    """

    areas: frozenset[Area] = frozenset()
    entity_ids: frozenset[str] = frozenset()
    source: str = "local"  # local | sync | conflict
    everything: bool = False

    @classmethod
    def of(cls, results: Iterable[_Applied], *, source: str = "local") -> OpChanges:
        items = list(results)
        areas = frozenset(a for r in items for a in r.areas)
        return cls(areas, frozenset(r.entity_id for r in items), source)

    @classmethod
    def all(cls, *, source: str) -> OpChanges:
        return cls(source=source, everything=True)

    def touches(self, *areas: Area) -> bool:
        """True if any of ``areas`` changed (always, for ``everything``)."""
        return self.everything or not self.areas.isdisjoint(areas)
