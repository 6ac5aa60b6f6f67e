"""HTTP client for the sync protocol v1 (PROTOCOL.md), over httpx.

Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential
backoff and jitter (tenacity). A circuit breaker (pybreaker) opens after repeated
failures, so while the server is unreachable each sync attempt fails at once and the app
keeps working offline; the error then says when the next attempt will be made
(:mod:`core.sync.breaker`). Protocol errors (4xx) are never retried: they come back as
:class:`SyncError` carrying the server's code, message and field.

Every answer is read through its model (:mod:`core.sync.messages`); one that is not what
the protocol says is a :class:`MalformedResponse` naming the field, never a ``KeyError``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import httpx
import orjson
import pybreaker
from pydantic import BaseModel, ValidationError
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from core.ops.signing import DeviceKey, device_proof
from core.sync.breaker import retry_at, server_breaker
from core.sync.desktop_sign_in_messages import DesktopSignInPending, DesktopSignInStarted
from core.sync.errors import MalformedResponse, ServerUnavailable, SyncError
from core.sync.invitation_messages import InvitationDeliveries
from core.sync.messages import (
    AttachResult,
    DeviceEnrolled,
    ErrorBody,
    HistoryAttached,
    HistoryPage,
    MagicLinkSent,
    PullPage,
    PushResult,
    PushResults,
    ServerKey,
    SessionGranted,
    SyncState,
    first_error,
)
from core.sync.notice_messages import NoticeDeliveries
from core.sync.tls import tls_context

__all__ = ["MalformedResponse", "ServerUnavailable", "SyncClient", "SyncError"]

M = TypeVar("M", bound=BaseModel)

_STREAM_CHUNK = 1 << 16


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, SyncError):
        return exc.status >= 500 or exc.status == 429
    return False


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
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport, verify=tls_context()
        )
        self._attempts = attempts
        # A refusal (4xx) says the server is up: only transport failures and 5xx trip it.
        self.breaker = breaker or server_breaker()

    def close(self) -> None:
        self._http.close()

    @property
    def retry_at(self) -> datetime | None:
        """While the breaker is open, when the next call will try the server (local time)."""
        return retry_at(self.breaker)

    def _offline(self, why: str = "") -> ServerUnavailable:
        when = self.retry_at
        retrying = f", retrying at {when:%H:%M}" if when is not None else ""
        return ServerUnavailable(
            f"server unreachable{retrying}: {self.base_url}{why}; working offline"
        )

    # -- the protocol --------------------------------------------------------------------

    def login(self, email: str, password: str) -> SessionGranted:
        session = self._call(
            SessionGranted,
            "POST",
            "/v1/auth/login",
            json={"email": email, "password": password},
            auth=False,
        )
        self.token = session.session_token
        return session

    def request_magic_link(self, email: str) -> None:
        """Ask the server to mail an LP a one-time sign-in link (202 whether or not known)."""
        self._call(MagicLinkSent, "POST", "/v1/auth/magic-link", json={"email": email}, auth=False)

    def consume_magic_link(self, token: str) -> SessionGranted:
        session = self._call(
            SessionGranted,
            "POST",
            "/v1/auth/magic-link/consume",
            json={"token": token},
            auth=False,
        )
        self.token = session.session_token
        return session

    def request_desktop_sign_in(self, email: str, device_name: str) -> DesktopSignInStarted:
        """Ask the server to email an LP a link that approves this computer
        (``POST /v1/auth/desktop-link``; 202 whether or not the address is known)."""
        return self._call(
            DesktopSignInStarted,
            "POST",
            "/v1/auth/desktop-link",
            json={"email": email, "device_name": device_name},
            auth=False,
        )

    def poll_desktop_sign_in(self, request_id: str, poll_secret: str) -> SessionGranted | None:
        """None while nobody has approved the request; the session once approved (and
        then this client's); ``SyncError`` ``invalid_or_expired_token`` once it is
        expired, turned down or already collected."""
        body = {"request_id": request_id, "poll_secret": poll_secret}
        path = "/v1/auth/desktop-link/poll"
        response = self._request("POST", path, json=body, auth=False)
        if response.status_code == 202:
            self._parsed(DesktopSignInPending, response, "POST", path)
            return None
        session = self._parsed(SessionGranted, response, "POST", path)
        self.token = session.session_token
        return session

    def accept_invitation(self, email: str, code: str, password: str) -> SessionGranted:
        """Set one's password with a staff invitation's emailed code and sign in
        (``POST /v1/auth/invitation/accept``)."""
        session = self._call(
            SessionGranted,
            "POST",
            "/v1/auth/invitation/accept",
            json={"email": email, "code": code, "password": password},
            auth=False,
        )
        self.token = session.session_token
        return session

    def invitations(self) -> InvitationDeliveries:
        """How each invitation email went (``GET /v1/invitations``; staff only)."""
        return self._call(InvitationDeliveries, "GET", "/v1/invitations")

    def attach_org(self, attach_code: str, genesis: dict[str, Any], password: str) -> AttachResult:
        """Bring an org started offline onto the server (``POST /v1/orgs/attach``)."""
        attached = self._call(
            AttachResult,
            "POST",
            "/v1/orgs/attach",
            auth=False,
            json={"attach_code": attach_code, "genesis": genesis, "password": password},
        )
        self.token = attached.session_token
        return attached

    def attach_history(
        self, position: int, ops: list[dict[str, Any]], *, complete: bool
    ) -> HistoryAttached:
        """Send a part of an attaching organization's history (``POST
        /v1/orgs/attach/history``); the part marked ``complete`` has the server apply it all."""
        return self._call(
            HistoryAttached,
            "POST",
            "/v1/orgs/attach/history",
            json={"position": position, "ops": ops, "complete": complete},
            timeout=600.0 if complete else None,
        )

    def logout(self) -> None:
        self._request("POST", "/v1/auth/logout")

    def register_device(self, key: DeviceKey, name: str, *, org_id: str, user_id: str) -> str:
        """Enroll ``key`` as a device of the signed-in user (``org_id`` and ``user_id`` are
        the session's), with the key's proof that this machine holds it."""
        enrolled = self._call(
            DeviceEnrolled,
            "POST",
            "/v1/devices",
            json={
                "public_key": key.public_key,
                "name": name,
                "proof": device_proof(key, org_id, user_id),
            },
        )
        return enrolled.device_id

    def push(self, device_id: str, ops: list[dict[str, Any]]) -> list[PushResult]:
        body = {"device_id": device_id, "ops": ops}
        return self._call(PushResults, "POST", "/v1/sync/push", json=body).results

    def pull(self, after: int, limit: int = 500) -> PullPage:
        params = {"after": after, "limit": limit}
        return self._call(PullPage, "GET", "/v1/sync/pull", params=params)

    def pull_history(self, after: int, limit: int = 500) -> HistoryPage:
        """A pull page with each op kept as it came, for a new replica's log (staff only)."""
        params = {"after": after, "limit": limit}
        return self._call(HistoryPage, "GET", "/v1/sync/pull", params=params)

    def state(self) -> SyncState:
        return self._call(SyncState, "GET", "/v1/sync/state")

    def snapshot(self) -> bytes:
        """The raw body of ``GET /v1/sync/snapshot`` (a ``SnapshotBody``): the signature
        covers the document's bytes, so they are checked before being parsed."""
        return self._request("GET", "/v1/sync/snapshot", timeout=300.0).content

    @contextmanager
    def snapshot_stream(self) -> Iterator[Iterator[bytes]]:
        """``GET /v1/sync/snapshot`` as its bytes arrive, so a new device never holds the
        whole body (:mod:`core.store.snapshot_stream`); a refusal is a :class:`SyncError`
        before anything is yielded, a connection lost midway :class:`ServerUnavailable`."""
        response = self._request("GET", "/v1/sync/snapshot", timeout=300.0, stream=True)

        def chunks() -> Iterator[bytes]:
            try:
                yield from response.iter_bytes(_STREAM_CHUNK)
            except httpx.TransportError as exc:
                raise self._offline(f" ({exc})") from None

        try:
            yield chunks()
        finally:
            response.close()

    def notice_deliveries(
        self, *, call_id: str | None = None, distribution_id: str | None = None
    ) -> NoticeDeliveries:
        """How the emails of one issued call or distribution went, or of every notice
        (``GET /v1/notices/deliveries``; staff only)."""
        given = (("call_id", call_id), ("distribution_id", distribution_id))
        params = {name: value for name, value in given if value is not None}
        return self._call(NoticeDeliveries, "GET", "/v1/notices/deliveries", params=params)

    def server_key(self) -> str:
        return self._call(ServerKey, "GET", "/v1/server-key", auth=False).public_key

    # -- plumbing ------------------------------------------------------------------------

    def _call(self, model: type[M], method: str, path: str, **kw: Any) -> M:
        """The success's body as ``model``; :class:`MalformedResponse` if it is not one."""
        return self._parsed(model, self._request(method, path, **kw), method, path)

    def _parsed(self, model: type[M], response: httpx.Response, method: str, path: str) -> M:
        try:
            # orjson, then the model: a new device decodes tens of MiB of pulled ops, and
            # orjson parses them faster than the model's own JSON reader.
            return model.model_validate(orjson.loads(response.content))
        except orjson.JSONDecodeError:
            raise MalformedResponse(
                response.status_code, f"the server's answer to {method} {path} is not JSON"
            ) from None
        except ValidationError as exc:
            field, why = first_error(exc)
            raise MalformedResponse(
                response.status_code,
                f"the server's answer to {method} {path} is not what the protocol says: "
                f"{field or 'the body'}: {why}",
                field,
            ) from None

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        timeout: float | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """A success's response, or ``SyncError`` with the server's code and message.
        With ``stream``, the success's body is not read yet: the caller closes it."""
        headers = {"X-Request-ID": str(uuid.uuid4())}
        if auth:
            if not self.token:
                raise SyncError(401, "unauthenticated", "sign in to the server first")
            headers["Authorization"] = f"Bearer {self.token}"

        def attempt() -> httpx.Response:
            request = self._http.build_request(
                method,
                path,
                json=json,
                params=params,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
            response = self._http.send(request, stream=stream)
            if response.is_success:
                return response
            response.read()
            response.close()
            raise _refused(response)

        retrying = Retrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=0.2, max=5.0),
            reraise=True,
        )
        try:
            result: httpx.Response = self.breaker.call(lambda: retrying(attempt))
        except pybreaker.CircuitBreakerError:
            raise self._offline() from None
        except httpx.TransportError as exc:
            raise self._offline(f" ({exc})") from None
        return result


def _refused(response: httpx.Response) -> SyncError:
    """The server's refusal, from its error body (PROTOCOL's one shape)."""
    try:
        error = ErrorBody.model_validate(orjson.loads(response.content)).error
    except (orjson.JSONDecodeError, ValidationError):
        return MalformedResponse(
            response.status_code,
            f"the server answered HTTP {response.status_code} without a protocol body",
        )
    return SyncError(response.status_code, error.code, error.message, error.field, error.details)
