"""The figures the reliability suites print at the end of a run (docs/RELIABILITY.md).

A suite calls :func:`record` with its counts (seeds run, attacks attempted and refused,
fuzz cases, requests held under load). Each xdist worker appends one JSON line to a file
the controlling process names before the workers start; at the end of the run the
controller sums the counts per suite and prints them under "reliability figures", so
every run of the README's test command shows them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

__all__ = ["pytest_configure", "pytest_terminal_summary", "pytest_unconfigure", "record"]

ENV = "DEALOS_FIGURES_FILE"
_OWNED = "_dealos_figures_file"


def record(suite: str, **counts: int) -> None:
    """Add ``counts`` to ``suite``'s figures for this run (summed across tests and workers)."""
    path = os.environ.get(ENV)
    if not path:
        return
    line = json.dumps({"suite": suite, **counts}, sort_keys=True)
    # One short write to a file opened for appending: lines from two workers never interleave.
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or os.environ.get(ENV):
        return  # a worker inherits the controller's file
    handle, name = tempfile.mkstemp(prefix="dealos-figures-", suffix=".jsonl")
    os.close(handle)
    os.environ[ENV] = name
    setattr(config, _OWNED, name)


def _totals(path: Path) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in path.read_text(encoding="utf-8").splitlines():
        entry: dict[str, Any] = json.loads(line)
        suite = str(entry.pop("suite"))
        for key, value in entry.items():
            totals[suite][key] += int(value)
    return {suite: dict(counts) for suite, counts in totals.items()}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    name = getattr(config, _OWNED, None)
    if name is None or not Path(name).exists():
        return
    totals = _totals(Path(name))
    if not totals:
        return
    terminalreporter.section("reliability figures")
    for suite in sorted(totals):
        counts = ", ".join(
            f"{key.replace('_', ' ')} {value:,}" for key, value in totals[suite].items()
        )
        terminalreporter.write_line(f"{suite}: {counts}")


def pytest_unconfigure(config: pytest.Config) -> None:
    name = getattr(config, _OWNED, None)
    if name is not None:
        Path(name).unlink(missing_ok=True)
        os.environ.pop(ENV, None)
