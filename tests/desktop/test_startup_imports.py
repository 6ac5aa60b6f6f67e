"""The window's process starts without the sync machinery: rounds run in a process of
their own, so httpx, tenacity, pybreaker and the engine would only slow the cold start."""

from __future__ import annotations

import os
import subprocess
import sys

HEAVY = ("httpx", "tenacity", "pybreaker", "core.sync.client", "core.sync.engine")


def test_opening_the_window_module_imports_no_sync_client() -> None:
    probe = (
        "import sys, desktop.main_window\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_the_probe_sees_a_sync_import_when_there_is_one() -> None:
    probe = (
        f"import sys, core.sync.engine\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert "httpx" in done.stdout
