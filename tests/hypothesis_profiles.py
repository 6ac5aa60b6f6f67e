"""How every hypothesis property in the suite draws its examples.

The test command runs the ``ci`` profile: derandomized (each test's examples follow from its
own name) with no example database, so every run tries the same inputs on any machine and a
red run is never a fluke of that run — it reproduces, and its falsifying example is printed.
To look for inputs CI has never tried, run the ``explore`` profile, random and remembering
what it finds in the local example database:

    DEALOS_HYPOTHESIS=explore .venv/bin/python -m pytest tests/fund_math

A failure found that way is kept as an ``@example`` on its test, so CI runs it from then on.
"""

from __future__ import annotations

import os

from hypothesis import settings

__all__ = ["PROFILE"]

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
PROFILE = os.environ.get("DEALOS_HYPOTHESIS", "ci")
settings.load_profile(PROFILE)
