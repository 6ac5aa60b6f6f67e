#!/usr/bin/env bash
# Drill the incidents an on-call person meets: a real server and several desktops of one
# organization committing and syncing through a fault-injecting proxy; the server killed
# mid-push; the network cut, slowed and blackholed; Postgres restarted under load. Then
# every desktop converges, and the drill proves nothing was lost or duplicated.
#
#   scripts/incident-drill.sh                       # 3 desktops, each fault held 2 s
#   scripts/incident-drill.sh --desktops 5 --hold 10
#
# It always runs an embedded Postgres cluster of its own (the pgserver wheel): it restarts
# Postgres, so it never uses a shared server, DEALOS_TEST_DATABASE_URL included.
# Prints a timeline, then a pass/fail table; exits 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" -m sync_server.drills.incident_drill "$@"
