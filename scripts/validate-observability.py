#!/usr/bin/env python3
"""Is a running Deal OS server observable? Health and readiness, Prometheus metrics named
by convention, JSON log lines with request ids and no personal data, error tracking
scrubbed. Each check prints pass or fail with a fix; exits 1 on any failure.

    scripts/validate-observability.py --server http://127.0.0.1:8787 --log-file server.log

Run it with the server's DEALOS_SENTRY_DSN in the environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync_server.drills.observability_checks import main

if __name__ == "__main__":
    raise SystemExit(main())
