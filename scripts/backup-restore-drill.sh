#!/usr/bin/env bash
# Back up a seeded multi-organization Deal OS server, restore it into a fresh database
# (a fresh cluster when none is given), start a server on the copy and prove it whole:
# per-organization digests, verify-log, audit chains, row-level security, roles.
#
#   scripts/backup-restore-drill.sh                 # embedded clusters of its own
#   DEALOS_TEST_DATABASE_URL=postgresql://postgres@db:5432/postgres scripts/backup-restore-drill.sh
#
# Prints each step with its time, then a pass/fail table; exits 1 on any failure. With
# pgBackRest installed (apt install pgbackrest) it also drills a point-in-time restore.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" -m sync_server.drills.backup_drill "$@"
