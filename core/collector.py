"""Pausing Python's garbage collector around bulk work.

The cycle collector runs after every few hundred allocations, and each full collection
walks every object still alive. Loading a snapshot or replaying an organization's log
holds hundreds of thousands of decoded ops and rows while it creates more: the collections
walk them again and again and free next to nothing (the data has no reference cycles; a
replay of 20,000 ops left about 2,000 cyclic objects in all). Paused, the 100,000-op
bootstrap and history check run 5–17 % faster (docs/PERFORMANCE.md); what cycles the work
did make are collected once the collector resumes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection inside; on leaving, the collector is as it was. It counted
    the allocations meanwhile, so its next pass comes at once and takes what the work
    left behind."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
