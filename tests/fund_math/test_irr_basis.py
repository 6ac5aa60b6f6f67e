"""What an IRR is called: plain with a NAV mark as of its date, "distributions only" without."""

from __future__ import annotations

from datetime import date

import pytest

from core.fund_math.irr_basis import irr_label

AS_OF = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("nav_as_of", "label"),
    [
        (AS_OF, "IRR"),
        (date(2026, 9, 30), "IRR"),  # the latest mark before the date, carried to it
        (None, "IRR (distributions only: no NAV recorded as of 2026-12-05)"),
        (date(2026, 12, 31), "IRR (distributions only: no NAV recorded as of 2026-12-05)"),
    ],
)
def test_an_irr_says_when_no_nav_counts_in_it(nav_as_of: date | None, label: str) -> None:
    assert irr_label(nav_as_of, AS_OF) == label
