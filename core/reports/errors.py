"""Why a report could not be produced, in words a fund controller can act on.

::

    DealOSError (core.errors)
    └── ReportError            a document or export could not be produced
        ├── PeriodError        a reporting period that does not exist ("2026Q5")
        ├── RecordNotFound     an LP, fund, call or distribution that is not in this org
        ├── TraceabilityError  a ledger line whose op is missing from the op log
        └── ReportOutputError  the file cannot be written where it was asked for

Each message names the input and the rule, on one line: the CLI prints it as it is.
"""

from __future__ import annotations

from core.errors import DealOSError

__all__ = [
    "PeriodError",
    "RecordNotFound",
    "ReportError",
    "ReportOutputError",
    "TraceabilityError",
]


class ReportError(DealOSError):
    """A notice, statement or export could not be produced; nothing was written."""


class PeriodError(ReportError):
    """A reporting period that is not a year (``2026``) or a quarter (``2026Q3``)."""


class RecordNotFound(ReportError):
    """The LP, fund, call or distribution asked for is not in this organization."""


class TraceabilityError(ReportError):
    """A ledger line cannot be traced to the op that made it, so no document states it."""


class ReportOutputError(ReportError):
    """The output path cannot take the file (missing folder, wrong extension, no access)."""
