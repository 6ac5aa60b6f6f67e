"""The pass/fail table every drill and validator prints: one line per step or check, with
its time, what was seen, and — for a failure — what to do about it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TextIO

from core.errors import DealOSError

__all__ = ["Check", "Checklist", "DrillError"]

Outcome = Literal["pass", "fail", "skip"]


class DrillError(DealOSError):
    """A step could not do what it had to; its message says what and, where it can, why."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    outcome: Outcome
    seconds: float
    detail: str
    fix: str = ""


@dataclass
class Checklist:
    """Steps run in order; a step that raises fails with its message, the rest still run
    unless they depend on it (the caller decides by reading :attr:`ok`)."""

    title: str
    out: TextIO | None = None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.outcome != "fail" for c in self.checks)

    def record(
        self, name: str, outcome: Outcome, detail: str, *, fix: str = "", seconds: float = 0.0
    ) -> Check:
        check = Check(name, outcome, seconds, detail, fix)
        self.checks.append(check)
        if self.out is not None:
            self.out.write(self._line(check) + "\n")
            self.out.flush()
        return check

    def run(self, name: str, step: Callable[[], str], *, fix: str = "") -> bool:
        """Run ``step`` (it returns what it saw, or raises); True when it passed."""
        started = time.perf_counter()
        try:
            detail = step()
        except (DealOSError, OSError, AssertionError) as exc:
            self.record(name, "fail", str(exc), fix=fix, seconds=time.perf_counter() - started)
            return False
        self.record(name, "pass", detail, seconds=time.perf_counter() - started)
        return True

    def table(self) -> str:
        width = max((len(c.name) for c in self.checks), default=4)
        lines = [self.title, f"{'step'.ljust(width)}  result  seconds  detail"]
        lines += [self._line(c, width) for c in self.checks]
        failed = sum(c.outcome == "fail" for c in self.checks)
        lines.append(
            f"{len(self.checks)} steps, {failed} failed"
            if failed
            else f"all {len(self.checks)} steps passed"
        )
        return "\n".join(lines)

    @staticmethod
    def _line(check: Check, width: int = 0) -> str:
        name, outcome = check.name.ljust(width), check.outcome.upper()
        text = f"{name}  {outcome:6}  {check.seconds:7.2f}  {check.detail}"
        if check.outcome == "fail" and check.fix:
            text += f"\n{' ' * width}  fix: {check.fix}"
        return text
