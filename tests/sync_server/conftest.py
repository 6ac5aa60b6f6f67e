"""The server under test: the real app on a real socket, over the session's Postgres."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pg_fixture import PgDatabase
from scenario import Org, ServerWorld
from sqlalchemy import Engine

from sync_server.app import create_app
from sync_server.database import owner_engine
from sync_server.settings import PasswordCost, RateLimits, Settings

# argon2id at its cheapest: the suite logs in hundreds of times; production uses the default.
CHEAP = PasswordCost(time_cost=1, memory_kib=1024, parallelism=1)


@pytest.fixture(scope="session")
def owner(pg_database: PgDatabase) -> Iterator[Engine]:
    engine = owner_engine(pg_database.owner_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def base_settings(pg_database: PgDatabase, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = Path(tmp_path_factory.mktemp("server"))
    return Settings(
        database_url=pg_database.owner_url,
        app_database_url=pg_database.app_url,
        app_role=pg_database.app_role,
        secret_file=root / "server.secret",
        mail_drop_dir=root / "mail",
        password_cost=CHEAP,
        rate_limits=RateLimits(
            login_per_ip=10_000,
            login_per_account_ip=10_000,
            password_change_per_ip=10_000,
            password_change_per_account_ip=10_000,
            magic_link_per_ip=10_000,
            magic_link_per_address_ip=10_000,
            magic_link_consume_per_ip=10_000,
            attach_per_ip=10_000,
            attach_per_code_ip=10_000,
        ),
        pool_size=6,
    )


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings


@pytest.fixture
async def client(aiohttp_client: Callable[..., Any], settings: Settings) -> TestClient[Any, Any]:
    c: TestClient[Any, Any] = await aiohttp_client(create_app(settings))
    return c


@pytest.fixture
def world(client: TestClient[Any, Any], owner: Engine, settings: Settings) -> ServerWorld:
    return ServerWorld(client, owner, settings)


@pytest.fixture
async def org(world: ServerWorld) -> Org:
    """Harbor Point Capital on the server: Maria (GP and admin) signed in on her laptop."""
    return await world.new_org("Harbor Point Capital")
