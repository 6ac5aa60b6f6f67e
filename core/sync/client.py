"""HTTP client for the sync protocol v1 (PROTOCOL.md), over httpx.

Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential
backoff and jitter (tenacity). A circuit breaker (pybreaker) opens after repeated
failures, so while the server is unreachable each sync attempt fails at once and the app
keeps working offline. Protocol errors (4xx) are never retried: they come back as
:class:`SyncError` carrying the server's code, message and field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pybreaker
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from core.ops.signing import DeviceKey, device_proof
from core.sync.errors import ServerUnavailable, SyncError

__all__ = ["ServerUnavailable", "Session", "SyncClient", "SyncError"]


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    user_id: str
    org_id: str
    roles: tuple[str, ...]
    expires_at: str


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, SyncError):
        return exc.status >= 500 or exc.status == 429
    return False


def _refusal(exc: BaseException) -> bool:
    return isinstance(exc, SyncError) and exc.status < 500 and exc.status != 429


class SyncClient:
    """One server, one session. Thread-safe enough for one background sync job."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        attempts: int = 4,
        breaker: pybreaker.CircuitBreaker | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._attempts = attempts
        # A refusal (4xx) says the server is up: only transport failures and 5xx trip it.
        self.breaker = breaker or pybreaker.CircuitBreaker(
            fail_max=3, reset_timeout=30, exclude=[_refusal]
        )

    def close(self) -> None:
        self._http.close()

    # -- the protocol --------------------------------------------------------------------

    def login(self, email: str, password: str) -> Session:
        body = self._call(
            "POST", "/v1/auth/login", json={"email": email, "password": password}, auth=False
        )
        return self._session(body)

    def _session(self, body: dict[str, Any]) -> Session:
        session = Session(
            body["session_token"],
            body["user_id"],
            body["org_id"],
            tuple(body.get("roles", ())),
            body.get("expires_at", ""),
        )
        self.token = session.token
        return session

    def request_magic_link(self, email: str) -> None:
        """Ask the server to mail an LP a one-time sign-in link (202 whether or not known)."""
        self._call("POST", "/v1/auth/magic-link", json={"email": email}, auth=False)

    def consume_magic_link(self, token: str) -> Session:
        body = self._call("POST", "/v1/auth/magic-link/consume", json={"token": token}, auth=False)
        return self._session(body)

    def attach_org(
        self, attach_code: str, genesis: dict[str, Any], password: str
    ) -> dict[str, Any]:
        """Bring an org started offline onto the server (``POST /v1/orgs/attach``)."""
        body: dict[str, Any] = self._call(
            "POST",
            "/v1/orgs/attach",
            auth=False,
            json={"attach_code": attach_code, "genesis": genesis, "password": password},
        )
        self.token = str(body["session_token"])
        return body

    def logout(self) -> None:
        self._call("POST", "/v1/auth/logout")

    def register_device(self, key: DeviceKey, name: str, *, org_id: str, user_id: str) -> str:
        """Enroll ``key`` as a device of the signed-in user (``org_id`` and ``user_id`` are
        the session's), with the key's proof that this machine holds it."""
        body = self._call(
            "POST",
            "/v1/devices",
            json={
                "public_key": key.public_key,
                "name": name,
                "proof": device_proof(key, org_id, user_id),
            },
        )
        return str(body["device_id"])

    def push(self, device_id: str, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = self._call("POST", "/v1/sync/push", json={"device_id": device_id, "ops": ops})
        results: list[dict[str, Any]] = body["results"]
        return results

    def pull(self, after: int, limit: int = 500) -> dict[str, Any]:
        page: dict[str, Any] = self._call(
            "GET", "/v1/sync/pull", params={"after": after, "limit": limit}
        )
        return page

    def state(self) -> dict[str, Any]:
        body: dict[str, Any] = self._call("GET", "/v1/sync/state")
        return body

    def snapshot(self) -> bytes:
        """The raw body of ``GET /v1/sync/snapshot`` (``{"signature", "snapshot"}``): the
        signature covers the document's bytes, so they are checked before being parsed."""
        body: bytes = self._call("GET", "/v1/sync/snapshot", timeout=300.0, raw=True)
        return body

    def server_key(self) -> str:
        return str(self._call("GET", "/v1/server-key", auth=False)["public_key"])

    # -- plumbing ------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        timeout: float | None = None,
        raw: bool = False,
    ) -> Any:
        """The decoded JSON object of a success (its bytes with ``raw``), or ``SyncError``."""
        headers = {"X-Request-ID": str(uuid.uuid4())}
        if auth:
            if not self.token:
                raise SyncError(401, "unauthenticated", "sign in to the server first")
            headers["Authorization"] = f"Bearer {self.token}"

        def attempt() -> Any:
            response = self._http.request(
                method,
                path,
                json=json,
                params=params,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
            if raw and response.is_success:
                return response.content
            return _decode(response)

        retrying = Retrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.2, max=5.0),
            reraise=True,
        )
        try:
            result = self.breaker.call(lambda: retrying(attempt))
        except pybreaker.CircuitBreakerError:
            raise ServerUnavailable(f"{self.base_url} is unreachable; working offline") from None
        except httpx.TransportError as exc:
            raise ServerUnavailable(
                f"{self.base_url} is unreachable ({exc}); working offline"
            ) from None
        return result


def _decode(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 204:
        return {}
    try:
        # orjson: a new device decodes tens of MiB of pulled ops; the protocol is UTF-8 JSON.
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if response.is_success and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        raise SyncError(
            response.status_code,
            str(error.get("code", "error")),
            str(error.get("message", "")),
            error.get("field"),
            error.get("details") or {},
        )
    raise SyncError(
        response.status_code,
        "bad_response",
        f"the server answered HTTP {response.status_code} without a protocol body",
    )
