"""How long the hypothesis-driven suites run, and how a failure is found again.

In CI every run is derandomized (hypothesis takes its seed from the test's own name) with no
example database: the same inputs every time, on any machine, so a failure is never a
fluke of one run and always reproduces. To explore inputs CI never tried, give a seed and
more examples; hypothesis prints the seed with any failure it finds:

    DEALOS_FUZZ_SEED=7 DEALOS_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/attacks
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, seed, settings

__all__ = ["fuzzed"]

F = TypeVar("F", bound=Callable[..., Any])


def fuzzed(examples: int) -> Callable[[F], F]:
    """Hypothesis settings for a suite that runs ``examples`` cases in CI."""
    given_seed = os.environ.get("DEALOS_FUZZ_SEED")
    chosen = settings(
        max_examples=int(os.environ.get("DEALOS_FUZZ_EXAMPLES", examples)),
        derandomize=given_seed is None,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )

    def apply(test: F) -> F:
        test = chosen(test)
        return seed(int(given_seed))(test) if given_seed is not None else test

    return apply
