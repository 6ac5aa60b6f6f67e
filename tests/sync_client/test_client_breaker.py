"""The sync client's circuit breaker against the real server on a socket.

Harbor Point's server goes down: the first rounds try it and fail, then the breaker
opens and every call fails at once, saying when it will try again ("server unreachable,
retrying at HH:MM"). The server comes back; once the reset time has passed, one trial
call reaches it and the breaker closes. A refusal (a 4xx) never opens it: the server
answered.
"""

from __future__ import annotations

import re
import time

import pybreaker
import pytest
from live_server import LiveServer

from core.sync.breaker import server_breaker
from core.sync.client import SyncClient
from core.sync.errors import ServerUnavailable, SyncError

# Long enough that restarting the server never outlasts it on a loaded machine, so the
# call made right after the restart still meets an open breaker.
RESET = 4.0


def test_the_breaker_opens_on_a_down_server_says_when_it_retries_and_closes(
    live_server: LiveServer,
) -> None:
    client = SyncClient(
        live_server.url, timeout=2, attempts=1, breaker=server_breaker(reset_seconds=RESET)
    )
    try:
        assert client.server_key()
        live_server.stop()
        for _ in range(2):
            with pytest.raises(ServerUnavailable) as down:
                client.server_key()
            assert "retrying" not in str(down.value)
        with pytest.raises(ServerUnavailable) as tripped:
            client.server_key()
        opened = time.monotonic()
        assert client.breaker.current_state == pybreaker.STATE_OPEN
        assert client.retry_at is not None
        message = str(tripped.value)
        assert message.startswith(f"server unreachable, retrying at {client.retry_at:%H:%M}")
        assert re.search(
            r"retrying at \d\d:\d\d: http://127\.0\.0\.1:\d+; working offline", message
        )

        live_server.start()
        with pytest.raises(ServerUnavailable, match="retrying at"):
            client.server_key()  # still open: the server is up, so only the breaker says no
        time.sleep(max(0.0, RESET + 0.1 - (time.monotonic() - opened)))
        assert client.server_key()  # the trial call reaches the server again
        assert client.breaker.current_state == pybreaker.STATE_CLOSED
        assert client.retry_at is None
    finally:
        client.close()


def test_refusals_never_open_the_breaker(live_server: LiveServer) -> None:
    client = SyncClient(live_server.url, attempts=1, breaker=server_breaker(fail_max=2))
    try:
        for _ in range(4):
            with pytest.raises(SyncError) as refused:
                client.state()  # not signed in: refused before any request
            assert refused.value.status == 401
            with pytest.raises(SyncError, match="invalid_credentials"):
                client.login("nobody@harborpoint.example", "not the password")
        assert client.breaker.current_state == pybreaker.STATE_CLOSED
    finally:
        client.close()
