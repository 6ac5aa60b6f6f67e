"""The generated attack suites' server: one real server per test module, over the session's
Postgres, with Harbor Point and Northwind built on it (siege_world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer, free_port, settings_for
from siege_world import Siege, build_siege


@pytest.fixture(scope="module")
def siege_server(
    pg_database: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    port = free_port()
    root = Path(tmp_path_factory.mktemp("siege-server"))
    live = LiveServer(settings_for(pg_database, root, port), port)
    live.start()
    yield live
    live.close()


@pytest.fixture(scope="module")
def siege_http(siege_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=siege_server.url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def siege(siege_http: httpx.Client, siege_server: LiveServer) -> Siege:
    return build_siege(siege_http, siege_server)
