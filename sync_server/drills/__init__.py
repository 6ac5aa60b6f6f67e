"""What an operator runs against a server: the backup-and-restore drill and the
observability and operations validators (``scripts/backup-restore-drill.sh``,
``scripts/validate-observability.py``, ``scripts/validate-operations.py``).

Each is a module with a ``main`` the script calls, so the test suite runs the same code
against servers it starts (tests/operations/test_server_drills.py).
"""

__all__: list[str] = []
