"""What an IRR is called wherever it is shown, so one computed without a NAV says so.

The XIRR of an LP or a fund counts the NAV as a final inflow on the as-of date. With no
NAV mark recorded on or before that date there is no residual value to count, and the
rate is that of the cash alone — contributions out, distributions back: a fund still
holding its assets shows, say, −66.86 %, as if they were worth nothing. DESIGN §5: such an
IRR says so wherever it is shown, and every screen, report and export names it through
:func:`irr_label`, so the words are the same everywhere.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["irr_label"]


def irr_label(nav_as_of: dt.date | None, as_of: dt.date) -> str:
    """``"IRR"`` when a NAV mark on or before ``as_of`` counts as the residual value, else
    ``"IRR (distributions only: no NAV recorded as of 2026-12-05)"``."""
    if nav_as_of is not None and nav_as_of <= as_of:
        return "IRR"
    return f"IRR (distributions only: no NAV recorded as of {as_of.isoformat()})"
