"""Guessing is slowed down without locking the owner out.

Every credential check (login, password change, magic link, attach code) counts per client
address and per (account, address) in a sliding window: at most N attempts in any span of
W seconds, never 2N across a clock boundary. An attacker at one address runs out of
guesses while the owner signs in from another; the right password clears the owner's own
count; a 429 says in ``Retry-After`` the true whole seconds to wait, and is the same
whether or not the account exists. Whole-organization snapshots are limited per account.

The limiter reads an injected clock; the server under test takes the client's address
from a test-only header, the way it takes the connection's peer in production.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp.typedefs import Handler
from scenario import PASSWORD, Org, ServerWorld
from sqlalchemy import Engine, create_engine, make_url

from sync_server.app import create_app
from sync_server.app_context import LIMITER
from sync_server.rate_limits import Limiter, bucket_name
from sync_server.settings import RateLimits, Settings

WINDOW = 3600
PEER = "X-Test-Peer"
# Each test's clock starts ten windows after the previous test's, in the past: no test
# sees another's attempts, and a later test on the real clock sees none of them.
_STARTS = itertools.count(1_000_000_000, 10 * WINDOW)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock(float(next(_STARTS)))


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.with_(
        rate_limits=RateLimits(
            login_per_ip=10,
            login_per_account_ip=3,
            password_change_per_ip=1000,
            password_change_per_account_ip=3,
            magic_link_per_ip=1000,
            magic_link_per_address_ip=2,
            magic_link_consume_per_ip=3,
            attach_per_ip=1000,
            attach_per_code_ip=2,
            snapshot_per_account=2,
            window_seconds=WINDOW,
        )
    )


@pytest.fixture
async def client(
    aiohttp_client: Callable[..., Any], settings: Settings, clock: Clock
) -> TestClient[Any, Any]:
    # Requests without the header come from an address of this test's own, so no other
    # test's sign-ins from 127.0.0.1, on whatever clock, count here.
    own = _address()

    @web.middleware
    async def peer_from_header(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await handler(request.clone(remote=request.headers.get(PEER, own)))

    app = create_app(settings)
    app[LIMITER] = Limiter(settings.rate_limits.window_seconds, clock=clock)
    app.middlewares.append(peer_from_header)
    c: TestClient[Any, Any] = await aiohttp_client(app)
    return c


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """The server's own database role, with a connection for each of 20 threads."""
    assert settings.app_database_url is not None
    url = make_url(settings.app_database_url).set(drivername="postgresql+psycopg")
    e = create_engine(url, pool_size=20)
    yield e
    e.dispose()


def _address() -> str:
    return f"198.51.100.{secrets.randbelow(250) + 1}-{secrets.token_hex(4)}"


async def _login(world: ServerWorld, email: str, password: str, peer: str) -> Any:
    body = {"email": email, "password": password}
    return await world.post("/v1/auth/login", body, headers={PEER: peer})


async def _throttled(resp: Any) -> int:
    """The wait a 429 announces, checked to be the same in the header and the body."""
    assert resp.status == 429
    error = (await resp.json())["error"]
    assert error["code"] == "rate_limited"
    seconds = int(resp.headers["Retry-After"])
    assert error["details"] == {"retry_after_seconds": seconds}
    return seconds


# --- The limiter itself, on the real database, driven by its clock -------------------


def test_no_burst_across_a_clock_aligned_boundary(engine: Engine) -> None:
    window, limit = 900, 5
    start = 1_700_000_100 - 1_700_000_100 % window + window - 1  # one second before :00
    clock = Clock(start)
    limiter = Limiter(window, clock=clock)
    name = f"boundary:{secrets.token_hex(8)}"
    assert all(limiter.attempt(engine, [(name, limit)]).allowed for _ in range(limit))
    clock.advance(2)  # a fixed window would have started afresh here
    verdict = limiter.attempt(engine, [(name, limit)])
    assert not verdict.allowed
    assert verdict.retry_after == pytest.approx(window - 2)

    # Attempts every 7 s over three windows: never more than `limit` in any 900 s span,
    # and `limit` again as soon as the first ones age out (at +905 s and +1808 s).
    allowed: list[float] = [start] * limit
    while clock.now < start + 3 * window:
        clock.advance(7)
        if limiter.attempt(engine, [(name, limit)]).allowed:
            allowed.append(clock.now)
    assert all(sum(1 for u in allowed if t <= u < t + window) <= limit for t in allowed)
    assert allowed[limit:] == [start + 905 + 7 * k for k in range(limit)] + [
        start + 1808 + 7 * k for k in range(limit)
    ]


def test_retry_after_is_the_true_wait_and_refusals_do_not_extend_it(engine: Engine) -> None:
    clock = Clock(1_600_000_000.0)
    limiter = Limiter(900, clock=clock)
    name = f"wait:{secrets.token_hex(8)}"
    for at in (0, 100, 200):
        clock.now = 1_600_000_000.0 + at
        assert limiter.attempt(engine, [(name, 3)]).allowed
    for at in range(300, 900, 25):  # an attacker hammering a full bucket
        clock.now = 1_600_000_000.0 + at
        verdict = limiter.attempt(engine, [(name, 3)])
        assert not verdict.allowed
        assert verdict.retry_after == pytest.approx(900 - at)  # when the 0 s attempt ages out
    clock.now = 1_600_000_000.0 + 900
    assert limiter.attempt(engine, [(name, 3)]).allowed
    clock.now = 1_600_000_000.0 + 901.5
    verdict = limiter.attempt(engine, [(name, 3)])
    assert not verdict.allowed
    assert verdict.retry_after == pytest.approx(100 + 900 - 901.5)  # the 100 s one next


def test_an_attempt_counts_in_every_bucket_or_in_none(engine: Engine) -> None:
    clock = Clock(1_500_000_000.0)
    limiter = Limiter(900, clock=clock)
    ip, other_ip = f"ip:{secrets.token_hex(8)}", f"ip:{secrets.token_hex(8)}"
    account = f"account:{secrets.token_hex(8)}"
    assert limiter.attempt(engine, [(ip, 10), (f"{account}|{ip}", 1)]).allowed
    refused = limiter.attempt(engine, [(ip, 10), (f"{account}|{ip}", 1)])
    assert not refused.allowed
    # The refusal was not counted against the address: nine more fit in it.
    assert all(limiter.attempt(engine, [(ip, 10)]).allowed for _ in range(9))
    assert not limiter.attempt(engine, [(ip, 10)]).allowed
    # The same account from another address is untouched.
    assert limiter.attempt(engine, [(other_ip, 10), (f"{account}|{other_ip}", 1)]).allowed
    limiter.clear(engine, [f"{account}|{other_ip}"])
    assert limiter.attempt(engine, [(other_ip, 10), (f"{account}|{other_ip}", 1)]).allowed


def test_twenty_parallel_attempts_never_let_more_than_the_limit_through(
    engine: Engine,
) -> None:
    clock = Clock(1_400_000_000.0)
    limiter = Limiter(900, clock=clock)
    a, b = f"a:{secrets.token_hex(8)}", f"b:{secrets.token_hex(8)}"
    start = threading.Barrier(20)
    verdicts: list[tuple[int, bool]] = []

    def attempt(i: int) -> None:
        # Half name the buckets in one order, half in the other: no deadlock either way.
        buckets = [(a, 7), (b, 5)] if i % 2 else [(b, 5), (a, 7)]
        if i % 4 == 0:
            buckets = [(a, 7)]
        start.wait()
        verdicts.append((i, limiter.attempt(engine, buckets).allowed))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    allowed = [i for i, ok in verdicts if ok]
    assert len(verdicts) == 20
    assert len(allowed) == 7  # bucket a is the tighter one overall
    assert sum(1 for i in allowed if i % 4) <= 5  # those that also counted in b


# --- Through the server -----------------------------------------------------------------


async def test_logins_are_limited_per_account_and_address_known_or_not(org: Org) -> None:
    post = org.world.post
    # Maria signed in already (the fixture): a right password clears her own count, so she
    # has her three tries, like an address nobody registered.
    for address in (org.founder.email, "ghost@nowhere.example"):
        statuses = [
            (await post("/v1/auth/login", {"email": address, "password": "guess"})).status
            for _ in range(3)
        ]
        assert statuses == [401] * 3
        resp = await post("/v1/auth/login", {"email": address, "password": PASSWORD})
        assert 0 < await _throttled(resp) <= WINDOW


async def test_the_owner_signs_in_from_elsewhere_while_an_attacker_is_throttled(
    org: Org, clock: Clock
) -> None:
    world, owner, attacker = org.world, org.founder.email, _address()
    assert [(await _login(world, owner, "guess", attacker)).status for _ in range(3)] == [401] * 3
    assert await _throttled(await _login(world, owner, PASSWORD, attacker)) == WINDOW
    assert (await _login(world, owner, PASSWORD, _address())).status == 200

    # Spraying other accounts from the attacker's address runs into the per-address limit
    # (ten; three were spent), and the owner is still not stopped.
    sprayed = [
        (await _login(world, f"guess{i}@harborpoint.example", "guess", attacker)).status
        for i in range(8)
    ]
    assert sprayed == [401] * 7 + [429]
    assert (await _login(world, owner, PASSWORD, _address())).status == 200

    # Retry-After is the true wait: 600.25 s later, 2999.75 s are left — 3000 whole ones.
    clock.advance(600.25)
    assert await _throttled(await _login(world, owner, PASSWORD, attacker)) == WINDOW - 600
    clock.advance(WINDOW - 600.25)
    assert (await _login(world, owner, PASSWORD, attacker)).status == 200


async def test_the_right_password_clears_the_owners_own_mistakes(org: Org) -> None:
    world, owner, here = org.world, org.founder.email, _address()
    for _ in range(3):
        assert [(await _login(world, owner, "typo", here)).status for _ in range(2)] == [401] * 2
        assert (await _login(world, owner, PASSWORD, here)).status == 200


async def test_parallel_wrong_logins_never_get_more_than_the_limit(org: Org) -> None:
    world, peer = org.world, _address()
    answers = await asyncio.gather(
        *(_login(world, org.founder.email, "guess", peer) for _ in range(20))
    )
    statuses = sorted(r.status for r in answers)
    assert statuses == [401] * 3 + [429] * 17


async def test_password_change_is_throttled_after_wrong_current_passwords(
    org: Org, clock: Clock
) -> None:
    world, here = org.world, _address()

    async def change(current: str, peer: str) -> Any:
        body = {"current_password": current, "new_password": "a brand new passphrase"}
        return await world.post("/v1/auth/password", body, org.founder, headers={PEER: peer})

    assert [(await change(f"guess {i}", here)).status for i in range(3)] == [401] * 3
    assert await _throttled(await change(PASSWORD, here)) == WINDOW
    clock.advance(WINDOW - 1)
    assert await _throttled(await change(PASSWORD, here)) == 1
    # The owner, from another address, is not locked out.
    assert (await change(PASSWORD, _address())).status == 200


async def test_magic_links_are_limited_per_address_and_ip_known_or_not(org: Org) -> None:
    for email in ("lp@pension.example", "ghost@nowhere.example"):
        peer, answers = _address(), []
        for _ in range(3):
            resp = await org.world.post(
                "/v1/auth/magic-link", {"email": email}, headers={PEER: peer}
            )
            answers.append((resp.status, (await resp.json()).get("error", {}).get("code")))
        assert answers == [(202, None), (202, None), (429, "rate_limited")]
        resp = await org.world.post(
            "/v1/auth/magic-link", {"email": email}, headers={PEER: _address()}
        )
        assert resp.status == 202  # the investor, elsewhere, still gets a link


async def test_magic_link_tokens_are_limited_per_address(org: Org) -> None:
    peer = _address()

    async def consume(where: str) -> Any:
        body = {"token": secrets.token_urlsafe(32)}
        return await org.world.post("/v1/auth/magic-link/consume", body, headers={PEER: where})

    assert [(await consume(peer)).status for _ in range(3)] == [401] * 3
    assert 0 < await _throttled(await consume(peer)) <= WINDOW
    assert (await consume(_address())).status == 401


async def test_attach_codes_are_limited_per_code_and_address(world: ServerWorld) -> None:
    peer, code = _address(), secrets.token_urlsafe(32)

    async def attach(attach_code: str, where: str) -> Any:
        body = {"attach_code": attach_code, "genesis": {}, "password": "offline gp passphrase"}
        return await world.post("/v1/orgs/attach", body, headers={PEER: where})

    # Refused for the code or the genesis alike: each is an attempt.
    assert 429 not in [(await attach(code, peer)).status for _ in range(2)]
    assert 0 < await _throttled(await attach(code, peer)) <= WINDOW
    assert (await attach(secrets.token_urlsafe(32), peer)).status != 429  # another code
    assert (await attach(code, _address())).status != 429  # another address


async def test_snapshots_are_limited_per_account(org: Org) -> None:
    statuses = [(await org.world.get("/v1/sync/snapshot", org.founder)).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    other = await org.member("gp")
    assert (await org.world.get("/v1/sync/snapshot", other)).status == 200


def test_the_owner_is_never_counted_with_an_attackers_address(engine: Engine) -> None:
    """The buckets the login route names: per address, and per (email, address)."""
    clock = Clock(1_300_000_000.0)
    limiter = Limiter(900, clock=clock)
    email = f"owner+{secrets.token_hex(4)}@example.com"

    def login(ip: str) -> bool:
        buckets = [
            (bucket_name("login-ip", ip), 30),
            (bucket_name("login-account-ip", email, ip), 10),
        ]
        return limiter.attempt(engine, buckets).allowed

    attacker, owner = "203.0.113.7", "192.0.2.44"
    assert [login(attacker) for _ in range(11)] == [True] * 10 + [False]
    assert login(owner)
    # No email can name another's bucket: the parts are encoded, not joined.
    assert bucket_name("login-account-ip", "a@b|c", "d") != bucket_name(
        "login-account-ip", "a@b", "c|d"
    )


async def test_the_table_cannot_confirm_a_guessed_address(org: Org, engine: Engine) -> None:
    """With the database role, someone who guesses an address and the network it signs in
    from learns nothing from the table: bucket names are keyed with the server's secret,
    not a plain SHA-256 anyone can compute."""
    peer = _address()
    await _login(org.world, org.founder.email, "guess", peer)
    guessed = {
        hashlib.sha256(bucket_name(kind, *parts).encode()).hexdigest()[:40]
        for kind, parts in (
            ("login-account-ip", (org.founder.email, peer)),
            ("login-ip", (peer,)),
        )
    }
    with engine.begin() as conn:
        heads = {
            row[0].split(":")[0]
            for row in conn.exec_driver_sql("SELECT bucket FROM rate_limits").fetchall()
        }
    assert heads, "the attempt was counted"
    assert not guessed & heads
