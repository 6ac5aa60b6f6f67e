#!/usr/bin/env python3
"""Is a running Deal OS server operable? Migrations current, row-level security forced on
every tenant table, the server's login role neither owner nor able to bypass it, backups
configured and fresh. Each check prints pass or fail with a fix; exits 1 on any failure.

    scripts/validate-operations.py --server http://127.0.0.1:8787 --database-url "$OWNER_URL"

Run it with the server's DEALOS_BACKUP_DIR (or DEALOS_PGBACKREST_STANZA) in the
environment; --exercise-readiness (staging) also turns /readyz to 503 for a moment.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sync_server.drills.operations_checks import main

if __name__ == "__main__":
    raise SystemExit(main())
