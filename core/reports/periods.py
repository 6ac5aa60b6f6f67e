"""Reporting periods: a calendar quarter (``2026Q3``) or a calendar year (``2026``).

A statement covers whole days, both ends included: 2026Q3 is 1 July to 30 September 2026.
Its opening balance is the balance at the end of the day before ``start``.

A period is judged against *today*, which every caller passes in (DESIGN §5): one that has
not begun cannot be stated at all; one that has begun but not ended — today is on or
before its last day — is stated, marked preliminary, since later activity will change it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from core.reports.errors import PeriodError
from core.reports.presentation import long_date

__all__ = ["ReportPeriod", "parse_period"]

_PATTERN: Final = re.compile(r"^(\d{4})(?:-?[Qq](\d+))?$")
_QUARTER_START_MONTH: Final = {1: 1, 2: 4, 3: 7, 4: 10}
_QUARTER_END: Final = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """A span of whole days, both ends included, with the label people use for it."""

    label: str
    start: dt.date
    end: dt.date

    @property
    def is_year(self) -> bool:
        return self.start.month == 1 and self.start.day == 1 and self.end.month == 12

    @property
    def year_start(self) -> dt.date:
        """First day of the calendar year the period ends in (for year-to-date figures)."""
        return dt.date(self.end.year, 1, 1)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def require_begun(self, today: dt.date) -> None:
        """Refuse a period that starts after ``today``: there is nothing to state yet."""
        if today < self.start:
            raise PeriodError(f"{self.label} has not begun; it starts {self.start.isoformat()}")

    def preliminary(self, today: dt.date) -> str | None:
        """``"Preliminary — period ends 31 December 2026"`` while the period runs on
        ``today`` (its last day included); ``None`` once it has ended."""
        if today > self.end:
            return None
        return f"Preliminary \u2014 period ends {long_date(self.end)}"

    def describe(self) -> str:
        """``1 July 2026 to 30 September 2026``."""
        return f"{long_date(self.start)} to {long_date(self.end)}"

    @classmethod
    def year(cls, year: int) -> ReportPeriod:
        return cls(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> ReportPeriod:
        if quarter not in _QUARTER_START_MONTH:
            raise PeriodError(
                f"period {year}Q{quarter}: a quarter is Q1, Q2, Q3 or Q4 (e.g. {year}Q3)"
            )
        month, day = _QUARTER_END[quarter]
        return cls(
            f"{year}Q{quarter}",
            dt.date(year, _QUARTER_START_MONTH[quarter], 1),
            dt.date(year, month, day),
        )


def parse_period(raw: str) -> ReportPeriod:
    """``2026Q3``, ``2026-Q3`` or ``2026``; anything else is a :class:`PeriodError`."""
    text = raw.strip()
    match = _PATTERN.match(text)
    if match is None:
        raise PeriodError(
            f"period {raw!r}: use a quarter such as 2026Q3 or a calendar year such as 2026"
        )
    year = int(match.group(1))
    if not 1900 <= year <= 2999:
        raise PeriodError(f"period {raw!r}: the year {year} is outside 1900-2999")
    if match.group(2) is None:
        return ReportPeriod.year(year)
    return ReportPeriod.quarter(year, int(match.group(2)))
